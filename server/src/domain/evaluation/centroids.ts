// Centroid geometry of a dataset's identities (datasetQuality, quality.ts): each identity's nearest
// other centroids, leave-one-out cosines and the nearest-centroid rank-1 separability.
import { Rng } from '../../util/rng.js';
import { dot } from '../../util/vec.js';

/** Identities searched for a sample's nearest impostor: those whose centroids are nearest its own. */
export const IMPOSTOR_CANDIDATES = 16;

/** For each centroid, the `k` nearest other centroids (by cosine, nearest first) and the nearest one. */
export function nearestCentroids(cents: Float64Array, C: number, dim: number, k: number): { candidates: number[][]; nearestId: Int32Array } {
  const top: Array<Array<{ d: number; s: number }>> = Array.from({ length: C }, () => []);
  const push = (c: number, d: number, sim: number): void => {
    const t = top[c]!;
    if (t.length === k && sim <= t[k - 1]!.s) return;
    let i = t.length;
    while (i > 0 && t[i - 1]!.s < sim) i--;
    t.splice(i, 0, { d, s: sim });
    if (t.length > k) t.pop();
  };
  for (let c = 0; c < C; c++) {
    for (let d = c + 1; d < C; d++) {
      const sim = dot(cents, c * dim, cents, d * dim, dim);
      push(c, d, sim);
      push(d, c, sim);
    }
  }
  return { candidates: top.map((t) => t.map((x) => x.d)), nearestId: Int32Array.from(top, (t) => t[0]?.d ?? -1) };
}

/**
 * Leave-one-out nearest-centroid rank-1 over all identities (the separability measure of issue 18):
 * sample r of identity c is right when its own centroid without it is nearer (cosine) than every
 * other identity's centroid. Above `budget` comparisons a seeded subsample of samples is scored.
 */
export function nearestCentroidRank1(emb: Float64Array, dim: number, groups: number[][], sums: Float64Array, cents: Float64Array, budget: number, seed: number | bigint): { rank1: number; samples: number } {
  const C = groups.length;
  let rows: { r: number; c: number }[] = [];
  groups.forEach((g, c) => {
    if (g.length >= 2) for (const r of g) rows.push({ r, c });
  });
  const keep = Math.max(1, Math.floor(budget / Math.max(1, C)));
  if (rows.length > keep) {
    const rng = new Rng(seed);
    for (let i = rows.length - 1; i > 0; i--) {
      const k = rng.int(i + 1);
      [rows[i], rows[k]] = [rows[k]!, rows[i]!];
    }
    rows = rows.slice(0, keep).sort((a, b) => a.r - b.r);
  }
  let right = 0;
  for (const { r, c } of rows) {
    const own = leaveOneOutCos(emb, r, sums, c, dim, -Infinity);
    let beaten = false;
    for (let o = 0; o < C && !beaten; o++) if (o !== c && dot(emb, r * dim, cents, o * dim, dim) >= own) beaten = true;
    if (!beaten) right++;
  }
  return { rank1: rows.length > 0 ? right / rows.length : NaN, samples: rows.length };
}

/**
 * Cosine of unit row `r` to its class centroid without itself (class sum `c` minus the row), in
 * float64; `empty` when the rest of the class sums to zero (a class of one).
 */
export function leaveOneOutCos(emb: Float64Array, r: number, sums: Float64Array, c: number, dim: number, empty: number): number {
  let num = 0;
  let nn = 0;
  for (let j = 0; j < dim; j++) {
    const loo = sums[c * dim + j]! - emb[r * dim + j]!;
    num += emb[r * dim + j]! * loo;
    nn += loo * loo;
  }
  return nn > 0 ? num / Math.sqrt(nn) : empty;
}
