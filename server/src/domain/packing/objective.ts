// The HyperFace objective and its gradient, as pure O(N·D) functions of the nearest-neighbour
// indices (the O(N²·D) search runs in runtime/compute):
//   loss(X) = (1/N) Σ_i max_{j≠i} cos(x_i, x_j)  +  α · (1/N) Σ_i (1 − max_g cos(x_i, g))
// The points are normalised inside the objective (x̂ = x/|x|, as F.normalize does), so the gradient
// with respect to x is tangent to the sphere at x̂.
import { dot, normalizeRows as normalizeRowsOf } from '../../util/vec.js';
import type { FixedMetrics } from './fixed.js';

export { dot };

export interface PackMetricsInfo {
  /** Smallest angle between two packed identities (with fixed rows: among the packed ones only). */
  minAngleDeg: number;
  meanNnAngleDeg: number;
  maxCosine: number;
  meanGalleryDistance: number;
  loss: number;
  packingLoss: number;
  galleryLoss: number;
  /** With fixed rows (exclusion set, existing identities): the angles to them (packing/fixed.ts). */
  fixed?: FixedMetrics;
}

const DEG = 180 / Math.PI;
export const clampCos = (c: number): number => (c > 1 ? 1 : c < -1 ? -1 : c);
export const angleDeg = (cos: number): number => Math.acos(clampCos(cos)) * DEG;

/** Normalises every row in place; zero rows become e_0 (every point must lie on the sphere). */
export function normalizeRows(x: Float32Array, n: number, d: number): void {
  normalizeRowsOf(x, n, d, 'e0');
}

/** Removes from each row of g its component along the (unit) row of x: g_i ← g_i − (g_i·x_i) x_i. */
export function projectTangent(g: Float32Array, x: Float32Array, n: number, d: number, rows?: Int32Array): void {
  const count = rows ? rows.length : n;
  for (let r = 0; r < count; r++) {
    const o = (rows ? rows[r]! : r) * d;
    const p = dot(g, o, x, o, d);
    for (let c = 0; c < d; c++) g[o + c]! -= p * x[o + c]!;
  }
}

/** Metrics from per-row nearest cosines (and, with a gallery, per-row nearest gallery cosines). */
export function metricsFrom(nnCos: ArrayLike<number>, galleryCos: ArrayLike<number> | null, alpha: number): PackMetricsInfo {
  const n = nnCos.length;
  let maxCos = -Infinity;
  let sumCos = 0;
  let sumAngle = 0;
  for (let i = 0; i < n; i++) {
    const c = clampCos(nnCos[i]!);
    if (c > maxCos) maxCos = c;
    sumCos += c;
    sumAngle += Math.acos(c);
  }
  let gd = 0;
  if (galleryCos) {
    for (let i = 0; i < galleryCos.length; i++) gd += 1 - clampCos(galleryCos[i]!);
    gd /= Math.max(1, galleryCos.length);
  }
  const packingLoss = sumCos / n;
  const galleryLoss = galleryCos ? alpha * gd : 0;
  return {
    minAngleDeg: angleDeg(maxCos),
    meanNnAngleDeg: (sumAngle / n) * DEG,
    maxCosine: maxCos,
    meanGalleryDistance: gd,
    loss: packingLoss + galleryLoss,
    packingLoss,
    galleryLoss,
  };
}

export interface GradientInput {
  /** Unit rows [N, D]. */
  x: Float32Array;
  n: number;
  d: number;
  /** Rows whose terms are in the loss (all rows when omitted: paper mode; a mini-batch: stochastic). */
  rows?: Int32Array;
  /** Nearest other row of each listed row (same order as `rows`). */
  nn: Int32Array;
  /** Gallery [G, D] unit rows and each listed row's nearest gallery row; omitted without gallery. */
  gallery?: Float32Array | null;
  galleryNn?: Int32Array | null;
  alpha: number;
  /**
   * Fixed rows (packing/fixed.ts): for listed row r, `fixedSlot[r] >= 0` means its nearest neighbour is
   * the fixed vector at that slot of `fixedVectors` (a constant), which then replaces the x_nn(r) term.
   */
  fixedVectors?: Float32Array | null;
  fixedSlot?: Int32Array | null;
  /** Output [N, D]; zeroed here. With `rows`, only rows of the batch (and their neighbours) are written. */
  out: Float32Array;
}

