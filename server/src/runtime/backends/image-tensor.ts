// Turns aligned uint8 RGB HWC crops into a model's float input (resize, colour order, scale/mean/std,
// NCHW/NHWC) in plain JS — shared by the onnx and kserve-v2 backends.

import { InvalidArgumentError } from '../../shared/errors.js';
import type { InputSpec, ModelConfigEntry } from '../models/config.js';
import type { FaceBatch, ModelInfo, TensorSpecInfo } from '../models/types.js';

/**
 * Bilinear resize of one uint8 HWC RGB image (square `from` → square `to`) with half-pixel centres
 * (OpenCV INTER_LINEAR), returning floats.
 */
export function resizeBilinear(src: Uint8Array, from: number, to: number): Float32Array {
  const out = new Float32Array(to * to * 3);
  if (from === to) {
    for (let i = 0; i < out.length; i++) out[i] = src[i] ?? 0;
    return out;
  }
  const ratio = from / to;
  for (let y = 0; y < to; y++) {
    const sy = Math.min(Math.max((y + 0.5) * ratio - 0.5, 0), from - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, from - 1);
    const fy = sy - y0;
    for (let x = 0; x < to; x++) {
      const sx = Math.min(Math.max((x + 0.5) * ratio - 0.5, 0), from - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, from - 1);
      const fx = sx - x0;
      const o = (y * to + x) * 3;
      const a = (y0 * from + x0) * 3;
      const b = (y0 * from + x1) * 3;
      const c = (y1 * from + x0) * 3;
      const d = (y1 * from + x1) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = (src[a + ch] ?? 0) * (1 - fx) + (src[b + ch] ?? 0) * fx;
        const bot = (src[c + ch] ?? 0) * (1 - fx) + (src[d + ch] ?? 0) * fx;
        out[o + ch] = top * (1 - fy) + bot * fy;
      }
    }
  }
  return out;
}

/**
 * Images `[start, start + n)` of `batch` as the model input described by `spec`:
 * `[n, 3, S, S]` (NCHW) or `[n, S, S, 3]` (NHWC) float32, `x = (pixel * scale - mean) / std`.
 */
export function batchToInput(batch: FaceBatch, start: number, n: number, spec: InputSpec): Float32Array {
  const S = spec.size;
  const plane = S * S;
  const out = new Float32Array(n * plane * 3);
  const px = batch.size * batch.size * 3;
  const bgr = spec.colorOrder === 'BGR';
  const mul = [0, 1, 2].map((c) => spec.scale / (spec.std[c] ?? 1));
  const add = [0, 1, 2].map((c) => -(spec.mean[c] ?? 0) / (spec.std[c] ?? 1));
  for (let i = 0; i < n; i++) {
    const img = batch.data.subarray((start + i) * px, (start + i + 1) * px);
    // Crops already at the input size (the usual case) are read directly: no float copy to allocate.
    const f = batch.size === S ? img : resizeBilinear(img, batch.size, S);
    const base = i * plane * 3;
    for (let c = 0; c < 3; c++) {
      const srcC = bgr ? 2 - c : c;
      const m = mul[c]!;
      const a = add[c]!;
      if (spec.layout === 'NCHW') {
        const o = base + c * plane;
        for (let p = 0; p < plane; p++) out[o + p] = f[p * 3 + srcC]! * m + a;
      } else {
        for (let p = 0; p < plane; p++) out[base + p * 3 + c] = f[p * 3 + srcC]! * m + a;
      }
    }
  }
  return out;
}

/** Validates a FaceBatch's geometry; throws InvalidArgumentError naming `field`. */
export function checkFaceBatch(batch: FaceBatch, field = 'batch'): void {
  if (!Number.isInteger(batch.count) || batch.count < 0) throw new InvalidArgumentError({ field: `${field}.count`, description: 'must be a non-negative integer' });
  if (!Number.isInteger(batch.size) || batch.size < 1) throw new InvalidArgumentError({ field: `${field}.size`, description: 'must be a positive integer' });
  const want = batch.count * batch.size * batch.size * 3;
  if (batch.data.length !== want) {
    throw new InvalidArgumentError({ field: `${field}.data`, description: `expected ${want} bytes (${batch.count} x ${batch.size}x${batch.size}x3 RGB), got ${batch.data.length}` });
  }
}

/** A ready recognizer's ModelInfo (the entry's name, input size and description, else `description`). */
export function recognizerInfo(
  entry: ModelConfigEntry,
  runtime: { backend: string; provider: string; dim: number; inputs: TensorSpecInfo[]; outputs: TensorSpecInfo[] },
  description?: string,
): ModelInfo {
  const text = entry.description ?? description;
  return {
    name: entry.name,
    kind: 'recognizer',
    ...runtime,
    imageSize: entry.input.size,
    state: 'ready',
    ...(text !== undefined ? { description: text } : {}),
  };
}
