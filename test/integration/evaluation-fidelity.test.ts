// Evaluation fidelity through the RPC (issue 12 item 5): LFW View 1 files (every matched pair, then
// every mismatched one) are evaluated with stratified folds, as if the file had mixed them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { toTensor } from '@hyperface/sdk';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;
before(async () => {
  d = await startTestDaemon({}, { models: false });
});
after(async () => {
  await d.stop();
});

const DIM = 8;
const PAIRS = 40;
const FOLDS = 10;

/** Pair p: a noisy copy (matched) or an unrelated vector (mismatched), so the folds do not all agree. */
function pairRows(p: number, same: boolean): number[] {
  const a = Array.from({ length: DIM }, (_, j) => Math.sin(p * 7.1 + j * 1.3));
  const noise = same ? 0.6 + (p % 5) * 0.25 : 1;
  const b = same ? a.map((v, j) => v + noise * Math.cos(p * 3.7 + j * 2.9)) : Array.from({ length: DIM }, (_, j) => Math.cos(p * 5.3 + j * 0.7));
  return [...a, ...b];
}

async function verify(pairs: Array<{ p: number; same: boolean }>): Promise<Record<string, unknown>> {
  const rows = pairs.flatMap(({ p, same }) => pairRows(p, same));
  let json = '';
  for await (const ev of d.client.evaluateVerification({ embeddings: { embeddings: toTensor(Float32Array.from(rows), [2 * pairs.length, DIM]), issame: pairs.map((x) => x.same) }, folds: FOLDS })) {
    if (ev.verification) json = ev.verification.json;
  }
  return JSON.parse(json) as Record<string, unknown>;
}

test('a View 1 pairs order (all matched, then all mismatched) is evaluated with stratified folds', async () => {
  const matched = Array.from({ length: PAIRS / 2 }, (_, i) => ({ p: i, same: true }));
  const mismatched = Array.from({ length: PAIRS / 2 }, (_, i) => ({ p: 100 + i, same: false }));
  const view1 = await verify([...matched, ...mismatched]);
  // The same pairs, mixed by hand: each contiguous fold holds its share of both classes.
  const per = PAIRS / 2 / FOLDS;
  const mixed = Array.from({ length: FOLDS }, (_, f) => [...matched.slice(f * per, (f + 1) * per), ...mismatched.slice(f * per, (f + 1) * per)]).flat();
  const reference = await verify(mixed);
  assert.equal(view1.stratified_folds, true);
  assert.equal(reference.stratified_folds, false);
  for (const key of ['accuracy_mean', 'accuracy_std', 'best_threshold', 'fold_accuracies', 'val_at_far_1e_3', 'val_std', 'eer', 'auc']) {
    assert.deepEqual(view1[key], reference[key], key);
  }
});
