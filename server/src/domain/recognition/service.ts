// RecognitionService: image → faces → embeddings, with dynamic batching. Used by the Embed RPC, the
// CLI, image-folder galleries (packing) and evaluation. Concurrent calls for the same recognizer
// are gathered into one model call of up to `maxBatch` crops, waiting at most `maxDelayMs`.

import { abortError, HyperfaceError, InvalidArgumentError, throwIfAborted } from '../../shared/errors.js';
import type { ModelRepository } from '../../runtime/models/repository.js';
import type { FaceBatch, Recognizer } from '../../runtime/models/types.js';
import type { PreprocessPool } from '../../runtime/pool/pool.js';
import { normalizeRows } from '../../util/vec.js';
import { BatchTimer } from '../../util/batch-timer.js';

/** A raw image as the wire checked it: channels 1, 3 or 4 and data of height × width × channels bytes. */
export interface RawImageInput {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/**
 * One image, either encoded bytes (non-empty) or raw pixels, never both or neither: the type says
 * so, because the request was decoded and checked once (transport/recognition.ts decodeEmbedRequest).
 */
export type EmbedImageInput = { encoded: Uint8Array; raw?: undefined } | { raw: RawImageInput; encoded?: undefined };

export interface EmbedItem {
  image: EmbedImageInput;
  /** Empty/undefined = the default recognizer. */
  recognizer?: string;
  aligned: boolean;
  largestFace: boolean;
  flip: boolean;
}

export interface EmbeddedFaceResult {
  /** L2-normalised. */
  embedding: Float32Array;
  box: { x: number; y: number; width: number; height: number };
  score: number;
  /** x0, y0, … x4, y4 in source pixels; empty for aligned input. */
  landmarks: number[];
}

export interface EmbedItemResult {
  model: string;
  alignment: 'five-point' | 'none';
  faces: EmbeddedFaceResult[];
}

/** Wraps every model call (metrics, a span per batch); must call `run` exactly once. */
export type BatchInstrument = (info: { model: string; provider: string; size: number }, run: () => Promise<Float32Array>) => Promise<Float32Array>;

export interface RecognitionServiceOptions {
  /** Observes each model batch. @default none */
  instrument?: BatchInstrument;
  /** Most crops per model call. @default 32 */
  maxBatch?: number;
  /** Longest wait for a batch to fill, in ms. @default 5 */
  maxDelayMs?: number;
}

export interface BatchingStats {
  /** Model calls made. */
  calls: number;
  /** Crops embedded. */
  crops: number;
  /** Sizes of the most recent model calls (last 64). */
  recentBatchSizes: number[];
}

interface Pending {
  batch: FaceBatch;
  signal: AbortSignal | undefined;
  resolve: (v: Float32Array) => void;
  reject: (e: unknown) => void;
}

/**
 * Model calls of one batcher in flight at once. Two: the next batch is already queued at the
 * recognizer (its own thread, or a remote server) when the current one ends, instead of waiting
 * for this thread to notice, gather and hand it over (bench/embed/daemon.mjs).
 */
export const BATCHES_IN_FLIGHT = 2;

class Batcher {
  private queue: Pending[] = [];
  private queued = 0;
  private readonly timer = new BatchTimer(() => this.flush());
  private inFlight = 0;

  constructor(
    private readonly recognizer: Recognizer,
    private readonly maxBatch: number,
    private readonly maxDelayMs: number,
    private readonly stats: BatchingStats,
    private readonly instrument?: BatchInstrument,
    /** Raw (unnormalised) outputs: requests for raw and normalised rows are batched apart. */
    private readonly raw = false,
  ) {}

