// The face verification protocol of insightface's `verification.py` (evaluate / calculate_roc /
// calculate_val), restated: L2-normalised embeddings (with flip: image + mirror embeddings summed,
// then normalised), squared L2 distance between rows 2p and 2p+1, thresholds 0..4 step 0.01,
// contiguous folds (sklearn KFold without shuffle), the threshold picked by accuracy on the other
// folds (first maximum, as np.argmax) and applied to the held-out fold. Pure; float64 throughout.
// Plus a pooled ROC over all pairs: TAR at fixed FAR, EER and AUC.

import { InvalidArgumentError } from '../../shared/errors.js';
import { kfoldTestRanges, permuted, stratifiedOrder } from './folds.js';
import { normalizedRows64 } from '../../util/vec.js';

export { kfoldTestRanges, stratifiedOrder } from './folds.js';

export const DEFAULT_FOLDS = 10;
/** FARs reported by default (those below 1 / impostor pairs are left out). */
export const DEFAULT_FARS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1] as const;

type Floats = Float32Array | Float64Array | readonly number[];

/** Flip test-time augmentation as insightface does it: embedding(image) + embedding(mirror), then L2-normalised. */
export function fuseFlip(plain: Floats, flipped: Floats, rows: number, dim: number): Float64Array {
  const sum = new Float64Array(rows * dim);
  for (let i = 0; i < rows * dim; i++) sum[i] = plain[i]! + flipped[i]!;
  return normalizedRows64(sum, rows, dim);
}

/** Squared L2 distance between rows 2p and 2p+1 of already-normalised embeddings. */
export function pairSquaredDistances(normalized: Floats, pairs: number, dim: number): Float64Array {
  const out = new Float64Array(pairs);
  for (let p = 0; p < pairs; p++) {
    const a = 2 * p * dim;
    const b = a + dim;
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const d = normalized[a + j]! - normalized[b + j]!;
      s += d * d;
    }
    out[p] = s;
  }
  return out;
}

/** np.arange(0, max, step): element i is start + i * step. */
export function thresholdGrid(step: number, max = 4): Float64Array {
  const n = Math.ceil(max / step);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = i * step;
  return out;
}


/** Index of the first element >= t in an ascending array = how many are < t. */
function countBelow(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface Split {
  genuine: Float64Array;
  impostor: Float64Array;
}

function splitSorted(dist: Float64Array, issame: ArrayLike<boolean>, include: (i: number) => boolean): Split {
  const g: number[] = [];
  const m: number[] = [];
  for (let i = 0; i < dist.length; i++) {
    if (!include(i)) continue;
    (issame[i] ? g : m).push(dist[i]!);
  }
  return { genuine: Float64Array.from(g).sort(), impostor: Float64Array.from(m).sort() };
}

/** Train/test splits as insightface's LFold: one fold means train = test = everything. */
function foldSplits(dist: Float64Array, issame: ArrayLike<boolean>, folds: number): Array<{ train: Split; test: Split; testSize: number }> {
  const n = dist.length;
  const ranges = folds === 1 ? [[0, n] as [number, number]] : kfoldTestRanges(n, folds);
  return ranges.map(([s, e]) => ({
    train: splitSorted(dist, issame, folds === 1 ? () => true : (i) => i < s || i >= e),
    test: splitSorted(dist, issame, (i) => i >= s && i < e),
    testSize: e - s,
  }));
}

function confusion(split: Split, t: number): { tp: number; fp: number; tn: number; fn: number } {
  const tp = countBelow(split.genuine, t);
  const fp = countBelow(split.impostor, t);
  return { tp, fp, tn: split.impostor.length - fp, fn: split.genuine.length - tp };
}

export interface RocFolds {
  /** Mean over folds of the test-fold TPR / FPR at each threshold. */
  tpr: Float64Array;
  fpr: Float64Array;
  /** Held-out accuracy per fold. */
  accuracy: number[];
  /** Threshold chosen on the training folds, per fold. */
  bestThresholds: number[];
}

/** insightface calculate_roc (pca = 0) on precomputed squared distances. */
export function calculateRoc(thresholds: Float64Array, dist: Float64Array, issame: ArrayLike<boolean>, folds = DEFAULT_FOLDS): RocFolds {
  const T = thresholds.length;
  const tpr = new Float64Array(T);
  const fpr = new Float64Array(T);
  const accuracy: number[] = [];
  const bestThresholds: number[] = [];
  const splits = foldSplits(dist, issame, folds);
  for (const { train, test } of splits) {
    const nTrain = train.genuine.length + train.impostor.length;
    let best = 0;
    let bestAcc = -1;
    for (let t = 0; t < T; t++) {
      const c = confusion(train, thresholds[t]!);
      const acc = (c.tp + c.tn) / nTrain;
      if (acc > bestAcc) {
        bestAcc = acc;
        best = t;
      }
    }
    const nTest = test.genuine.length + test.impostor.length;
    for (let t = 0; t < T; t++) {
      const c = confusion(test, thresholds[t]!);
      tpr[t] = tpr[t]! + (c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn));
      fpr[t] = fpr[t]! + (c.fp + c.tn === 0 ? 0 : c.fp / (c.fp + c.tn));
    }
    const c = confusion(test, thresholds[best]!);
    accuracy.push((c.tp + c.tn) / nTest);
    bestThresholds.push(thresholds[best]!);
  }
  for (let t = 0; t < T; t++) {
    tpr[t] = tpr[t]! / splits.length;
    fpr[t] = fpr[t]! / splits.length;
  }
  return { tpr, fpr, accuracy, bestThresholds };
}

