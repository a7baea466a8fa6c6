// Quality of a generated face dataset, from per-sample embeddings (pure): identity consistency
// (cosine to the identity's reference embedding), leave-one-out centroid consistency, separation
// (nearest other identity's centroid), genuine/impostor verification EER on seeded random pairs,
// outlier identities, and their distributions.

import { equalErrorRate, mean, rocCurve, type RocPoint } from './protocol.js';
import { Rng } from '../../util/rng.js';
import { IMPOSTOR_CANDIDATES, leaveOneOutCos, nearestCentroidRank1, nearestCentroids } from './centroids.js';
import { dot, normalizedRows64 } from '../../util/vec.js';
import { normalizeRows } from '../../util/vec.js';

export interface Histogram {
  min: number;
  max: number;
  counts: number[];
}

export function histogram(values: ArrayLike<number>, min = -1, max = 1, bins = 50): Histogram {
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(((v - min) / (max - min)) * bins)));
    counts[b] = counts[b]! + 1;
  }
  return { min, max, counts };
}

export interface EmbeddedSamples {
  /** Identity of each row. */
  identity: ArrayLike<number>;
  /** [rows, dim] embeddings (any scale; normalised here). */
  embeddings: Float32Array | Float64Array;
  dim: number;
  /** Reference embedding of an identity in the same space (e.g. the packed identity vector). */
  reference?: (identity: number) => ArrayLike<number> | undefined;
  /** Per-row cosine recorded at generation time (manifest); 0 / NaN = unknown. */
  recordedCosine?: ArrayLike<number>;
}

export interface PairSample {
  /** Row indices. */
  a: Int32Array;
  b: Int32Array;
  genuine: Uint8Array;
}

/** Seeded genuine (two samples of one identity) and impostor (two identities) pairs. */
export function drawPairs(identity: ArrayLike<number>, pairs: number, seed: number | bigint): PairSample {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < identity.length; i++) {
    const id = identity[i]!;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = []));
    g.push(i);
  }
  const all = [...groups.values()];
  const multi = all.filter((g) => g.length >= 2);
  const rng = new Rng(seed);
  const a: number[] = [];
  const b: number[] = [];
  const genuine: number[] = [];
  if (multi.length > 0) {
    for (let p = 0; p < pairs; p++) {
      const g = multi[rng.int(multi.length)]!;
      const i = rng.int(g.length);
      let j = rng.int(g.length - 1);
      if (j >= i) j++;
      a.push(g[i]!);
      b.push(g[j]!);
      genuine.push(1);
    }
  }
  if (all.length >= 2) {
    for (let p = 0; p < pairs; p++) {
      const x = rng.int(all.length);
      let y = rng.int(all.length - 1);
      if (y >= x) y++;
      const gx = all[x]!;
      const gy = all[y]!;
      a.push(gx[rng.int(gx.length)]!);
      b.push(gy[rng.int(gy.length)]!);
      genuine.push(0);
    }
  }
  return { a: Int32Array.from(a), b: Int32Array.from(b), genuine: Uint8Array.from(genuine) };
}

export interface IdentityQuality {
  identity: number;
  samples: number;
  /** Mean cosine of its samples to the reference (or the fallback, see reference_source). */
  consistency: number;
  /** Mean leave-one-out centroid cosine (NaN with a single sample). */
  centroid_consistency: number;
  /**
   * Mean over its samples of the cosine to the nearest other identity's target (reference or
   * centroid, as for consistency): the same sample-level scale as `consistency`.
   */
  nearest_impostor: number;
  /** The identity whose centroid is nearest. */
  nearest_identity: number;
}

