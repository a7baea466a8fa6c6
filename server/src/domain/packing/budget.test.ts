import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createComputeEngine, type ComputeEngine } from '../../runtime/compute/engine.js';
import { runPacking, withPackDefaults } from './index.js';

/** A real engine whose full passes take `delay` seconds longer (a large N on a small machine). */
function slowed(engine: ComputeEngine, delay: number, calls: Record<string, number>): ComputeEngine {
  return new Proxy(engine, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const f = v as (...a: unknown[]) => unknown;
      if (prop === 'nearestNeighbours' || prop === 'refineNeighbours' || prop === 'refineGallery' || prop === 'nearestGallery') {
        return async (...args: unknown[]) => {
          calls[prop] = (calls[prop] ?? 0) + 1;
          if (prop === 'nearestNeighbours') await sleep(delay * 1000);
          return f.apply(target, args);
        };
      }
      if (prop === 'estimatePassSeconds') return async (...args: unknown[]) => ((await f.apply(target, args)) as number) + delay;
      if (prop === 'passSeconds') {
        // the sleep is part of the pass
        return (...args: unknown[]) => {
          const s = f.apply(target, args) as number | undefined;
          return s === undefined ? undefined : s + (args[0] === 'nn' ? delay : 0);
        };
      }
      return f.bind(target);
    },
  });
}

void test(`fast mode from compute.refineFrom identities: one full pass, sub-quadratic refreshes, exact final metrics, and max_seconds covers that final pass`, async () => {
  const engine = await createComputeEngine({ threads: 2, refineFrom: 2000 });
  try {
    const calls: Record<string, number> = {};
    // each full pass takes 2 s more: as at N = 100,000, the refreshes are cheap and the exact passes are not
    const compute = slowed(engine, 2, calls);
    const n = 2100;
    const d = 4;
    const budget = 16;
    // sessions built beforehand (per graph shape, cached): the passes below then cost what they cost
    const warm = new Float32Array(n * d).fill(0.5);
    for (const k of [24, 1]) await engine.nearestNeighbours(warm, n, d, k);
    const p = withPackDefaults({ identities: n, dim: d, mode: 'fast', iterations: 1_000_000, maxSeconds: budget }, false);
    const t0 = performance.now();
    const out = await runPacking(p, null, { compute });
    const wall = (performance.now() - t0) / 1000;
    assert.equal(out.stopReason, 'max_seconds');
    // a full pass to start and one for the final metrics; every refresh between was refined
    assert.equal(calls.nearestNeighbours, 2);
    assert.ok((calls.refineNeighbours ?? 0) >= 2, `refined ${calls.refineNeighbours} times`);
    // before: the loop ran to the budget and the final exact pass (≥ 2 s) came on top
    assert.ok(out.elapsedSeconds <= budget * 1.02, `elapsed ${out.elapsedSeconds.toFixed(3)} s for a ${budget} s budget`);
    assert.ok(wall <= budget * 1.02 + 0.1, `wall ${wall.toFixed(3)} s`);
    assert.ok(out.elapsedSeconds >= budget * 0.6, `stopped after ${out.elapsedSeconds.toFixed(3)} s`);
    const exact = await engine.nearestNeighbours(out.embeddings, n, d, 1);
    let worst = -1;
    for (const c of exact.value) worst = Math.max(worst, c);
    assert.ok(Math.abs(out.metrics.minAngleDeg - (Math.acos(Math.min(1, worst)) * 180) / Math.PI) < 1e-3, 'reported min angle is the exact one of the returned points');
  } finally {
    await engine.release();
  }
});