export interface ValResult {
  valMean: number;
  valStd: number;
  farMean: number;
}

/**
 * insightface calculate_val: per fold, the threshold where the training FAR reaches `farTarget`
 * (linear interpolation along the FAR(threshold) curve at its first crossing; 0 when never
 * reached), then VAL (= TAR) and FAR on the held-out fold.
 */
export function calculateVal(thresholds: Float64Array, dist: Float64Array, issame: ArrayLike<boolean>, farTarget: number, folds = DEFAULT_FOLDS): ValResult {
  const vals: number[] = [];
  const fars: number[] = [];
  for (const { train, test } of foldSplits(dist, issame, folds)) {
    const farAt = (t: number): number => (train.impostor.length === 0 ? 0 : countBelow(train.impostor, t) / train.impostor.length);
    let threshold = 0;
    let prevFar = -Infinity;
    for (let i = 0; i < thresholds.length; i++) {
      const f = farAt(thresholds[i]!);
      if (f >= farTarget) {
        if (i === 0 || f === farTarget || prevFar === f) threshold = thresholds[i]!;
        else {
          const s = (farTarget - prevFar) / (f - prevFar);
          threshold = thresholds[i - 1]! + s * (thresholds[i]! - thresholds[i - 1]!);
        }
        break;
      }
      prevFar = f;
    }
    const c = confusion(test, threshold);
    vals.push(test.genuine.length === 0 ? 0 : c.tp / test.genuine.length);
    fars.push(test.impostor.length === 0 ? 0 : c.fp / test.impostor.length);
  }
  return { valMean: mean(vals), valStd: std(vals), farMean: mean(fars) };
}

export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Population standard deviation (np.std). */
export function std(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return Math.sqrt(s / xs.length);
}

export interface RocPoint {
  far: number;
  tar: number;
  /** Accept when distance <= threshold. */
  threshold: number;
}

/** Pooled ROC over all pairs, from (0, 0) to (1, 1), one point per distinct distance. */
export function rocCurve(dist: Float64Array, issame: ArrayLike<boolean>): RocPoint[] {
  const order = Array.from(dist.keys()).sort((a, b) => dist[a]! - dist[b]!);
  let nG = 0;
  for (let i = 0; i < dist.length; i++) if (issame[i]) nG++;
  const nI = dist.length - nG;
  const pts: RocPoint[] = [{ far: 0, tar: 0, threshold: -Infinity }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; ) {
    const d = dist[order[i]!]!;
    while (i < order.length && dist[order[i]!] === d) {
      if (issame[order[i]!]) tp++;
      else fp++;
      i++;
    }
    pts.push({ far: nI ? fp / nI : 0, tar: nG ? tp / nG : 0, threshold: d });
  }
  return pts;
}

/** Equal error rate: where FAR = FRR (linear interpolation between ROC points). */
export function equalErrorRate(roc: readonly RocPoint[]): number {
  for (let i = 1; i < roc.length; i++) {
    const p = roc[i]!;
    const d1 = p.far - (1 - p.tar);
    if (d1 >= 0) {
      const q = roc[i - 1]!;
      const d0 = q.far - (1 - q.tar);
      const s = d1 === d0 ? 0 : -d0 / (d1 - d0);
      return q.far + s * (p.far - q.far);
    }
  }
  return NaN;
}

/** AUC = P(genuine distance < impostor distance) + P(equal) / 2 (Mann-Whitney). */
export function areaUnderCurve(dist: Float64Array, issame: ArrayLike<boolean>): number {
  const { genuine, impostor } = splitSorted(dist, issame, () => true);
  if (genuine.length === 0 || impostor.length === 0) return NaN;
  let s = 0;
  for (const g of genuine) {
    const below = countBelow(impostor, g);
    let eq = below;
    while (eq < impostor.length && impostor[eq] === g) eq++;
    s += impostor.length - eq + (eq - below) / 2;
  }
  return s / (genuine.length * impostor.length);
}

