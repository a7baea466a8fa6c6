import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createComputeEngine } from '../../runtime/compute/engine.js';
import { Rng } from '../../util/rng.js';
import { dot, normalizeRows, packingLossDense } from './objective.js';
import { runPacking, withPackDefaults } from './index.js';

function gaussian(n: number, d: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n * d }, () => r.normal());
}
const unit = (n: number, d: number, seed: number) => {
  const x = gaussian(n, d, seed);
  normalizeRows(x, n, d);
  return x;
};
const zeros = (n: number, d: number) => new Float32Array(n * d);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

void test('fused step: nearest cosines from the symmetric blocks match brute force (uneven blocks, 4 × 4 upper triangle)', async () => {
  const n = 37;
  const d = 6;
  const x = unit(n, d, 3);
  for (const topk of [true, false]) {
    // block 10 → blocks of 10,10,10,7; topk false runs the WebGPU variant (ReduceMax+ArgMax) on the CPU EP
    const e = await createComputeEngine({ threads: 1, paperBlock: 10, paperStepsPerRun: 1, paperTopK: topk });
    const st = e.paperStepper({ n, d, alpha: 0, gallery: null, galleryRows: 0 });
    st.load({ x, m: zeros(n, d), v: zeros(n, d), best: x, bestCos: Infinity });
    const r = await st.run(1, 1, 0.01);
    for (let i = 0; i < n; i++) {
      let best = -Infinity;
      for (let j = 0; j < n; j++) if (j !== i) best = Math.max(best, dot(x, i * d, x, j * d, d));
      assert.ok(Math.abs(r.nnCos[i]! - best) < 1e-6, `row ${i}: ${r.nnCos[i]} vs ${best}`);
    }
    await st.release();
    await e.release();
  }
});

void test('fused step: gradient against central finite differences (with gallery, blocks of 4)', async () => {
  const n = 9;
  const d = 5;
  const G = 4;
  const alpha = 0.7;
  const raw = gaussian(n, d, 21).map((v) => v * 1.3);
  const x = Float32Array.from(raw);
  normalizeRows(x, n, d);
  const gallery = unit(G, d, 22);
  const e = await createComputeEngine({ threads: 1, paperBlock: 4, paperStepsPerRun: 1 });
  const st = e.paperStepper({ n, d, alpha, gallery, galleryRows: G, gradient: true });
  st.load({ x, m: zeros(n, d), v: zeros(n, d), best: x, bestCos: Infinity });
  const { grad } = await st.run(1, 1, 0.01);
  await st.release();
  await e.release();
  const h = 1e-4;
  const x64 = Float64Array.from(raw);
  for (let i = 0; i < n; i++) {
    const norm = Math.sqrt(dot(raw, i * d, raw, i * d, d));
    for (let c = 0; c < d; c++) {
      const k = i * d + c;
      const keep = x64[k]!;
      x64[k] = keep + h;
      const up = packingLossDense(x64, n, d, gallery, G, alpha);
      x64[k] = keep - h;
      const down = packingLossDense(x64, n, d, gallery, G, alpha);
      x64[k] = keep;
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(fd - grad![k]! / norm) < 2e-4, `d/dx[${i},${c}]: fd ${fd} vs fused ${grad![k]! / norm}`);
    }
  }
});

void test('fused step: k steps in one run equal k single-step runs and the JS reference step', async () => {
  const n = 50;
  const d = 8;
  const G = 12;
  const k = 6;
  const x = unit(n, d, 31);
  const gallery = unit(G, d, 32);
  const lr = 0.02;
  const state = { x, m: zeros(n, d), v: zeros(n, d), best: x, bestCos: Infinity };
  const fusedK = await createComputeEngine({ threads: 1, paperBlock: 16, paperStepsPerRun: k });
  const a = fusedK.paperStepper({ n, d, alpha: 0.5, gallery, galleryRows: G });
  a.load(state);
  const ra = await a.run(1, k, lr);
  const sa = await a.read();
  const single = await createComputeEngine({ threads: 1, paperBlock: 16, paperStepsPerRun: 1 });
  const b = single.paperStepper({ n, d, alpha: 0.5, gallery, galleryRows: G });
  b.load(state);
  const cos: number[] = [];
  for (let s = 0; s < k; s++) cos.push(...(await b.run(1 + s, 1, lr)).nnCos);
  const sb = await b.read();
  assert.ok(maxDiff(sa.x, sb.x) < 1e-6, `x differs by ${maxDiff(sa.x, sb.x)}`);
  assert.ok(maxDiff(sa.m, sb.m) < 1e-7 && maxDiff(sa.v, sb.v) < 1e-9);
  assert.ok(maxDiff(ra.nnCos, Float32Array.from(cos)) < 1e-6);
  assert.equal(sa.bestCos, sb.bestCos);
  for (const s of [a, b]) await s.release();

  // the same k steps through runPacking: fused graph vs the step-by-step JS optimiser
  const p = withPackDefaults({ identities: n, dim: d, mode: 'paper', iterations: k, learningRate: lr, seed: 4, alpha: 0.5 }, true);
  const gal = { data: gallery, rows: G };
  const viaGraph = await runPacking(p, gal, { compute: fusedK });
  const viaJs = await runPacking(p, gal, { compute: single, fused: false });
  assert.ok(maxDiff(viaGraph.embeddings, viaJs.embeddings) < 1e-5, `fused vs JS: ${maxDiff(viaGraph.embeddings, viaJs.embeddings)}`);
  assert.ok(Math.abs(viaGraph.metrics.minAngleDeg - viaJs.metrics.minAngleDeg) < 1e-3);
  // and with the int8 coarse neighbour search (exact re-rank) after the first run
  const coarse = await createComputeEngine({ threads: 1, paperBlock: 16, paperStepsPerRun: 2, paperCoarseMaxPairs: n });
  const viaCoarse = await runPacking(p, gal, { compute: coarse });
  assert.ok(maxDiff(viaCoarse.embeddings, viaJs.embeddings) < 1e-5, `coarse vs JS: ${maxDiff(viaCoarse.embeddings, viaJs.embeddings)}`);
  assert.ok(Math.abs(viaCoarse.metrics.minAngleDeg - viaJs.metrics.minAngleDeg) < 1e-3);
  await coarse.release();
  await fusedK.release();
  await single.release();
});