  submit(batch: FaceBatch, signal: AbortSignal | undefined): Promise<Float32Array> {
    return new Promise<Float32Array>((resolve, reject) => {
      // The listener must go when the item settles: job signals live long and see many items.
      const onAbort = (): void => {
        const i = this.queue.indexOf(p);
        if (i >= 0) {
          this.queue.splice(i, 1);
          this.queued -= p.batch.count;
          reject(abortError(signal!));
        }
      };
      const p: Pending = {
        batch,
        signal,
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(p);
      this.queued += batch.count;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight >= BATCHES_IN_FLIGHT || this.queue.length === 0) return;
    this.timer.schedule(this.queued >= this.maxBatch, this.maxDelayMs);
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= BATCHES_IN_FLIGHT || this.queue.length === 0) return;
    // Take whole requests up to maxBatch crops (a single larger request goes alone).
    const take: Pending[] = [];
    let count = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (take.length > 0 && count + next.batch.count > this.maxBatch) break;
      this.queue.shift();
      this.queued -= next.batch.count;
      if (next.signal?.aborted) {
        next.reject(abortError(next.signal));
        continue;
      }
      take.push(next);
      count += next.batch.count;
    }
    if (take.length === 0) {
      this.schedule();
      return;
    }
    this.inFlight++;
    const size = take[0]!.batch.size;
    const data = new Uint8Array(count * size * size * 3);
    let off = 0;
    for (const p of take) {
      data.set(p.batch.data, off);
      off += p.batch.data.length;
    }
    this.stats.calls++;
    this.stats.crops += count;
    this.stats.recentBatchSizes.push(count);
    if (this.stats.recentBatchSizes.length > 64) this.stats.recentBatchSizes.shift();
    try {
      // `data` is this batch's own buffer: the recognizer may move it to its thread instead of copying.
      const call = (): Promise<Float32Array> => this.recognizer.embed({ data, count, size }, { raw: this.raw, transferInput: true });
      const info = this.recognizer.info;
      const running = this.instrument ? this.instrument({ model: info.name, provider: info.provider, size: count }, call) : call();
      // What this batch left behind may go out now as the second batch in flight (after this one).
      this.schedule();
      const out = await running;
      const dim = this.recognizer.info.dim;
      let row = 0;
      for (const p of take) {
        p.resolve(out.slice(row * dim, (row + p.batch.count) * dim));
        row += p.batch.count;
      }
    } catch (error) {
      for (const p of take) p.reject(error);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}

function mirror(batch: FaceBatch): Uint8Array {
  const { data, count, size } = batch;
  const out = new Uint8Array(data.length);
  for (let n = 0; n < count; n++) {
    const base = n * size * size * 3;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const s = base + (y * size + x) * 3;
        const d = base + (y * size + (size - 1 - x)) * 3;
        out[d] = data[s] ?? 0;
        out[d + 1] = data[s + 1] ?? 0;
        out[d + 2] = data[s + 2] ?? 0;
      }
    }
  }
  return out;
}

/** Adds the raw embeddings of N originals and their N mirrors ([2N, dim]) pairwise and L2-normalises (insightface's flip test). */
function combineFlip(both: Float32Array, count: number, dim: number): Float32Array {
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count * dim; i++) out[i] = (both[i] ?? 0) + (both[count * dim + i] ?? 0);
  return normalizeRows(out, count, dim);
}

export class RecognitionService {
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  private readonly instrument?: BatchInstrument;
  private readonly batchers = new Map<string, Batcher>();
  private readonly batchStats: BatchingStats = { calls: 0, crops: 0, recentBatchSizes: [] };