void test('fast mode with a gallery from compute.refineFrom identities: nearest-gallery refreshes are refined too, final gallery metrics exact', async () => {
  const engine = await createComputeEngine({ threads: 2, refineFrom: 2000 });
  try {
    const calls: Record<string, number> = {};
    const compute = slowed(engine, 0, calls);
    const n = 2500;
    const d = 8;
    const g = 400;
    const rows = new Float32Array(g * d);
    let s = 9;
    for (let c = 0; c < g * d; c++) rows[c] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
    const p = withPackDefaults({ identities: n, dim: d, mode: 'fast', iterations: 13 }, true);
    const out = await runPacking(p, { data: rows, rows: g }, { compute });
    // n ≤ 4096 refreshes every 6 steps: 0 (full), 6 and 12 (refined); the gallery graph is one more full pass
    assert.equal(calls.refineNeighbours, 2);
    assert.equal(calls.refineGallery, 2);
    // the first refresh and the final metrics (of the last iterate, and of the best one if it is worse)
    assert.ok(calls.nearestGallery === 2 || calls.nearestGallery === 3, `nearestGallery ${calls.nearestGallery} times`);
    const unit = Float32Array.from(rows);
    for (let i = 0; i < g; i++) {
      let q = 0;
      for (let c = 0; c < d; c++) q += unit[i * d + c]! ** 2;
      for (let c = 0; c < d; c++) unit[i * d + c]! /= Math.sqrt(q);
    }
    const exact = await engine.nearestGallery(out.embeddings, n, unit, g, d);
    let mean = 0;
    for (const c of exact.value) mean += 1 - Math.min(1, Math.max(-1, c));
    mean /= n;
    assert.ok(Math.abs(out.metrics.meanGalleryDistance - mean) < 1e-4, `gallery metric ${out.metrics.meanGalleryDistance} vs exact ${mean}`);
  } finally {
    await engine.release();
  }
});

void test('max_seconds on a resumed large-N run (no full pass before the end): a timed sample reserves the final one', async () => {
  const n = 2100;
  const d = 4;
  let saved: Uint8Array | null = null;
  const store = { load: () => Promise.resolve(saved), save: (b: Uint8Array) => ((saved = b), Promise.resolve()) };
  const base = { identities: n, dim: d, mode: 'fast' as const, iterations: 1_000_000, checkpointEvery: 10 };
  const first = await createComputeEngine({ threads: 2, refineFrom: 2000 });
  try {
    await runPacking(withPackDefaults({ ...base, maxSeconds: 3 }, false), null, { compute: first, checkpoints: store });
  } finally {
    await first.release();
  }
  assert.ok(saved, 'a checkpoint was written');
  // a new process: this engine has timed no pass at this shape
  const engine = await createComputeEngine({ threads: 2, refineFrom: 2000 });
  try {
    const calls: Record<string, number> = {};
    const compute = slowed(engine, 2, calls);
    const budget = 12;
    const out = await runPacking(withPackDefaults({ ...base, maxSeconds: budget }, false), null, { compute, checkpoints: store });
    assert.equal(out.stopReason, 'max_seconds');
    assert.ok((calls.refineNeighbours ?? 0) >= 1 && calls.nearestNeighbours === 1, JSON.stringify(calls));
    // before: nothing was reserved (no pass timed since the resume) and the final pass (≥ 2 s) came on top
    assert.ok(out.elapsedSeconds <= budget * 1.02, `elapsed ${out.elapsedSeconds.toFixed(3)} s for a ${budget} s budget`);
  } finally {
    await engine.release();
  }
});

void test('max_seconds when fast mode returns its best iterate: the best one\'s exact metrics are kept, not recomputed by a second final pass', async () => {
  const engine = await createComputeEngine({ threads: 2, refineFrom: 2000 });
  try {
    const calls: Record<string, number> = {};
    const compute = slowed(engine, 2, calls);
    // a spherical-code start (61° at 2,100 × 32) is better than anything fast mode reaches in the budget,
    // so the returned iterate is the start, not the last one
    const n = 2100;
    const d = 32;
    const budget = 16;
    const warm = new Float32Array(n * d).fill(0.5);
    for (const k of [24, 1]) await engine.nearestNeighbours(warm, n, d, k);
    const p = withPackDefaults({ identities: n, dim: d, mode: 'fast', init: 'code', iterations: 1_000_000, maxSeconds: budget }, false);
    const out = await runPacking(p, null, { compute });
    assert.equal(out.stopReason, 'max_seconds');
    const exact = await engine.nearestNeighbours(out.embeddings, n, d, 1);
    let worst = -1;
    for (const c of exact.value) worst = Math.max(worst, c);
    const returned = (Math.acos(Math.min(1, worst)) * 180) / Math.PI;
    assert.ok(returned > 55, `returned iterate has min angle ${returned.toFixed(2)}°: the code start`);
    assert.ok(Math.abs(out.metrics.minAngleDeg - returned) < 1e-3, `reported ${out.metrics.minAngleDeg} vs exact ${returned}`);
    // the start's full pass and one final pass (of the last iterate); before: a third for the best iterate, over budget
    assert.equal(calls.nearestNeighbours, 2, JSON.stringify(calls));
    assert.ok(out.elapsedSeconds <= budget * 1.02, `elapsed ${out.elapsedSeconds.toFixed(3)} s for a ${budget} s budget`);
  } finally {
    await engine.release();
  }
});