/** TAR at each FAR (pooled): the threshold is the k-th smallest impostor distance, k = floor(FAR x impostors). */
export function tarAtFar(dist: Float64Array, issame: ArrayLike<boolean>, fars: readonly number[] = DEFAULT_FARS): RocPoint[] {
  const { genuine, impostor } = splitSorted(dist, issame, () => true);
  const out: RocPoint[] = [];
  for (const far of fars) {
    if (impostor.length === 0 || genuine.length === 0 || far * impostor.length < 1) continue;
    const k = Math.floor(far * impostor.length);
    const threshold = k < impostor.length ? impostor[k]! : Infinity;
    out.push({ far, tar: countBelow(genuine, threshold) / genuine.length, threshold });
  }
  return out;
}

/** "1e-3" style keys for the JSON result. */
export function farKey(far: number): string {
  return far.toExponential().replace(/\.0+e/, 'e').replace('e+', 'e').replace(/^(\d)e/, '$1e');
}

export interface VerificationMetrics {
  pairs: number;
  folds: number;
  accuracy_mean: number;
  accuracy_std: number;
  /** Mean over folds of the chosen squared-L2 threshold. */
  best_threshold: number;
  eer: number;
  auc: number;
  /** Pooled TAR keyed by FAR ("1e-3"). */
  tar_at_far: Record<string, number>;
  fold_accuracies: number[];
  fold_thresholds: number[];
  /** insightface's VAL@FAR=1e-3 over folds (thresholds 0..4 step 0.001). */
  val: number;
  val_std: number;
  far: number;
  /** TAR/FAR/threshold triples behind tar_at_far. */
  tar_at_far_points: RocPoint[];
}

export interface ProtocolOptions {
  /** @default 10 */
  folds?: number;
  fars?: readonly number[];
}

/** The whole protocol on squared distances of normalised pairs. */
export function verificationMetrics(dist: Float64Array, issame: ArrayLike<boolean>, options: ProtocolOptions = {}): VerificationMetrics {
  const folds = options.folds ?? DEFAULT_FOLDS;
  if (dist.length !== issame.length) throw new InvalidArgumentError({ field: 'issame', description: `${issame.length} labels for ${dist.length} pairs` });
  if (dist.length === 0) throw new InvalidArgumentError({ field: 'issame', description: 'no pairs' });
  const roc = calculateRoc(thresholdGrid(0.01), dist, issame, folds);
  const val = calculateVal(thresholdGrid(0.001), dist, issame, 1e-3, folds);
  const points = tarAtFar(dist, issame, options.fars ?? DEFAULT_FARS);
  const tar: Record<string, number> = {};
  for (const p of points) tar[farKey(p.far)] = p.tar;
  return {
    pairs: dist.length,
    folds,
    accuracy_mean: mean(roc.accuracy),
    accuracy_std: std(roc.accuracy),
    best_threshold: mean(roc.bestThresholds),
    eer: equalErrorRate(rocCurve(dist, issame)),
    auc: areaUnderCurve(dist, issame),
    tar_at_far: tar,
    fold_accuracies: roc.accuracy,
    fold_thresholds: roc.bestThresholds,
    val: val.valMean,
    val_std: val.valStd,
    far: val.farMean,
    tar_at_far_points: points,
  };
}

/**
 * insightface `evaluate` on raw embeddings [2P, dim] (rows 2p and 2p+1 = pair p): normalises, or
 * with `flipped` fuses image + mirror embeddings first.
 */
export function evaluatePairs(
  embeddings: Floats,
  dim: number,
  issame: ArrayLike<boolean>,
  options: ProtocolOptions & { flipped?: Floats } = {},
): VerificationMetrics & { distances: Float64Array; stratified: boolean } {
  const rows = 2 * issame.length;
  if (embeddings.length !== rows * dim) {
    throw new InvalidArgumentError({ field: 'embeddings', description: `expected ${rows} x ${dim} values for ${issame.length} pairs, got ${embeddings.length}` });
  }
  const normalized = options.flipped ? fuseFlip(embeddings, options.flipped, rows, dim) : normalizedRows64(embeddings, rows, dim);
  const distances = pairSquaredDistances(normalized, issame.length, dim);
  // Class-sorted pairs (LFW View 1) would leave every contiguous fold with one class: stratify.
  const order = stratifiedOrder(issame, options.folds ?? DEFAULT_FOLDS);
  const metrics = order ? verificationMetrics(permuted(distances, order), permuted(Array.from(issame), order), options) : verificationMetrics(distances, issame, options);
  return { ...metrics, distances, stratified: order !== undefined };
}