export interface QualityStats {
  identities: number;
  samples: number;
  /** Where identity consistency came from: reference embeddings, manifest cosines, or (fallback) centroids. */
  reference_source: 'reference' | 'manifest' | 'centroid';
  identity_consistency_mean: number;
  centroid_consistency_mean: number;
  nearest_impostor_mean: number;
  verification_eer: number;
  /**
   * Leave-one-out nearest-centroid rank-1: the share of samples (of identities with ≥ 2) whose
   * nearest centroid, over all identities, is their own identity's centroid without them.
   */
  rank1: number;
  /** Samples rank1 was measured on (all, or a seeded subsample on very large datasets). */
  rank1_samples: number;
  genuine_mean: number;
  impostor_mean: number;
  outlier_identities: number[];
  per_identity: IdentityQuality[];
  histograms: {
    consistency: Histogram;
    centroid: Histogram;
    nearest_impostor: Histogram;
    genuine: Histogram;
    impostor: Histogram;
  };
  /** Pooled ROC of the drawn pairs (downsampled). */
  roc: RocPoint[];
}

export interface QualityOptions {
  /** Pairs drawn of each kind for the EER. @default 3000 */
  pairs?: number;
  /** @default 0 */
  seed?: number | bigint;
  /** Robust z-score below which an identity is an outlier. @default -3.5 */
  outlierZ?: number;
  /** Pairs to use instead of drawing (so two recognizers are compared on the same pairs). */
  pairSample?: PairSample;
  /** Most (sample × identity) comparisons rank-1 makes before it subsamples the samples. @default 4e7 */
  rank1Budget?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/**
 * Identities whose value is far below the rest: robust z = 0.6745 (x - median) / MAD < z, and at
 * least `minDrop` below the median (so a tight dataset has no "outliers" at 0.9998 vs 0.9999).
 */
export function robustLowOutliers(values: Array<{ id: number; value: number }>, z = -3.5, minDrop = 0.05): number[] {
  const finite = values.filter((v) => Number.isFinite(v.value));
  const med = median(finite.map((v) => v.value));
  const mad = median(finite.map((v) => Math.abs(v.value - med)));
  return finite
    .filter((v) => med - v.value >= minDrop && (mad > 0 ? (0.6745 * (v.value - med)) / mad < z : true))
    .map((v) => v.id);
}

function downsample(points: RocPoint[], max = 400): RocPoint[] {
  if (points.length <= max) return points;
  const out: RocPoint[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]!);
  return out;
}

