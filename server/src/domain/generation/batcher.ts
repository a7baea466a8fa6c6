// Cross-request dynamic batching for generators (Triton's dynamic batcher, as the recognizers'
// batcher in recognition/service.ts): the faces that concurrent requests ask a generator for are
// rendered together, up to the model's preferred batch size, waiting at most a short queue delay
// for a batch to fill. Two classes of work: interactive faces always go first; bulk (dataset job)
// faces fill what is left, and while interactive traffic is recent they go in small slices, so an
// interactive caller waits for at most one small bulk slice in flight. Every face is rendered from
// its own (embedding, seed, variation), so how faces are grouped never changes a pixel.
import { abortError } from '../../shared/errors.js';
import type { CallOptions, Generator, RawImageData, RenderItem } from '../../runtime/models/types.js';
import { BatchTimer } from '../../util/batch-timer.js';

export type WorkClass = 'interactive' | 'bulk';

export interface BatchingOptions {
  /** Most faces per generator call. */
  preferredBatchSize: number;
  /** Longest wait for a batch to fill, in ms (0 = render what is there at once). */
  maxQueueDelayMs: number;
}

/** Observes each generator call (metrics); must call `run` exactly once. */
export type RenderInstrument = (info: { model: string; provider: string; size: number; interactive: number }, run: () => Promise<RawImageData[]>) => Promise<RawImageData[]>;

/** Bulk faces go in slices of preferredBatchSize / BULK_SLICE_DIVISOR while interactive traffic is recent. */
const BULK_SLICE_DIVISOR = 4;
/** How long after the last interactive face bulk work still goes in slices. */
const INTERACTIVE_RECENT_MS = 1000;

interface Pending {
  items: RenderItem[];
  images: RawImageData[];
  /** Next item not yet handed to the generator. */
  next: number;
  /** Items rendered. */
  done: number;
  signal: AbortSignal | undefined;
  settled: boolean;
  resolve(images: RawImageData[]): void;
  reject(error: unknown): void;
}

export interface BatcherStats {
  calls: number;
  faces: number;
  /** Sizes of the most recent generator calls (last 64). */
  recentBatchSizes: number[];
}

class Batcher {
  private readonly queues: Record<WorkClass, Pending[]> = { interactive: [], bulk: [] };
  private readonly timer = new BatchTimer(() => this.flush());
  private inFlight = false;
  private lastInteractiveMs = -Infinity;
  readonly stats: BatcherStats = { calls: 0, faces: 0, recentBatchSizes: [] };

  constructor(
    private readonly generator: Generator,
    private readonly options: BatchingOptions,
    private readonly instrument?: RenderInstrument,
  ) {}

  submit(items: RenderItem[], cls: WorkClass, signal: AbortSignal | undefined): Promise<RawImageData[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (cls === 'interactive') this.lastInteractiveMs = performance.now();
    return new Promise<RawImageData[]>((resolve, reject) => {
      const onAbort = (): void => p.reject(abortError(signal!));
      const p: Pending = {
        items,
        images: new Array<RawImageData>(items.length),
        next: 0,
        done: 0,
        signal,
        settled: false,
        resolve: (images) => {
          if (p.settled) return;
          p.settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(images);
        },
        reject: (error) => {
          if (p.settled) return;
          p.settled = true;
          signal?.removeEventListener('abort', onAbort);
          const queue = this.queues[cls];
          const i = queue.indexOf(p);
          if (i >= 0) queue.splice(i, 1);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queues[cls].push(p);
      this.schedule();
    });
  }

  private queuedFaces(): number {
    let n = 0;
    for (const q of [this.queues.interactive, this.queues.bulk]) for (const p of q) n += p.items.length - p.next;
    return n;
  }

  private schedule(): void {
    if (this.inFlight || (this.queues.interactive.length === 0 && this.queues.bulk.length === 0)) return;
    this.timer.schedule(this.queuedFaces() >= this.options.preferredBatchSize, this.options.maxQueueDelayMs);
  }

  /** Takes up to `room` faces from a class's queue, oldest request first; returns what was taken. */
  private take(cls: WorkClass, room: number, into: { p: Pending; index: number }[]): number {
    const queue = this.queues[cls];
    let taken = 0;
    while (taken < room && queue.length > 0) {
      const p = queue[0]!;
      while (taken < room && p.next < p.items.length) {
        into.push({ p, index: p.next++ });
        taken++;
      }
      // Every face of it is on its way: it leaves the queue (it settles when they are rendered).
      if (p.next >= p.items.length) queue.shift();
    }
    return taken;
  }

  private async flush(): Promise<void> {
    if (this.inFlight) return;
    const max = this.options.preferredBatchSize;
    const batch: { p: Pending; index: number }[] = [];
    const interactive = this.take('interactive', max, batch);
    const recent = performance.now() - this.lastInteractiveMs < INTERACTIVE_RECENT_MS;
    const bulkRoom = recent ? Math.min(max - interactive, Math.max(1, Math.ceil(max / BULK_SLICE_DIVISOR))) : max - interactive;
    if (bulkRoom > 0) this.take('bulk', bulkRoom, batch);
    if (batch.length === 0) return;
    this.inFlight = true;
    try {
      const items = batch.map((b) => b.p.items[b.index]!);
      const run = (): Promise<RawImageData[]> => this.generator.render(items);
      const info = { model: this.generator.info.name, provider: this.generator.info.provider, size: items.length, interactive };
      const images = this.instrument ? await this.instrument(info, run) : await run();
      if (images.length !== items.length) throw new Error(`generator ${this.generator.info.name} returned ${images.length} images for ${items.length} items`);
      this.stats.calls += 1;
      this.stats.faces += items.length;
      this.stats.recentBatchSizes.push(items.length);
      if (this.stats.recentBatchSizes.length > 64) this.stats.recentBatchSizes.shift();
      batch.forEach((b, k) => {
        b.p.images[b.index] = images[k]!;
        b.p.done += 1;
        if (b.p.done === b.p.items.length) b.p.resolve(b.p.images);
      });
    } catch (error) {
      for (const b of batch) b.p.reject(error);
    } finally {
      this.inFlight = false;
      this.schedule();
    }
  }
}

/** One batcher per generator instance; `wrap` gives a Generator whose renders go through it. */
export class GeneratorBatchers {
  private readonly batchers = new WeakMap<Generator, Batcher>();

  constructor(
    /** The batching options of a model (its entry's `batching`, else the generation.* defaults). */
    private readonly optionsFor: (model: string) => BatchingOptions,
    private readonly instrument?: RenderInstrument,
  ) {}

  private batcherOf(generator: Generator): Batcher {
    let b = this.batchers.get(generator);
    if (!b) {
      b = new Batcher(generator, this.optionsFor(generator.info.name), this.instrument);
      this.batchers.set(generator, b);
    }
    return b;
  }

  /** The generator as a request of class `cls` sees it: same model, renders batched with everyone else's. */
  wrap(generator: Generator, cls: WorkClass): Generator {
    const batcher = this.batcherOf(generator);
    return {
      info: generator.info,
      render: (items: RenderItem[], options?: CallOptions) => batcher.submit(items, cls, options?.signal),
      // The model belongs to the repository, not to the request.
      dispose: () => Promise.resolve(),
    };
  }

  stats(generator: Generator): BatcherStats {
    return this.batcherOf(generator).stats;
  }
}
