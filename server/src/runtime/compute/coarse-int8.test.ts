import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Rng } from '../../util/rng.js';
import { Graph } from './paper-graph.js';
import { int8Nearest, type Int8NearestSpec } from './coarse-int8.js';
import { buildOnnxModel } from './onnx-graph.js';
import { createComputeEngine } from './engine.js';

function unitRows(rows: number[][]): Float32Array {
  const d = rows[0]!.length;
  const x = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    const norm = Math.hypot(...r);
    r.forEach((v, k) => (x[i * d + k] = v / norm));
  });
  return x;
}

function gaussianRows(n: number, d: number, rng: Rng): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
}

/**
 * Float64 brute force: per row the best cosine, every index within `tie` of it (the acceptable
 * answers) and the runner-up (the best index outside that set): as the lower bound's row it makes
 * L_i tight, so the true neighbour must come through the error bound, not as the given row.
 */
function bruteForce(x: Float32Array, n: number, d: number, tie = 1e-6): { best: number[]; ok: Set<number>[]; second: number[] } {
  const best: number[] = [];
  const ok: Set<number>[] = [];
  const second: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = new Float64Array(n);
    let b = -Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k]! * x[j * d + k]!;
      c[j] = s;
      b = Math.max(b, s);
    }
    best.push(b);
    const near = new Set([...c.keys()].filter((j) => j !== i && c[j]! >= b - tie));
    ok.push(near);
    second.push([...c.keys()].filter((j) => j !== i && !near.has(j)).reduce((p, q) => (c[q]! > c[p]! ? q : p)));
  }
  return { best, ok, second };
}

async function coarseNearest(x: Float32Array, n: number, d: number, prev: number[], spec: Omit<Int8NearestSpec, 'n'>) {
  const g = new Graph();
  const out = int8Nearest(g, 'x', 'prev', { n, ...spec });
  for (const node of g.nodes) node.outputs = node.outputs.map((o) => ({ [out.cos]: 'cos', [out.idx]: 'idx', [out.pairs]: 'pairs', [out.excess]: 'excess' })[o] ?? o);
  const bytes = buildOnnxModel({
    inputs: [{ name: 'x', dtype: 'float32', shape: [n, d] }, { name: 'prev', dtype: 'int64', shape: [n] }],
    outputs: [
      { name: 'cos', dtype: 'float32', shape: [n, 1] },
      { name: 'idx', dtype: 'int64', shape: [n, 1] },
      { name: 'pairs', dtype: 'int64', shape: [1] },
      { name: 'excess', dtype: 'int64', shape: [1] },
    ],
    nodes: g.nodes,
    initializers: g.inits,
    opset: 18,
  });
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const r = await s.run({ x: new ort.Tensor('float32', x, [n, d]), prev: new ort.Tensor('int64', BigInt64Array.from(prev.map(BigInt)), [n]) });
  await s.release();
  return {
    cos: r.cos!.data as Float32Array,
    idx: Array.from(r.idx!.data as BigInt64Array, Number),
    pairs: Number((r.pairs!.data as BigInt64Array)[0]),
    excess: Number((r.excess!.data as BigInt64Array)[0]),
  };
}

function assertExact(got: { cos: Float32Array; idx: number[] }, want: { best: number[]; ok: Set<number>[]; second: number[] }, what: string): void {
  for (let i = 0; i < want.best.length; i++) {
    assert.ok(want.ok[i]!.has(got.idx[i]!), `${what}, row ${i}: neighbour ${got.idx[i]}, exact argmax ${[...want.ok[i]!].join('|')}`);
    assert.ok(Math.abs(got.cos[i]! - want.best[i]!) < 1e-6, `${what}, row ${i}: cos ${got.cos[i]} vs ${want.best[i]}`);
  }
}

void test('int8 coarse nearest: exact argmax on random rows, uneven blocks, from good and from poor lower bounds', async () => {
  const n = 150;
  const d = 48;
  const rng = new Rng(11);
  const x = unitRows(gaussianRows(n, d, rng));
  const want = bruteForce(x, n, d);
  const good = await coarseNearest(x, n, d, want.second, { block: 40, maxPairs: n * n, chunk: 1000 });
  assertExact(good, want, 'prev = runner-up');
  // the bound prunes: far fewer pairs than the n(n−1)/2 of a full search
  assert.ok(good.pairs < (n * (n - 1)) / 8, `pairs ${good.pairs}`);
  assert.ok(good.excess <= 0);
  // a poor lower bound (a random other row) only widens the candidate set; the answer stays exact
  const poorPrev = Array.from({ length: n }, (_, i) => (i + 1 + Math.floor(rng.next() * (n - 1))) % n);
  const poor = await coarseNearest(x, n, d, poorPrev, { block: 40, maxPairs: n * n, chunk: 1000 });
  assertExact(poor, want, 'prev = random row');
  assert.ok(poor.pairs > good.pairs);
});

