// Recognizer-guided refinement of a bank decoding: the bank's nearest entry fixes who the face is
// (its facesjs parts), then its continuous identity details (detail.ts) move towards the target.
// How details move a face in the recognizer's space is fitted once per bank by least squares over
// its entries (codes ≈ a + B·details); the step solves the ridge problem
// min ‖ẑ − z_e − Bᵀ·Δ‖² + λ‖Δ‖² for the target's direction ẑ (scaled to the entry's norm) and caps
// each detail's move. Two targets that pick the same entry (a 16,000-entry bank gives 1,000
// identities about n²/2M ≈ 31 such pairs) therefore still get different faces, and every face comes
// a little closer to its target. Pure float64 arithmetic in a fixed order: deterministic.
import { bankParams, bankScores, type IdentityBank } from './bank.js';
import { DETAIL_COUNT } from './detail.js';
import type { FaceParams } from './params.js';

/**
 * Ridge weight and the largest move of one detail (in its [0, 1] units). Cap 0.3 (as first fixed):
 * with accessories as habits it gains 0.6 / 0.5 points of rank-1 over 0.15 on the tuning seeds
 * (pack 101 / generation 202) and the demo-sized consistency no longer drops with it (docs/generation.md).
 */
export const REFINE = { lambda: 0.05, cap: 0.3 } as const;

interface DetailModel {
  /** [DETAIL_COUNT, rank]: how each detail moves the entry's code. */
  b: Float64Array;
  /** (B·Bᵀ + λI)⁻¹, [DETAIL_COUNT, DETAIL_COUNT]. */
  inverse: Float64Array;
}

const models = new WeakMap<IdentityBank, DetailModel>();

/** Solves A·X = Y in place (Gauss–Jordan; A [n, n] symmetric positive definite, Y [n, m]). */
function solve(a: Float64Array, y: Float64Array, n: number, m: number): Float64Array {
  const A = Float64Array.from(a);
  const Y = Float64Array.from(y);
  for (let i = 0; i < n; i++) {
    const p = A[i * n + i] ?? 1;
    for (let j = 0; j < n; j++) A[i * n + j] = (A[i * n + j] ?? 0) / p;
    for (let j = 0; j < m; j++) Y[i * m + j] = (Y[i * m + j] ?? 0) / p;
    for (let k = 0; k < n; k++) {
      if (k === i) continue;
      const f = A[k * n + i] ?? 0;
      for (let j = 0; j < n; j++) A[k * n + j] = (A[k * n + j] ?? 0) - f * (A[i * n + j] ?? 0);
      for (let j = 0; j < m; j++) Y[k * m + j] = (Y[k * m + j] ?? 0) - f * (Y[i * m + j] ?? 0);
    }
  }
  return Y;
}

function detailModel(bank: IdentityBank, detail: Uint8Array): DetailModel {
  let model = models.get(bank);
  if (model) return model;
  const D = DETAIL_COUNT;
  const { rank: R, count: M, codes, scales } = bank;
  const mean = new Float64Array(D);
  for (let e = 0; e < M; e++) for (let k = 0; k < D; k++) mean[k] = (mean[k] ?? 0) + (detail[e * D + k] ?? 0) / 255 / M;
  const xtx = new Float64Array(D * D);
  const xtz = new Float64Array(D * R);
  const x = new Float64Array(D);
  for (let e = 0; e < M; e++) {
    for (let k = 0; k < D; k++) x[k] = (detail[e * D + k] ?? 0) / 255 - (mean[k] ?? 0);
    const s = scales[e] ?? 0;
    for (let a = 0; a < D; a++) {
      const xa = x[a] ?? 0;
      for (let c = 0; c < D; c++) xtx[a * D + c] = (xtx[a * D + c] ?? 0) + xa * (x[c] ?? 0);
      for (let r = 0; r < R; r++) xtz[a * R + r] = (xtz[a * R + r] ?? 0) + xa * (codes[e * R + r] ?? 0) * s;
    }
  }
  for (let k = 0; k < D; k++) xtx[k * D + k] = (xtx[k * D + k] ?? 0) + 1e-9;
  const b = solve(xtx, xtz, D, R);
  const bbt = new Float64Array(D * D);
  for (let a = 0; a < D; a++) {
    for (let c = 0; c < D; c++) {
      let s = 0;
      for (let r = 0; r < R; r++) s += (b[a * R + r] ?? 0) * (b[c * R + r] ?? 0);
      bbt[a * D + c] = s + (a === c ? REFINE.lambda : 0);
    }
  }
  const identity = new Float64Array(D * D);
  for (let k = 0; k < D; k++) identity[k * D + k] = 1;
  model = { b, inverse: solve(bbt, identity, D, D) };
  models.set(bank, model);
  return model;
}

/** The bank's decoding of embedding `x`: its nearest entry, details refined towards `x`. */
export function decodeWithBank(bank: IdentityBank, x: Float32Array): FaceParams {
  const s = bankScores(bank, x);
  let entry = 0;
  for (let e = 1; e < s.length; e++) if ((s[e] ?? -Infinity) > (s[entry] ?? -Infinity)) entry = e;
  const params = bankParams(bank, entry);
  if (!bank.detail || !params.detail) return params;
  const { b, inverse } = detailModel(bank, bank.detail);
  const { dim, rank: R, basis, codes, scales } = bank;
  const D = DETAIL_COUNT;
  // target and entry in the bank's coordinates; the target's direction at the entry's length
  const z = new Float64Array(R);
  for (let i = 0; i < dim; i++) {
    const v = x[i] ?? 0;
    if (v === 0) continue;
    for (let r = 0; r < R; r++) z[r] = (z[r] ?? 0) + v * (basis[i * R + r] ?? 0);
  }
  let zn = 0;
  let en = 0;
  for (let r = 0; r < R; r++) {
    zn += (z[r] ?? 0) ** 2;
    en += ((codes[entry * R + r] ?? 0) * (scales[entry] ?? 0)) ** 2;
  }
  if (zn === 0) return params;
  const k = Math.sqrt(en / zn);
  const rhs = new Float64Array(D);
  for (let r = 0; r < R; r++) {
    const res = (z[r] ?? 0) * k - (codes[entry * R + r] ?? 0) * (scales[entry] ?? 0);
    for (let a = 0; a < D; a++) rhs[a] = (rhs[a] ?? 0) + (b[a * R + r] ?? 0) * res;
  }
  const detail = Float32Array.from(params.detail);
  for (let a = 0; a < D; a++) {
    let step = 0;
    for (let c = 0; c < D; c++) step += (inverse[a * D + c] ?? 0) * (rhs[c] ?? 0);
    detail[a] = Math.max(0, Math.min(1, (detail[a] ?? 0.5) + Math.max(-REFINE.cap, Math.min(REFINE.cap, step))));
  }
  return { ...params, detail };
}
