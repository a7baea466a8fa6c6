// Parsing a file a request names runs here, in a worker thread with a heap limit and a time limit:
// a JSON or pickle bomb can exhaust the worker, never the daemon. The main thread only moves bytes
// (read through FileGuard) in and compact results (typed arrays, short strings) out, so health,
// signals and other callers stay responsive whatever the file holds.
import { Worker } from 'node:worker_threads';
import { InvalidArgumentError, ResourceExhaustedError, throwIfAborted } from '../../shared/errors.js';
import { clip } from '../files/safe-files.js';
import type { TaskInput, TaskName, TaskOutput, WorkerReply } from './tasks.js';

/** The fence around one parse (fixed; documented in docs/configuration.md#limits). */
export const PARSE_FENCE = {
  /** Most V8 old-generation heap of a parse worker, MiB. */
  heapMb: 1024,
  /** Heap per MiB of input: parsing may take this many times the file's size (plus 64 MiB), up to heapMb. */
  perInputMb: 8,
  /** Wall-clock limit of one parse, ms. */
  timeoutMs: 120_000,
} as const;

export interface FenceOptions {
  /** The file being parsed, named in errors. */
  file: string;
  /** Request field named in errors. */
  field: string;
  signal?: AbortSignal;
  heapMb?: number;
  timeoutMs?: number;
}

const WORKER_URL = new URL('./parse-worker.js', import.meta.url);

/** The heap a parse of `inputBytes` gets: 64 MiB + 8 × its size, at most PARSE_FENCE.heapMb. */
export function fenceHeapMb(inputBytes: number): number {
  return Math.min(PARSE_FENCE.heapMb, 64 + Math.ceil((PARSE_FENCE.perInputMb * inputBytes) / (1 << 20)));
}

/** A Buffer may be a view into Node's shared pool: copy it unless it owns its ArrayBuffer (which is then transferred). */
export function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return new Uint8Array(bytes).buffer; // a copy (Buffer#slice would share the pool)
}

/** Runs `task` on `input` in a fresh fenced worker. ArrayBuffers and FileHandles in `transfer` move to it. */
export function fenced<N extends TaskName>(task: N, input: TaskInput<N>, transfer: ReadonlyArray<ArrayBuffer | object>, options: FenceOptions): Promise<TaskOutput<N>> {
  throwIfAborted(options.signal);
  const heapMb = options.heapMb ?? PARSE_FENCE.heapMb;
  const timeoutMs = options.timeoutMs ?? PARSE_FENCE.timeoutMs;
  const { field } = options;
  const file = clip(options.file);
  return new Promise((resolve, reject) => {
    let settled = false;
    const worker = new Worker(WORKER_URL, {
      workerData: { task, input },
      transferList: transfer as never,
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
      stdout: false,
      stderr: false,
    });
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const timer = setTimeout(() => finish(() => reject(new ResourceExhaustedError(`${field}: parsing ${file} took longer than ${timeoutMs / 1000} s; the file is refused`, 0))), timeoutMs);
    const onAbort = (): void => finish(() => reject(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted')));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (reply: WorkerReply<N>) =>
      finish(() => {
        if ('ok' in reply) resolve(reply.ok);
        else reject(new InvalidArgumentError({ field, description: `${file}: ${clip(reply.error)}` }));
      }),
    );
    worker.once('error', (error: Error & { code?: string }) =>
      finish(() => {
        if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') reject(new ResourceExhaustedError(`${field}: parsing ${file} needs more than ${heapMb} MiB of memory (the parse fence); the file is refused`, 0, { cause: error }));
        else if (error instanceof RangeError) reject(new InvalidArgumentError({ field, description: `${file}: ${clip(error.message)}` }, { cause: error }));
        else reject(new InvalidArgumentError({ field, description: `${file} cannot be parsed: ${clip(error.message)}` }, { cause: error }));
      }),
    );
    worker.once('exit', (code) => finish(() => reject(new ResourceExhaustedError(`${field}: the worker parsing ${file} stopped (exit code ${code})`, 0))));
  });
}
