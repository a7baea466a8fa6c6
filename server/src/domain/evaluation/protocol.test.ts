import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpy } from '@hyperface/sdk/npy';
import {
  areaUnderCurve,
  evaluatePairs,
  equalErrorRate,
  farKey,
  kfoldTestRanges,
  stratifiedOrder,
  rocCurve,
  tarAtFar,
  thresholdGrid,
} from './protocol.js';
import { Rng } from '../../util/rng.js';
import { InvalidArgumentError } from '../../shared/errors.js';

const ORACLE = fileURLToPath(new URL('../../../src/domain/evaluation/fixtures/verify_numpy.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hf-proto-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Random pairs: genuine = a + noise, impostor = two independent vectors; some overlap so accuracy < 1. */
function randomPairs(pairs: number, dim: number, seed: number, noise: number): { emb: Float32Array; issame: boolean[] } {
  const rng = new Rng(seed);
  const emb = new Float32Array(2 * pairs * dim);
  const issame: boolean[] = [];
  for (let p = 0; p < pairs; p++) {
    const same = rng.next() < 0.5;
    issame.push(same);
    for (let j = 0; j < dim; j++) {
      const a = rng.normal();
      emb[2 * p * dim + j] = a;
      emb[(2 * p + 1) * dim + j] = same ? a + noise * rng.normal() : rng.normal();
    }
  }
  return { emb, issame };
}

interface Oracle {
  accuracy: number[];
  best_thresholds: number[];
  tpr: number[];
  fpr: number[];
  accuracy_mean: number;
  accuracy_std: number;
  auc: number;
}

function oracle(emb: Float32Array, issame: boolean[], dim: number, folds: number, flipped?: Float32Array): Oracle {
  const e = join(dir, `e${folds}.npy`);
  const l = join(dir, `l${folds}.npy`);
  writeFileSync(e, encodeNpy({ dtype: 'float32', shape: [emb.length / dim, dim], data: emb }));
  writeFileSync(l, encodeNpy({ dtype: 'bool', shape: [issame.length], data: Uint8Array.from(issame, Number) }));
  const args = [ORACLE, e, l, String(folds)];
  if (flipped) {
    const f = join(dir, `f${folds}.npy`);
    writeFileSync(f, encodeNpy({ dtype: 'float32', shape: [flipped.length / dim, dim], data: flipped }));
    args.push(f);
  }
  return JSON.parse(execFileSync('python3', args, { encoding: 'utf8', maxBuffer: 1 << 26 })) as Oracle;
}

for (const [pairs, dim, folds, noise, flip] of [
  [3000, 32, 10, 1.3, false],
  [1237, 16, 7, 1.0, true],
  [101, 8, 1, 1.5, false],
] as const) {
  void test(`parity with the NumPy oracle: ${pairs} pairs, ${folds} folds${flip ? ', flip' : ''}`, () => {
    const { emb, issame } = randomPairs(pairs, dim, pairs, noise);
    const flipped = flip ? randomPairs(pairs, dim, pairs + 1, noise).emb.map((v, i) => emb[i]! + 0.3 * v) : undefined;
    const ours = evaluatePairs(emb, dim, issame, flipped ? { folds, flipped } : { folds });
    const py = oracle(emb, issame, dim, folds, flipped);
    // Exactly the same accuracy per fold and the same chosen thresholds.
    assert.deepEqual(ours.fold_accuracies, py.accuracy);
    assert.deepEqual(ours.fold_thresholds, py.best_thresholds);
    assert.equal(ours.accuracy_mean, py.accuracy_mean);
    assert.ok(Math.abs(ours.accuracy_std - py.accuracy_std) < 1e-15);
    assert.ok(ours.accuracy_mean > 0.6 && ours.accuracy_mean < 0.99, `accuracy ${ours.accuracy_mean} should be informative`);
    assert.ok(Math.abs(ours.auc - py.auc) < 1e-12);
  });
}

void test('calculate_roc mean TPR/FPR curves match the oracle', async () => {
  const { emb, issame } = randomPairs(600, 8, 7, 1.2);
  const { calculateRoc, pairSquaredDistances } = await import('./protocol.js');
  const { normalizedRows64 } = await import('../../util/vec.js');
  const dist = pairSquaredDistances(normalizedRows64(emb, 1200, 8), 600, 8);
  const roc = calculateRoc(thresholdGrid(0.01), dist, issame, 10);
  const py = oracle(emb, issame, 8, 10);
  for (let i = 0; i < 400; i++) {
    assert.ok(Math.abs(roc.tpr[i]! - py.tpr[i]!) < 1e-12);
    assert.ok(Math.abs(roc.fpr[i]! - py.fpr[i]!) < 1e-12);
  }
});

void test('KFold ranges follow sklearn (first n % k folds one larger), thresholds follow np.arange', () => {
  assert.deepEqual(kfoldTestRanges(23, 5), [[0, 5], [5, 10], [10, 15], [15, 19], [19, 23]]);
  assert.throws(() => kfoldTestRanges(3, 10), InvalidArgumentError);
  const t = thresholdGrid(0.01);
  assert.equal(t.length, 400);
  assert.equal(t[399], 399 * 0.01);
  assert.equal(thresholdGrid(0.001).length, 4000);
});

void test('ROC, EER, AUC and TAR@FAR on a hand-made case', () => {
  // genuine distances 0.1 0.2 0.3 0.9, impostor 0.5 0.8 1.0 1.2
  const dist = Float64Array.from([0.1, 0.5, 0.2, 0.8, 0.3, 1.0, 0.9, 1.2]);
  const issame = [true, false, true, false, true, false, true, false];
  const roc = rocCurve(dist, issame);
  assert.equal(roc.length, 9);
  assert.deepEqual(roc.at(-1), { far: 1, tar: 1, threshold: 1.2 });
  assert.equal(areaUnderCurve(dist, issame), 14 / 16);
  assert.equal(equalErrorRate(roc), 0.25);
  const pts = tarAtFar(dist, issame, [1e-3, 0.25, 0.5]);
  assert.deepEqual(pts.map((p) => p.far), [0.25, 0.5]); // 1e-3 needs >= 1000 impostors
  assert.deepEqual(pts.map((p) => p.tar), [0.75, 1]);
  assert.equal(farKey(1e-3), '1e-3');
  assert.equal(farKey(1e-1), '1e-1');
  assert.throws(() => evaluatePairs(new Float32Array(6), 2, [true]), InvalidArgumentError);
});

void test('stratifiedOrder: class-sorted pairs get both classes in every fold; mixed ones are left alone', () => {
  const view1 = [...Array<boolean>(20).fill(true), ...Array<boolean>(20).fill(false)];
  const order = stratifiedOrder(view1, 10);
  assert.ok(order);
  assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i), 'a permutation');
  for (const [s, e] of kfoldTestRanges(40, 10)) {
    const fold = Array.from(order.subarray(s, e), (i) => view1[i]);
    assert.ok(fold.includes(true) && fold.includes(false), `fold ${s}-${e} mixes the classes`);
  }
  assert.deepEqual(Array.from(order.subarray(0, 4)), [0, 1, 20, 21], 'order kept within a class');
  const view2 = Array.from({ length: 40 }, (_, i) => Math.floor(i / 2) % 2 === 0);
  assert.equal(stratifiedOrder(view2, 10), undefined);
  assert.equal(stratifiedOrder(Array<boolean>(40).fill(true), 10), undefined, 'one class overall: nothing to do');
});
