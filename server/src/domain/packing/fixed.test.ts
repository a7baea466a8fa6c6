import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createComputeEngine, type ComputeEngine } from '../../runtime/compute/engine.js';
import { FailedPreconditionError, InvalidArgumentError } from '../../shared/errors.js';
import { dot, normalizeRows } from './objective.js';
import { Rng } from '../../util/rng.js';
import { runPacking, withPackDefaults, type PackCheckpointStore } from './index.js';
import { memorySource } from './fixed-source.js';
import { impostorThresholds, checkExclusionAngle } from './exclusion-angle.js';
import { packingGradient } from './objective.js';

let engine: ComputeEngine | undefined;
async function compute(): Promise<ComputeEngine> {
  engine ??= await createComputeEngine({ threads: 1 });
  return engine;
}

function unitRows(n: number, d: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const x = Float32Array.from({ length: n * d }, () => r.normal());
  normalizeRows(x, n, d);
  return x;
}

/** Brute-force smallest angle (degrees) between rows of a and rows of b. */
function minCross(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): number {
  let best = -1;
  for (let i = 0; i < na; i++) for (let j = 0; j < nb; j++) best = Math.max(best, dot(a, i * d, b, j * d, d) / Math.sqrt(dot(a, i * d, a, i * d, d)));
  return (Math.acos(Math.min(1, best)) * 180) / Math.PI;
}

void test('exclusion: every packed point ends >= the angle from every excluded row, which the result reports exactly', async () => {
  const d = 16;
  const n = 24;
  const m = 40_000; // > BLOCK_ROWS: several streamed blocks
  const excluded = unitRows(m, d, 5);
  const params = withPackDefaults({ identities: n, dim: d, mode: 'paper', iterations: 120, seed: 3 }, false);
  // Unconstrained, the packing comes far closer to the set than 30°: the constraint binds.
  const free = await runPacking(params, null, { compute: await compute() });
  assert.ok(minCross(free.embeddings, n, excluded, m, d) < 30);
  const out = await runPacking(params, null, { compute: await compute() }, [{ role: 'exclude', source: memorySource(excluded, m, d, d, 'exclude'), minAngleDeg: 30 }]);
  const brute = minCross(out.embeddings, n, excluded, m, d);
  assert.ok(brute >= 30 - 1e-3, `brute-force min angle to the set ${brute}`);
  assert.ok(Math.abs(out.metrics.fixed!.exclusion!.minAngleDeg - brute) < 1e-3);
  assert.equal(out.metrics.fixed!.exclusion!.requiredMinAngleDeg, 30);
  assert.equal(out.metrics.fixed!.exclusion!.rows, m);
});

void test('exclusion that cannot be met fails FAILED_PRECONDITION and keeps a checkpoint, never returns violating points', async () => {
  const d = 3;
  const excluded = unitRows(2000, d, 9); // dense on S²: nothing is 60° from all of them
  const saved: Uint8Array[] = [];
  const store: PackCheckpointStore = { load: () => Promise.resolve(null), save: (b) => (saved.push(b), Promise.resolve()) };
  const params = withPackDefaults({ identities: 4, dim: d, mode: 'paper', iterations: 20, seed: 1, checkpointEvery: 1000 }, false);
  await assert.rejects(
    runPacking(params, null, { compute: await compute(), checkpoints: store }, [{ role: 'exclude', source: memorySource(excluded, 2000, d, d, 'exclude'), minAngleDeg: 60 }]),
    (e: unknown) => e instanceof FailedPreconditionError && /exclusion constraint not met/.test(e.message),
  );
  assert.equal(saved.length, 1, 'the best iterate is checkpointed before the job fails');
});

void test('extend: only new rows come back, they repel the fixed ones, and a seeded run is reproducible', async () => {
  const d = 6;
  const existing = unitRows(30, d, 21);
  const params = withPackDefaults({ identities: 12, dim: d, mode: 'paper', iterations: 150, seed: 7 }, false);
  const run = async () => runPacking(params, null, { compute: await compute() }, [{ role: 'extend', source: memorySource(existing, 30, d, d, 'extend'), minAngleDeg: 0 }]);
  const a = await run();
  const b = await run();
  assert.equal(a.embeddings.length, 12 * d);
  assert.deepEqual(a.embeddings, b.embeddings);
  const cross = minCross(a.embeddings, 12, existing, 30, d);
  assert.ok(Math.abs(a.metrics.fixed!.extension!.minAngleDeg - cross) < 1e-3);
  // Random new points in 6-D sit much closer to 30 existing ones than packed ones do.
  const rand = minCross(unitRows(12, d, 99), 12, existing, 30, d);
  assert.ok(cross > rand + 5, `new↔existing ${cross}° vs random ${rand}°`);
});