/**
 * Gradient of loss = (1/M) Σ_{i∈rows} [cos(x_i, x_nn(i)) + α (1 − cos(x_i, g_nn(i)))] with respect to
 * the (unit) rows, projected on the tangent spaces. With `rows` (stochastic mode), rows outside the
 * batch are treated as constants (detached), so only batch rows receive gradient.
 */
export function packingGradient(inp: GradientInput): void {
  const { x, n, d, rows, nn, gallery, galleryNn, alpha, out, fixedVectors, fixedSlot } = inp;
  out.fill(0);
  const m = rows ? rows.length : n;
  const w = 1 / m;
  let inBatch: Uint8Array | null = null;
  if (rows) {
    inBatch = new Uint8Array(n);
    for (const r of rows) inBatch[r] = 1;
  }
  for (let r = 0; r < m; r++) {
    const i = rows ? rows[r]! : r;
    const j = nn[r]!;
    const oi = i * d;
    const oj = j * d;
    const fs = fixedSlot && fixedVectors ? fixedSlot[r]! : -1;
    if (fs >= 0) {
      for (let c = 0; c < d; c++) out[oi + c]! += w * fixedVectors![fs * d + c]!;
    } else {
      for (let c = 0; c < d; c++) out[oi + c]! += w * x[oj + c]!;
      if (!inBatch || inBatch[j]) for (let c = 0; c < d; c++) out[oj + c]! += w * x[oi + c]!;
    }
  }
  if (gallery && galleryNn && alpha !== 0) addGalleryRows(out, d, gallery, galleryNn, -alpha * w, rows);
  if (rows) projectTangent(out, x, n, d, rows);
  else projectTangent(out, x, n, d);
}

/**
 * out_i += coef · g_nn(i) for each listed row (all rows when `rows` is omitted). With coef = −α/M and a
 * tangent projection afterwards this is the gradient of the paper's gallery term
 * α·(1/M)·Σ_i (1 − max_g cos(x_i, g)) — paper and stochastic mode (above) and fast mode (descent
 * direction, coef = +α/N) share it, so α means the same thing in every mode.
 */
export function addGalleryRows(out: Float32Array, d: number, gallery: Float32Array, galleryNn: Int32Array, coef: number, rows?: Int32Array): void {
  const m = rows ? rows.length : galleryNn.length;
  for (let r = 0; r < m; r++) {
    const oi = (rows ? rows[r]! : r) * d;
    const og = galleryNn[r]! * d;
    for (let c = 0; c < d; c++) out[oi + c]! += coef * gallery[og + c]!;
  }
}

/** Dense reference (O(N²·D), tests only): loss of raw (unnormalised) rows. */
export function packingLossDense(raw: Float64Array | Float32Array, n: number, d: number, gallery: Float32Array | null, g: number, alpha: number): number {
  const x = Float64Array.from(raw);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += x[i * d + c]! ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let c = 0; c < d; c++) x[i * d + c]! *= inv;
  }
  let pack = 0;
  let gal = 0;
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let c = 0; c < d; c++) s += x[i * d + c]! * x[j * d + c]!;
      best = Math.max(best, s);
    }
    pack += best;
    if (gallery) {
      let bg = -Infinity;
      for (let k = 0; k < g; k++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += x[i * d + c]! * gallery[k * d + c]!;
        bg = Math.max(bg, s);
      }
      gal += 1 - bg;
    }
  }
  return pack / n + (gallery ? (alpha * gal) / n : 0);
}
