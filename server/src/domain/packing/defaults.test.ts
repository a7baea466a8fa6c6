// Issue 18: the default (the paper's Algorithm 1) at ten identities per gallery row — the ratio at
// which the earlier default (fast mode) collapsed onto the gallery at N = 10,000 — over its whole
// default schedule: the min angle reaches a plateau and stays there, far above random-gallery.
// The gallery imitates face embeddings (a cone: |mean| ≈ 0.7 around a 40-dimensional spread).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createComputeEngine } from '../../runtime/compute/engine.js';
import { Rng } from '../../util/rng.js';
import { normalizeRows } from './objective.js';
import { runPacking, withPackDefaults } from './index.js';

function coneGallery(rows: number, d: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const rank = 40;
  const mu = Float32Array.from({ length: d }, () => r.normal());
  normalizeRows(mu, 1, d);
  const basis = Float32Array.from({ length: rank * d }, () => r.normal());
  const g = new Float32Array(rows * d);
  const v = new Float32Array(d);
  for (let i = 0; i < rows; i++) {
    v.fill(0);
    for (let k = 0; k < rank; k++) {
      const z = r.normal();
      for (let c = 0; c < d; c++) v[c]! += z * basis[k * d + c]!;
    }
    normalizeRows(v, 1, d);
    for (let c = 0; c < d; c++) g[i * d + c] = 0.7 * mu[c]! + 0.7 * v[c]!;
  }
  normalizeRows(g, rows, d);
  return g;
}

void test('default packing at N/G = 10 over the default schedule: a plateau, no collapse, far above random-gallery', async () => {
  const compute = await createComputeEngine({ threads: 1 });
  try {
    const [n, G, d] = [1000, 100, 128];
    const gallery = { data: coneGallery(G, d, 11), rows: G };
    const p = withPackDefaults({ identities: n, dim: d, seed: 1, progressEvery: 10 }, true);
    assert.equal(p.mode, 'paper');
    const seen: { it: number; min: number; gd: number }[] = [];
    const out = await runPacking(p, gallery, { compute, onProgress: (e) => seen.push({ it: e.iteration, min: e.metrics.minAngleDeg, gd: e.metrics.meanGalleryDistance }) });
    const base = await runPacking(withPackDefaults({ identities: n, dim: d, seed: 1, mode: 'random-gallery' }, true), gallery, { compute });
    assert.equal(out.iterationsRun, p.iterations);
    // after the first fifth of the schedule the min angle never falls more than 3° below its best so far
    let best = -Infinity;
    for (const s of seen) {
      if (s.it > p.iterations / 5) assert.ok(s.min > best - 3, `iteration ${s.it}: ${s.min.toFixed(2)}° after a best of ${best.toFixed(2)}°`);
      best = Math.max(best, s.min);
    }
    assert.ok(out.metrics.minAngleDeg > best - 3, `final ${out.metrics.minAngleDeg} vs best ${best}`);
    assert.ok(out.metrics.minAngleDeg > base.metrics.minAngleDeg + 40, `packed ${out.metrics.minAngleDeg}° vs random-gallery ${base.metrics.minAngleDeg}°`);
    // it stays tied to the gallery: the reported distance is that of a point ≈ 60° from its nearest row, not a random one's
    assert.ok(out.metrics.meanGalleryDistance > 0.05 && out.metrics.meanGalleryDistance < 0.6, `gallery distance ${out.metrics.meanGalleryDistance}`);
  } finally {
    await compute.release();
  }
});

void test('the defaults run at the smallest sizes too (N = 2, 3, 50 with a gallery): finite metrics, more separated than random-gallery', async () => {
  const compute = await createComputeEngine({ threads: 1 });
  try {
    const d = 8;
    const gallery = { data: coneGallery(60, d, 5), rows: 60 };
    for (const n of [2, 3, 50]) {
      const p = withPackDefaults({ identities: n, dim: d, seed: 2 }, true);
      assert.equal(p.mode, 'paper');
      const out = await runPacking(p, gallery, { compute });
      const base = await runPacking(withPackDefaults({ identities: n, dim: d, seed: 2, mode: 'random-gallery' }, true), gallery, { compute });
      assert.ok(Number.isFinite(out.metrics.loss) && out.embeddings.every(Number.isFinite), `N = ${n}`);
      assert.ok(out.metrics.minAngleDeg > base.metrics.minAngleDeg, `N = ${n}: ${out.metrics.minAngleDeg}° vs random-gallery ${base.metrics.minAngleDeg}°`);
    }
  } finally {
    await compute.release();
  }
});