  constructor(
    private readonly models: ModelRepository,
    private readonly pool: PreprocessPool,
    options: RecognitionServiceOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 32);
    this.maxDelayMs = Math.max(0, options.maxDelayMs ?? 5);
    this.instrument = options.instrument;
  }

  /** Batching counters (for metrics and tests). */
  stats(): BatchingStats {
    return { ...this.batchStats, recentBatchSizes: [...this.batchStats.recentBatchSizes] };
  }

  /**
   * Embeds every face of one image (or only the largest). Throws typed errors for this item:
   * INVALID_ARGUMENT (undecodable, wrong size), NOT_FOUND (no face / unknown recognizer),
   * FAILED_PRECONDITION (recognizer not ready), RESOURCE_EXHAUSTED (pool full), CANCELLED.
   */
  async embed(item: EmbedItem, options: { signal?: AbortSignal } = {}): Promise<EmbedItemResult> {
    throwIfAborted(options.signal);
    const rec = this.models.recognizer(item.recognizer);
    const size = rec.info.imageSize;
    const raw = item.image.raw;
    if (item.aligned && raw && raw.channels === 3 && raw.width === size && raw.height === size && raw.data.length === size * size * 3) {
      // An aligned RGB crop already at the model's size: nothing for the pool to do (no decode,
      // no resize), so skip the worker round trip.
      const emb = await this.embedAligned(item.recognizer, { data: raw.data, count: 1, size }, { signal: options.signal, flip: item.flip });
      return { model: rec.info.name, alignment: 'none', faces: [{ embedding: emb, box: { x: 0, y: 0, width: size, height: size }, score: 1, landmarks: [] }] };
    }
    const prepared = await this.pool.prepare(
      { ...(item.image.encoded ? { encoded: item.image.encoded } : {}), ...(item.image.raw ? { raw: item.image.raw } : {}), aligned: item.aligned, largestFace: item.largestFace, flip: item.flip, size },
      options.signal ? { signal: options.signal } : {},
    );
    const n = prepared.faces.length;
    const copies = item.flip ? 2 : 1;
    const data = new Uint8Array(n * copies * size * size * 3);
    prepared.faces.forEach((f, i) => {
      data.set(f.crop, i * size * size * 3);
      if (item.flip) data.set(f.flipped ?? mirror({ data: f.crop, count: 1, size }), (n + i) * size * size * 3);
    });
    const dim = rec.info.dim;
    let emb = await this.submit(rec, { data, count: n * copies, size }, options.signal, item.flip);
    if (item.flip) emb = combineFlip(emb, n, dim);
    return {
      model: rec.info.name,
      alignment: prepared.alignment,
      faces: prepared.faces.map((f, i) => ({ embedding: emb.slice(i * dim, (i + 1) * dim), box: f.box, score: f.score, landmarks: f.landmarks })),
    };
  }

  /**
   * Embeds already-aligned crops (uint8 RGB HWC, any square size: the recognizer resizes) through
   * the same dynamic batching as embed(). `flip` adds the raw embeddings of each crop and its mirror,
   * then L2-normalises (as insightface). `raw`: rows before normalisation, where the backend has them.
   * Returns [count, dim].
   */
  async embedAligned(recognizer: string | undefined, batch: FaceBatch, options: { signal?: AbortSignal; flip?: boolean; raw?: boolean } = {}): Promise<Float32Array> {
    throwIfAborted(options.signal);
    const rec = this.models.recognizer(recognizer);
    if (batch.count === 0) return new Float32Array(0);
    if (batch.data.length !== batch.count * batch.size * batch.size * 3) {
      throw new InvalidArgumentError({ field: 'batch.data', description: `expected ${batch.count * batch.size * batch.size * 3} bytes, got ${batch.data.length}` });
    }
    if (!options.flip) return this.submit(rec, batch, options.signal, options.raw);
    const both = new Uint8Array(batch.data.length * 2);
    both.set(batch.data);
    both.set(mirror(batch), batch.data.length);
    const emb = await this.submit(rec, { data: both, count: batch.count * 2, size: batch.size }, options.signal, true);
    return combineFlip(emb, batch.count, rec.info.dim);
  }

  private submit(rec: Recognizer, batch: FaceBatch, signal: AbortSignal | undefined, raw = false): Promise<Float32Array> {
    const key = `${rec.info.name}\u0000${batch.size}\u0000${raw ? 'raw' : 'unit'}`;
    let b = this.batchers.get(key);
    if (!b) {
      b = new Batcher(rec, this.maxBatch, this.maxDelayMs, this.batchStats, this.instrument, raw);
      this.batchers.set(key, b);
    }
    return b.submit(batch, signal).catch((error: unknown) => {
      if (error instanceof HyperfaceError) throw error;
      throw new HyperfaceError('INTERNAL', `recognizer ${rec.info.name} failed: ${(error as Error).message}`, { cause: error });
    });
  }
}