export function datasetQuality(input: EmbeddedSamples, options: QualityOptions = {}): QualityStats {
  const { dim } = input;
  const rows = input.identity.length;
  const emb = normalizedRows64(input.embeddings, rows, dim);
  // Group rows by identity (ascending identity).
  const groups = new Map<number, number[]>();
  for (let i = 0; i < rows; i++) {
    const id = input.identity[i]!;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = []));
    g.push(i);
  }
  const ids = [...groups.keys()].sort((a, b) => a - b);
  const C = ids.length;
  // Centroid sums and normalised centroids.
  const sums = new Float64Array(C * dim);
  const cents = new Float64Array(C * dim);
  ids.forEach((id, c) => {
    for (const r of groups.get(id)!) for (let j = 0; j < dim; j++) sums[c * dim + j] = sums[c * dim + j]! + emb[r * dim + j]!;
  });
  cents.set(sums);
  normalizeRows(cents, C, dim);
  // Per-sample consistency.
  const looCos = new Float64Array(rows).fill(NaN);
  const refCos = new Float64Array(rows).fill(NaN);
  let source: QualityStats['reference_source'] = 'centroid';
  const refs = input.reference ? ids.map((id) => input.reference!(id)) : [];
  if (refs.some((r) => r !== undefined && r.length === dim)) source = 'reference';
  else if (input.recordedCosine && Array.from(input.recordedCosine).some((v) => v !== 0 && Number.isFinite(v))) source = 'manifest';
  ids.forEach((id, c) => {
    const g = groups.get(id)!;
    let ref: Float64Array | undefined;
    const r0 = refs[c];
    if (source === 'reference' && r0 && r0.length === dim) ref = normalizedRows64(Float64Array.from(r0), 1, dim);
    for (const r of g) {
      if (g.length >= 2) looCos[r] = leaveOneOutCos(emb, r, sums, c, dim, NaN);
      if (ref) refCos[r] = dot(emb, r * dim, ref, 0, dim);
      else if (source === 'manifest') {
        const v = input.recordedCosine![r]!;
        refCos[r] = v !== 0 && Number.isFinite(v) ? v : NaN;
      }
    }
  });
  if (source === 'centroid') refCos.set(looCos);
  // Separation on the same scale as consistency: per sample, the cosine to the nearest *other*
  // identity's target (its reference when consistency uses references, else its centroid).
  const targets = new Float64Array(C * dim);
  ids.forEach((_, c) => {
    const r0 = refs[c];
    if (source === 'reference' && r0 && r0.length === dim) targets.set(normalizedRows64(Float64Array.from(r0), 1, dim), c * dim);
    else targets.set(cents.subarray(c * dim, (c + 1) * dim), c * dim);
  });
  const { candidates, nearestId } = nearestCentroids(cents, C, dim, IMPOSTOR_CANDIDATES);
  const sampleImpostor = new Float64Array(rows).fill(NaN);
  ids.forEach((id, c) => {
    for (const r of groups.get(id)!) {
      let best = NaN;
      for (const d of candidates[c]!) {
        const v = dot(emb, r * dim, targets, d * dim, dim);
        if (!(v <= best)) best = v;
      }
      sampleImpostor[r] = best;
    }
  });
  const finiteMean = (xs: ArrayLike<number>): number => mean(Array.from(xs).filter(Number.isFinite));
  const per: IdentityQuality[] = ids.map((id, c) => {
    const g = groups.get(id)!;
    return {
      identity: id,
      samples: g.length,
      consistency: finiteMean(g.map((r) => refCos[r]!)),
      centroid_consistency: finiteMean(g.map((r) => looCos[r]!)),
      nearest_impostor: finiteMean(g.map((r) => sampleImpostor[r]!)),
      nearest_identity: nearestId[c]! >= 0 ? ids[nearestId[c]!]! : -1,
    };
  });
  const r1 = nearestCentroidRank1(emb, dim, ids.map((id) => groups.get(id)!), sums, cents, options.rank1Budget ?? 4e7, options.seed ?? 0);
  // Verification on seeded pairs.
  const pairs = options.pairSample ?? drawPairs(input.identity, options.pairs ?? 3000, options.seed ?? 0);
  const sims = new Float64Array(pairs.a.length);
  for (let p = 0; p < sims.length; p++) sims[p] = dot(emb, pairs.a[p]! * dim, emb, pairs.b[p]! * dim, dim);
  const gen: number[] = [];
  const imp: number[] = [];
  sims.forEach((s, p) => (pairs.genuine[p] ? gen : imp).push(s));
  let eer = NaN;
  let roc: RocPoint[] = [];
  if (gen.length > 0 && imp.length > 0) {
    const dist = sims.map((s) => 2 - 2 * s);
    const curve = rocCurve(dist, Array.from(pairs.genuine, (g) => g === 1));
    eer = equalErrorRate(curve);
    roc = downsample(curve);
  }
  return {
    identities: C,
    samples: rows,
    reference_source: source,
    identity_consistency_mean: finiteMean(refCos),
    centroid_consistency_mean: finiteMean(looCos),
    nearest_impostor_mean: finiteMean(sampleImpostor),
    verification_eer: eer,
    rank1: r1.rank1,
    rank1_samples: r1.samples,
    genuine_mean: mean(gen),
    impostor_mean: mean(imp),
    outlier_identities: robustLowOutliers(
      per.map((p) => ({ id: p.identity, value: p.consistency })),
      options.outlierZ ?? -3.5,
    ),
    per_identity: per,
    histograms: {
      consistency: histogram(refCos),
      centroid: histogram(looCos),
      nearest_impostor: histogram(sampleImpostor),
      genuine: histogram(gen),
      impostor: histogram(imp),
    },
    roc,
  };
}