void test('int8 coarse nearest: near-ties far below the int8 error are resolved exactly (and a spiky row inflates the scale)', async () => {
  const d = 64;
  const rng = new Rng(5);
  const rows: number[][] = [];
  // groups of three around random centres (|c| ≈ 8): a's two neighbours differ in cosine by ≈ 1e-5,
  // about 1/1000 of the quantisation bound, so only the exact re-rank can tell them apart
  for (let gi = 0; gi < 30; gi++) {
    const c = Array.from({ length: d }, () => rng.normal());
    const u = Array.from({ length: d }, () => rng.normal() * 0.05);
    const w = Array.from({ length: d }, () => rng.normal() * 0.05);
    const nu = Math.hypot(...u);
    const nw = Math.hypot(...w);
    rows.push(c, c.map((v, k) => v + (u[k]! / nu) * 0.3), c.map((v, k) => v + (w[k]! / nw) * (0.3 + 2e-3 * (gi % 2 ? 1 : -1))));
  }
  rows.push(Array.from({ length: d }, (_, k) => (k === 0 ? 40 : rng.normal())));
  const n = rows.length;
  const x = unitRows(rows);
  const want = bruteForce(x, n, d, 1e-7);
  // the two candidates of each centre differ by more than float32 noise: one answer is right
  for (let gi = 0; gi < 30; gi++) assert.equal(want.ok[3 * gi]!.size, 1);
  const got = await coarseNearest(x, n, d, want.second, { block: 32, maxPairs: n * n, chunk: 128 });
  assertExact(got, want, 'near ties');
});

void test('int8 coarse nearest: more candidates than maxPairs is reported (the caller reruns on fp32)', async () => {
  const n = 120;
  const d = 16;
  const x = unitRows(gaussianRows(n, d, new Rng(3)));
  // prev = the farthest row: L_i is low, nearly every pair is a candidate
  const far: number[] = [];
  for (let i = 0; i < n; i++) {
    let w = -1;
    let wc = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k]! * x[j * d + k]!;
      if (s < wc) [w, wc] = [j, s];
    }
    far.push(w);
  }
  const got = await coarseNearest(x, n, d, far, { block: 30, maxPairs: n, chunk: 50 });
  assert.ok(got.pairs > n || got.excess > 0, `pairs ${got.pairs}, excess ${got.excess}`);
});

void test('paper stepper: the int8 coarse search gives the fp32 search\'s iterates; an overflowing run is redone on fp32', async () => {
  const n = 300;
  const d = 32;
  const x = unitRows(gaussianRows(n, d, new Rng(9)));
  const zeros = () => new Float32Array(n * d);
  const opts = { n, d, alpha: 0, gallery: null, galleryRows: 0 };
  for (const [lr, perRow, expectCoarse] of [
    [0.001, 64, true],
    [2, 1, false],
  ] as const) {
    const plain = await createComputeEngine({ threads: 1, paperBlock: 70, paperStepsPerRun: 2, paperCoarseMaxPairs: 0 });
    const coarse = await createComputeEngine({ threads: 1, paperBlock: 70, paperStepsPerRun: 2, paperCoarseMaxPairs: perRow });
    const a = plain.paperStepper(opts);
    const b = coarse.paperStepper(opts);
    for (const s of [a, b]) s.load({ x, m: zeros(), v: zeros(), best: x, bestCos: Infinity });
    let coarseRuns = 0;
    for (let r = 0; r < 5; r++) {
      const ra = await a.run(1 + 2 * r, 2, lr);
      const rb = await b.run(1 + 2 * r, 2, lr);
      assert.equal(ra.coarsePairs, null);
      if (rb.coarsePairs) coarseRuns++;
      const diff = ra.nnCos.reduce((m, v, i) => Math.max(m, Math.abs(v - rb.nnCos[i]!)), 0);
      assert.ok(diff < 1e-5, `lr ${lr}, run ${r}: nearest cosines differ by ${diff}`);
    }
    const [sa, sb] = [await a.read(), await b.read()];
    const dx = sa.x.reduce((m, v, i) => Math.max(m, Math.abs(v - sb.x[i]!)), 0);
    assert.ok(dx < 1e-4, `lr ${lr}: iterates differ by ${dx}`);
    // the first run has no neighbours yet (fp32); small steps then stay on the coarse search, and
    // huge ones overflow a 1-pair-per-row cap on every try
    assert.equal(coarseRuns, expectCoarse ? 4 : 0, `lr ${lr}: ${coarseRuns} coarse runs`);
    for (const s of [a, b]) await s.release();
    for (const e of [plain, coarse]) await e.release();
  }
});
