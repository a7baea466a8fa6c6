// Folds of the verification protocol: sklearn KFold's contiguous test ranges, and the stratified
// order used when a file lists its pairs sorted by class (LFW View 1: every matched pair, then every
// mismatched one), where contiguous folds would each hold a single class.
import { InvalidArgumentError } from '../../shared/errors.js';

/** sklearn KFold(n_splits=k, shuffle=False) test ranges [start, end); the first n % k folds get one extra. */
export function kfoldTestRanges(n: number, k: number): Array<[number, number]> {
  if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError({ field: 'folds', description: 'must be a positive integer' });
  if (k > n) throw new InvalidArgumentError({ field: 'folds', description: `${k} folds need at least ${k} pairs (have ${n})` });
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    out.push([start, start + size]);
    start += size;
  }
  return out;
}

/**
 * A pair order in which every contiguous fold gets its share of both classes (order kept within a
 * class, as StratifiedKFold without shuffle), or undefined when the given order already mixes them.
 */
export function stratifiedOrder(issame: ArrayLike<boolean>, folds: number): Int32Array | undefined {
  const n = issame.length;
  if (!Number.isInteger(folds) || folds < 2 || folds > n) return undefined;
  const matched: number[] = [];
  const mismatched: number[] = [];
  for (let i = 0; i < n; i++) (issame[i] ? matched : mismatched).push(i);
  if (matched.length === 0 || mismatched.length === 0) return undefined;
  const oneClass = kfoldTestRanges(n, folds).some(([s, e]) => {
    let m = 0;
    for (let i = s; i < e; i++) if (issame[i]) m++;
    return m === 0 || m === e - s;
  });
  if (!oneClass) return undefined;
  const order = new Int32Array(n);
  let o = 0;
  for (let f = 0; f < folds; f++) {
    for (const list of [matched, mismatched]) {
      const from = Math.floor((f * list.length) / folds);
      const to = Math.floor(((f + 1) * list.length) / folds);
      for (let i = from; i < to; i++) order[o++] = list[i]!;
    }
  }
  return order;
}

/** values reordered: out[i] = values[order[i]]. */
export function permuted<T extends Float64Array | boolean[]>(values: T, order: Int32Array): T {
  const out = (values instanceof Float64Array ? new Float64Array(values.length) : new Array<boolean>(values.length)) as T;
  for (let i = 0; i < order.length; i++) out[i] = values[order[i]!]!;
  return out;
}
