// The embedding runner of evaluations: decodes (or detects and aligns) images, mirrors them for the
// flip test, and embeds them in batches under one or more recognizers.
import { decodeRgb } from '../../runtime/images/codec.js';
import { FailedPreconditionError, throwIfAborted } from '../../shared/errors.js';
import type { FaceBatch } from '../../runtime/models/types.js';

// Structural dependencies, so the real services plug in without this module knowing them.
export interface AlignedEmbedder {
  /**
   * Embeds aligned RGB HWC crops; returns [count, dim] float32. `recognizer` undefined = default.
   * `raw`: the model's output rows before L2 normalisation, where the backend has them (onnx, kserve).
   */
  embedAligned(recognizer: string | undefined, batch: FaceBatch, opts?: { signal?: AbortSignal; raw?: boolean }): Promise<Float32Array>;
}

/** Decodes an encoded image to `size` x `size` RGB HWC uint8 (an already aligned crop). */
export type ImageDecoder = (encoded: Uint8Array, size: number) => Promise<Uint8Array>;
/** Detects and aligns the main face of an encoded image to `size` x `size` RGB HWC uint8. */
export type FaceAligner = (encoded: Uint8Array, size: number, opts?: { signal?: AbortSignal }) => Promise<Uint8Array>;

export interface EvaluationProgress {
  done: number;
  total: number;
  phase: string;
}

export const sharpDecoder: ImageDecoder = decodeRgb;

/** Mirrors RGB HWC images left-right. */
export function mirrorBatch(batch: FaceBatch): FaceBatch {
  const { data, count, size } = batch;
  const out = new Uint8Array(data.length);
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < size; y++) {
      const row = (n * size + y) * size * 3;
      for (let x = 0; x < size; x++) {
        const s = row + x * 3;
        const d = row + (size - 1 - x) * 3;
        out[d] = data[s]!;
        out[d + 1] = data[s + 1]!;
        out[d + 2] = data[s + 2]!;
      }
    }
  }
  return { data: out, count, size };
}

export interface EmbedJob {
  count: number;
  /** Prepared RGB crop of image i. */
  load(i: number): Promise<Uint8Array>;
}

export interface Embedded {
  dim: number;
  /** Raw model outputs where the backend has them (the metrics normalise; the flip test fuses first). */
  plain: Float32Array;
  flipped?: Float32Array;
}

export interface EmbedAllOptions {
  size: number;
  batchSize: number;
  flip: boolean;
  phase: string;
  signal?: AbortSignal;
  onProgress?: (p: EvaluationProgress) => void;
}

function concat(xs: Float32Array[]): Float32Array {
  const out = new Float32Array(xs.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const x of xs) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

/** Embeds `job.count` images under each recognizer, in batches, with optional mirrored copies. */
export async function embedAll(embedder: AlignedEmbedder, job: EmbedJob, recognizers: ReadonlyArray<string | undefined>, opts: EmbedAllOptions): Promise<Embedded[]> {
  const parts: Array<{ plain: Float32Array[]; flipped: Float32Array[] }> = recognizers.map(() => ({ plain: [], flipped: [] }));
  const px = opts.size * opts.size * 3;
  opts.onProgress?.({ done: 0, total: job.count, phase: opts.phase });
  // Raw outputs: insightface's flip test adds the raw embeddings of an image and its mirror, then normalises.
  const call = { raw: true, ...(opts.signal ? { signal: opts.signal } : {}) };
  for (let start = 0; start < job.count; start += opts.batchSize) {
    throwIfAborted(opts.signal);
    const n = Math.min(opts.batchSize, job.count - start);
    const crops = await Promise.all(Array.from({ length: n }, (_, k) => job.load(start + k)));
    const data = new Uint8Array(n * px);
    crops.forEach((c, k) => {
      if (c.length !== px) throw new FailedPreconditionError(`image ${start + k}: decoder returned ${c.length} bytes, expected ${px}`);
      data.set(c, k * px);
    });
    const batch: FaceBatch = { data, count: n, size: opts.size };
    const mirrored = opts.flip ? mirrorBatch(batch) : undefined;
    for (const [r, name] of recognizers.entries()) {
      parts[r]!.plain.push(await embedder.embedAligned(name, batch, call));
      if (mirrored) parts[r]!.flipped.push(await embedder.embedAligned(name, mirrored, call));
    }
    opts.onProgress?.({ done: start + n, total: job.count, phase: opts.phase });
  }
  return parts.map((p) => {
    const plain = concat(p.plain);
    const dim = job.count > 0 ? plain.length / job.count : 0;
    if (!Number.isInteger(dim) || dim <= 0) throw new FailedPreconditionError(`recognizer returned ${plain.length} values for ${job.count} images`);
    return opts.flip ? { dim, plain, flipped: concat(p.flipped) } : { dim, plain };
  });
}