void test('fixed rows need paper or stochastic mode; bad sets are INVALID_ARGUMENT naming the field', async () => {
  const d = 4;
  const ex = unitRows(5, d, 1);
  await assert.rejects(
    runPacking(withPackDefaults({ identities: 4, dim: d, mode: 'fast' }, false), null, { compute: await compute() }, [{ role: 'exclude', source: memorySource(ex, 5, d, d, 'exclude'), minAngleDeg: 10 }]),
    (e: unknown) => e instanceof InvalidArgumentError && e.violations[0]!.field === 'mode',
  );
  const nan = Float32Array.from(ex);
  nan[6] = Number.NaN;
  const field = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof InvalidArgumentError ? `${e.violations[0]!.field}: ${e.violations[0]!.description}` : String(e);
    }
    return 'no error';
  };
  assert.match(field(() => memorySource(nan, 5, d, d, 'exclude.embeddings')), /^exclude\.embeddings: row 1 contains NaN/);
  assert.match(field(() => memorySource(ex, 5, d, 8, 'exclude.embeddings')), /^exclude\.embeddings: rows have 4 dimensions, the packing has 8/);
  assert.match(field(() => memorySource(new Float32Array(0), 0, d, d, 'exclude.embeddings')), /^exclude\.embeddings: the set is empty/);
  assert.match(field(() => checkExclusionAngle(180)), /^exclude_min_angle_deg/);
  assert.match(field(() => checkExclusionAngle(-1)), /^exclude_min_angle_deg/);
  assert.equal(field(() => checkExclusionAngle(179.9)), 'no error');
});

void test('impostor thresholds: the FAR quantile of pairwise cosines', () => {
  // 4 rows on a line of angles: cosines known in closed form.
  const d = 2;
  const angles = [0, 10, 30, 70];
  const rows = Float32Array.from(angles.flatMap((a) => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)]));
  const [t] = impostorThresholds(rows, 4, d, [1e-3]);
  assert.equal(t!.pairs, 6);
  assert.ok(Math.abs(t!.angleDeg - 10) < 1e-3, 'fewer than 1/FAR pairs: the largest impostor cosine');
  const [h] = impostorThresholds(rows, 4, d, [0.5]);
  assert.ok(Math.abs(h!.angleDeg - 40) < 1e-3, '3 of 6 pairs above: the 4th largest cosine (40°)');
});

void test('gradient fixed term: a fixed nearest neighbour replaces the packed one and receives nothing', () => {
  const d = 3;
  const x = unitRows(2, d, 4);
  const f = Float32Array.from([1, 0, 0]);
  const out = new Float32Array(2 * d);
  packingGradient({ x, n: 2, d, nn: Int32Array.from([1, 0]), alpha: 0, out, fixedVectors: f, fixedSlot: Int32Array.from([0, -1]) });
  const ref = new Float32Array(2 * d);
  // row 0 → f; row 1 → row 0 (and its reciprocal term on row 0)
  for (let c = 0; c < d; c++) {
    ref[c] = 0.5 * f[c]! + 0.5 * x[d + c]!;
    ref[d + c] = 0.5 * x[c]!;
  }
  for (let i = 0; i < 2; i++) {
    const p = dot(ref, i * d, x, i * d, d);
    for (let c = 0; c < d; c++) ref[i * d + c]! -= p * x[i * d + c]!;
  }
  for (let c = 0; c < 2 * d; c++) assert.ok(Math.abs(out[c]! - ref[c]!) < 1e-6);
});

void test('exclusion in stochastic mode: the constraint holds too', async () => {
  const d = 16;
  const m = 20_000;
  const excluded = unitRows(m, d, 6);
  const params = withPackDefaults({ identities: 32, dim: d, mode: 'stochastic', batchSize: 8, iterations: 80, seed: 2 }, false);
  const out = await runPacking(params, null, { compute: await compute() }, [{ role: 'exclude', source: memorySource(excluded, m, d, d, 'exclude'), minAngleDeg: 30 }]);
  assert.ok(minCross(out.embeddings, 32, excluded, m, d) >= 30 - 1e-3);
  assert.ok(out.metrics.minAngleDeg > 0);
});
