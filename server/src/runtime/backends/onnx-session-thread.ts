// A recognizer session on a worker thread of its own (onnx-session-worker.ts). onnxruntime-node runs
// a model synchronously on the thread that calls it; here that is the worker, so the main thread
// stays free for gRPC and batching while the model computes. Crops travel as one copied, then
// transferred buffer per batch; rows come back transferred. The worker is referenced only while
// a request is pending, so an idle recognizer never keeps the process alive.
import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { abortError, FailedPreconditionError, HyperfaceError, InvalidArgumentError, throwIfAborted } from '../../shared/errors.js';
import type { ExecutionProviderName } from '../models/config.js';
import type { FaceBatch } from '../models/types.js';
import type { EmbedPlan, RecognizerSession } from './onnx-session.js';
import type { OpenedSession, SessionReply, SessionRequest } from './onnx-session-worker.js';

type Body<T> = T extends { id: number } ? Omit<T, 'id'> : never;

interface PendingCall {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

function fromReply(reply: Extract<SessionReply, { ok: false }>): Error {
  if (reply.code === 'INVALID_ARGUMENT' && reply.fieldViolations.length > 0) return new InvalidArgumentError(reply.fieldViolations);
  if (reply.code === 'FAILED_PRECONDITION') return new FailedPreconditionError(reply.message);
  return new HyperfaceError('INTERNAL', reply.message);
}

export class ThreadSession implements RecognizerSession {
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;
  private dead: Error | undefined;
  private opened!: OpenedSession;

  private constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on('message', (reply: SessionReply) => {
      const call = this.pending.get(reply.id);
      if (!call) return; // cancelled on this side already
      this.settle(reply.id);
      if (reply.ok) call.resolve(reply.value);
      else call.reject(fromReply(reply));
    });
    const fail = (error: Error): void => {
      this.dead ??= new HyperfaceError('INTERNAL', `the recognizer thread stopped: ${error.message}`, { cause: error });
      for (const [id, call] of this.pending) {
        this.settle(id);
        call.reject(this.dead);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  }

  /** Starts the thread and creates the session there (providers tried in order, as createOnnxSession). */
  static async open(bytes: Uint8Array, file: string, providers: readonly ExecutionProviderName[]): Promise<ThreadSession> {
    const t = new ThreadSession(new Worker(new URL('./onnx-session-worker.js', import.meta.url)));
    try {
      t.opened = (await t.call({ op: 'open', bytes, file, providers: [...providers] })) as OpenedSession;
    } catch (error) {
      await t.worker.terminate();
      throw error;
    }
    return t;
  }

  get provider(): ExecutionProviderName {
    return this.opened.provider;
  }
  get inputMetadata(): readonly ort.InferenceSession.ValueMetadata[] {
    return this.opened.inputMetadata;
  }
  get outputMetadata(): readonly ort.InferenceSession.ValueMetadata[] {
    return this.opened.outputMetadata;
  }
  get inputNames(): readonly string[] {
    return this.opened.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.opened.outputNames;
  }

  async runOne(input: string, data: Float32Array, dims: number[], output: string): Promise<{ dims: readonly number[]; data: Float32Array }> {
    return (await this.call({ op: 'runOne', input, data, dims, output })) as { dims: number[]; data: Float32Array };
  }

  async embed(plan: EmbedPlan, batch: FaceBatch, options: { signal?: AbortSignal; transferInput?: boolean } = {}): Promise<Float32Array> {
    throwIfAborted(options.signal);
    // The crops move to the worker: the caller's own buffer when it gives it up and the view covers
    // all of it, else one copy of exactly the batch's bytes (never a larger backing store).
    const own = options.transferInput === true && batch.data.byteOffset === 0 && batch.data.byteLength === batch.data.buffer.byteLength && batch.data.buffer instanceof ArrayBuffer;
    const data = own ? batch.data : batch.data.slice();
    return (await this.call({ op: 'embed', plan, data, count: batch.count, size: batch.size }, [data.buffer as ArrayBuffer], options.signal)) as Float32Array;
  }

  async release(): Promise<void> {
    if (this.dead) return;
    try {
      await this.call({ op: 'release' });
    } finally {
      this.dead = new FailedPreconditionError('the recognizer session is released');
      await this.worker.terminate();
    }
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private call(body: Body<SessionRequest>, transfer: ArrayBuffer[] = [], signal?: AbortSignal): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.pending.has(id)) return;
        this.settle(id);
        this.worker.postMessage({ op: 'cancel', id } satisfies SessionRequest);
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (v) => {
          done();
          resolve(v);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      this.worker.ref();
      this.worker.postMessage({ ...body, id }, transfer);
    });
  }
}
