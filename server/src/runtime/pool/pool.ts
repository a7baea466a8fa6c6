// PreprocessPool: a piscina pool of worker threads that decode, detect, align and flip. Bounded:
// when `maxQueue` tasks are already waiting, new work is refused with RESOURCE_EXHAUSTED (with a
// retry hint) instead of letting memory grow. Pixel buffers travel as transferables.

import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { abortError, HyperfaceError, InvalidArgumentError, NotFoundError, ResourceExhaustedError, throwIfAborted } from '../../shared/errors.js';
import type { PreparedFace, PrepareResult, PrepareTask } from './prepare.js';

export type { PreparedFace, PrepareTask, RawImageInput } from './prepare.js';

export interface PreprocessPoolOptions {
  /** Worker threads. @default os.availableParallelism() (0 means the same) */
  workers?: number;
  /** Tasks allowed to wait for a worker before RESOURCE_EXHAUSTED. @default 256 */
  maxQueue?: number;
  /** Worker idle time before it exits. @default 60000 */
  idleTimeoutMs?: number;
  /** Largest width × height a task may decode (limits.maxImagePixels). @default MAX_PIXELS of prepare.ts */
  maxPixels?: number;
  /** Worker module. @default ./worker.js next to this file */
  workerUrl?: URL;
  /** Execution providers for the detector and landmark models, in order of preference. @default ['cpu'] */
  detectorProviders?: ('cpu' | 'webgpu')[];
}

export interface PreparedImage {
  width: number;
  height: number;
  alignment: 'five-point' | 'none';
  /** Largest first (one face when aligned). */
  faces: PreparedFace[];
}

export interface PoolStats {
  workers: number;
  queued: number;
  running: number;
  completed: number;
  maxQueue: number;
  /** Mean task time in ms (exponential moving average). */
  meanTaskMs: number;
}

export class PreprocessPool {
  private readonly piscina: Piscina;
  readonly workers: number;
  readonly maxQueue: number;
  private readonly maxPixels: number | undefined;
  private running = 0;
  private completed = 0;
  private meanMs = 200;
  private closed = false;

  constructor(options: PreprocessPoolOptions = {}) {
    this.workers = options.workers && options.workers > 0 ? options.workers : Math.max(1, availableParallelism());
    this.maxQueue = options.maxQueue ?? 256;
    this.maxPixels = options.maxPixels;
    this.piscina = new Piscina({
      filename: (options.workerUrl ?? new URL('./worker.js', import.meta.url)).href,
      minThreads: 0,
      maxThreads: this.workers,
      maxQueue: this.maxQueue,
      idleTimeout: options.idleTimeoutMs ?? 60_000,
      concurrentTasksPerWorker: 1,
      workerData: { detectorProviders: options.detectorProviders ?? ['cpu'] },
    });
  }

  stats(): PoolStats {
    return { workers: this.workers, queued: this.piscina.queueSize, running: this.running, completed: this.completed, maxQueue: this.maxQueue, meanTaskMs: this.meanMs };
  }

  private retryAfterMs(): number {
    const backlog = this.piscina.queueSize + this.running;
    return Math.min(30_000, Math.max(100, Math.round((backlog * this.meanMs) / this.workers)));
  }

  /**
   * Decodes `task.encoded` / `task.raw`, then detects and aligns (or resizes an aligned crop).
   * Throws INVALID_ARGUMENT (undecodable, wrong size), NOT_FOUND (no face), RESOURCE_EXHAUSTED
   * (queue full), CANCELLED/DEADLINE_EXCEEDED (signal). The input buffer is transferred to the
   * worker when it owns its whole ArrayBuffer (`transferInput`, default false: copied).
   */
  async prepare(task: PrepareTask, options: { signal?: AbortSignal; transferInput?: boolean } = {}): Promise<PreparedImage> {
    if (this.closed) throw new HyperfaceError('UNAVAILABLE', 'the preprocessing pool is closed');
    throwIfAborted(options.signal);
    if (this.piscina.queueSize >= this.maxQueue) {
      throw new ResourceExhaustedError(`preprocessing queue is full (${this.maxQueue} images waiting); retry later`, this.retryAfterMs());
    }
    const transferList: ArrayBuffer[] = [];
    if (options.transferInput) {
      const buf = task.encoded ?? task.raw?.data;
      if (buf && buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer) transferList.push(buf.buffer);
    }
    const started = performance.now();
    this.running++;
    let pending: Promise<PrepareResult>;
    try {
      pending = this.piscina.run(this.maxPixels ? { ...task, maxPixels: task.maxPixels ?? this.maxPixels } : task, { transferList }) as Promise<PrepareResult>;
    } catch (error) {
      this.running--;
      throw this.mapError(error);
    }
    const settled = pending.then(
      (r) => {
        this.running--;
        this.completed++;
        this.meanMs = 0.9 * this.meanMs + 0.1 * (performance.now() - started);
        return r;
      },
      (error: unknown) => {
        this.running--;
        throw this.mapError(error);
      },
    );
    let result: PrepareResult;
    if (options.signal) {
      const signal = options.signal;
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(abortError(signal));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      // A running task finishes in its worker (killing it would throw away the loaded detector);
      // its result is simply dropped.
      settled.catch(() => undefined);
      try {
        result = await Promise.race([settled, aborted]);
      } finally {
        if (onAbort) signal.removeEventListener('abort', onAbort);
      }
    } else {
      result = await settled;
    }
    if (!result.ok) {
      if (result.code === 'NOT_FOUND') throw new NotFoundError('face');
      if (result.code === 'INVALID_ARGUMENT') throw new InvalidArgumentError({ field: result.field ?? 'image', description: result.message });
      throw new HyperfaceError('INTERNAL', `preprocessing failed: ${result.message}`);
    }
    return { width: result.width, height: result.height, alignment: result.alignment, faces: result.faces };
  }

  private mapError(error: unknown): HyperfaceError {
    if (error instanceof HyperfaceError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (/queue is at limit/i.test(message)) return new ResourceExhaustedError(`preprocessing queue is full (${this.maxQueue} images waiting); retry later`, this.retryAfterMs());
    return new HyperfaceError('INTERNAL', `preprocessing worker failed: ${message}`, { cause: error });
  }

  /** Waits for running tasks and stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.piscina.close();
  }
}
