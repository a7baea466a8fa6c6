import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createComputeEngine, type ComputeEngine } from '../../runtime/compute/engine.js';
import { InvalidArgumentError } from '../../shared/errors.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { dot, normalizeRows, packingGradient, packingLossDense, projectTangent } from './objective.js';
import { Rng } from '../../util/rng.js';
import { packSidecar, runPacking, STOCHASTIC_ABOVE, validatePackParams, withPackDefaults, type PackCheckpointStore, type PackParams } from './index.js';

let engine: ComputeEngine | undefined;
async function compute(): Promise<ComputeEngine> {
  engine ??= await createComputeEngine({ threads: 1 });
  return engine;
}

function gaussian(n: number, d: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n * d }, () => r.normal());
}

void test('gradient matches central finite differences (with gallery, through the normalisation)', () => {
  const n = 7;
  const d = 5;
  const g = 4;
  const raw = gaussian(n, d, 11).map((v) => v * 1.7);
  const gallery = gaussian(g, d, 12);
  normalizeRows(gallery, g, d);
  const alpha = 0.7;
  const xh = Float32Array.from(raw);
  normalizeRows(xh, n, d);
  const nn = new Int32Array(n);
  const gnn = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let j = 0; j < n; j++) {
      const c = dot(xh, i * d, xh, j * d, d);
      if (j !== i && c > best) {
        best = c;
        nn[i] = j;
      }
    }
    best = -Infinity;
    for (let k = 0; k < g; k++) {
      const c = dot(xh, i * d, gallery, k * d, d);
      if (c > best) {
        best = c;
        gnn[i] = k;
      }
    }
  }
  const out = new Float32Array(n * d);
  packingGradient({ x: xh, n, d, nn, gallery, galleryNn: gnn, alpha, out });
  const h = 1e-4;
  const x64 = Float64Array.from(raw);
  for (let i = 0; i < n; i++) {
    const norm = Math.sqrt(dot(raw, i * d, raw, i * d, d));
    for (let c = 0; c < d; c++) {
      const k = i * d + c;
      const keep = x64[k]!;
      x64[k] = keep + h;
      const up = packingLossDense(x64, n, d, gallery, g, alpha);
      x64[k] = keep - h;
      const down = packingLossDense(x64, n, d, gallery, g, alpha);
      x64[k] = keep;
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(fd - out[k]! / norm) < 2e-4, `d/dx[${i},${c}]: fd ${fd} vs analytic ${out[k]! / norm}`);
    }
  }
});

void test('tangent projection and re-normalisation', () => {
  const n = 5;
  const d = 6;
  const x = gaussian(n, d, 1);
  normalizeRows(x, n, d);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(dot(x, i * d, x, i * d, d) - 1) < 1e-6);
  const g = gaussian(n, d, 2);
  projectTangent(g, x, n, d);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(dot(g, i * d, x, i * d, d)) < 1e-6);
});

void test('rng is deterministic and resumable from its state', () => {
  const a = new Rng(42);
  a.normal();
  const st = a.state();
  const b = new Rng(st);
  assert.deepEqual([a.nextU32(), a.normal(), a.uniform()], [b.nextU32(), b.normal(), b.uniform()]);
  assert.notEqual(new Rng(1).nextU32(), new Rng(2).nextU32());
  const s = new Rng(3).sample(10, 10);
  assert.deepEqual(Array.from(s).sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

void test('checkpoint codec round-trips and rejects garbage', () => {
  const cp = { fingerprint: 'f', iteration: 7, rng: [1, 2, 3, 4], elapsedSeconds: 1.5, scalars: { tau0: 0.1 }, arrays: { x: Float32Array.from([1, 2, 3]), cand: Int32Array.from([4, 5]) } };
  const back = decodeCheckpoint(encodeCheckpoint(cp));
  assert.deepEqual(back, cp);
  assert.throws(() => decodeCheckpoint(new Uint8Array(20)), { name: 'FailedPreconditionError' });
});

void test('defaults and validation use the proto field names', () => {
  const p = withPackDefaults({ identities: 1000, dim: 64, mode: 'paper' }, true);
  assert.equal(p.iterations, 500);
  assert.equal(p.init, 'gallery');
  assert.equal(p.alpha, 1);
  assert.equal(p.learningRate, 0.01);
  assert.equal(withPackDefaults({ identities: 100_000, dim: 64, mode: 'stochastic' }, false).iterations, 1000);
  assert.equal(withPackDefaults({ identities: 1000, dim: 64 }, false).init, 'random');
  // no mode: the paper's Algorithm 1 up to STOCHASTIC_ABOVE identities, its stochastic Algorithm 2 above
  for (const n of [2, 1000, STOCHASTIC_ABOVE]) assert.equal(withPackDefaults({ identities: n, dim: 64 }, true).mode, 'paper');
  assert.equal(withPackDefaults({ identities: STOCHASTIC_ABOVE + 1, dim: 64 }, true).mode, 'stochastic');
  // fewer full-batch steps as one step's N² cost grows, never below 100
  const its = [2, 2000, 5000, 10_000, 20_000].map((n) => withPackDefaults({ identities: n, dim: 64 }, true).iterations);
  assert.deepEqual(its, [500, 500, 200, 100, 100]);
  try {
    validatePackParams({ ...p, identities: 1, learningRate: -1, batchSize: 0, maxSeconds: -1 });
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof InvalidArgumentError);
    assert.deepEqual(
      e.violations.map((v) => v.field),
      ['identities', 'learning_rate', 'batch_size', 'max_seconds'],
    );
  }
});

class MemoryStore implements PackCheckpointStore {
  saves = 0;
  bytes: Uint8Array | null = null;
  constructor(private readonly onSave?: (n: number) => void) {}
  async load() {
    return this.bytes;
  }
  async save(b: Uint8Array) {
    this.bytes = b;
    this.saves++;
    this.onSave?.(this.saves);
  }
}

for (const [mode, n, d, extra] of [
  ['paper', 40, 8, {}],
  ['stochastic', 60, 8, { batchSize: 16 }],
  ['fast', 120, 8, {}],
] as const) {
  void test(`${mode}: interrupted + resumed run ends with exactly the uninterrupted result`, async () => {
    const c = await compute();
    const p: PackParams = withPackDefaults({ identities: n, dim: d, mode, iterations: 40, checkpointEvery: 6, seed: 5, ...extra }, true);
    const gallery = { data: gaussian(30, d, 9), rows: 30 };
    const full = await runPacking(p, gallery, { compute: c, checkpoints: new MemoryStore() });
    const ac = new AbortController();
    const store = new MemoryStore((k) => k === 3 && ac.abort());
    await assert.rejects(runPacking(p, gallery, { compute: c, checkpoints: store, signal: ac.signal }), { name: 'CancelledError' });
    assert.equal(decodeCheckpoint(store.bytes!).iteration, 18);
    const resumed = await runPacking(p, gallery, { compute: c, checkpoints: store });
    assert.equal(resumed.iterationsRun, 40);
    assert.deepEqual(Buffer.from(resumed.embeddings.buffer), Buffer.from(full.embeddings.buffer));
    assert.equal(resumed.metrics.minAngleDeg, full.metrics.minAngleDeg);
  });
}

const deg = (rad: number) => (rad * 180) / Math.PI;

void test('fast mode above 4096 points (Adam, K = 8 refreshed every 2 steps): improves, reports exact metrics, resumes exactly', async () => {
  const c = await compute();
  const [n, d] = [4200, 12];
  const p = withPackDefaults({ identities: n, dim: d, mode: 'fast', iterations: 30, checkpointEvery: 4, progressEvery: 1 }, false);
  const seen: number[] = [];
  const full = await runPacking(p, null, { compute: c, checkpoints: new MemoryStore(), onProgress: (e) => seen.push(e.metrics.minAngleDeg) });
  assert.ok(full.metrics.minAngleDeg > seen[0]! + 2, `${seen[0]} -> ${full.metrics.minAngleDeg}`);
  // reported min angle = brute force over the returned points
  const x = full.embeddings;
  let worst = -1;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) worst = Math.max(worst, dot(x, i * d, x, j * d, d));
  assert.ok(Math.abs(deg(Math.acos(Math.min(1, worst))) - full.metrics.minAngleDeg) < 1e-3, `${deg(Math.acos(worst))} vs ${full.metrics.minAngleDeg}`);
  const ac = new AbortController();
  const store = new MemoryStore((k) => k === 2 && ac.abort());
  await assert.rejects(runPacking(p, null, { compute: c, checkpoints: store, signal: ac.signal }), { name: 'CancelledError' });
  const resumed = await runPacking(p, null, { compute: c, checkpoints: store });
  assert.deepEqual(Buffer.from(resumed.embeddings.buffer), Buffer.from(full.embeddings.buffer));
});


const optima: [string, number, number, number][] = [
  ['simplex D=3', 4, 3, deg(Math.acos(-1 / 3))],
  ['simplex D=8', 9, 8, deg(Math.acos(-1 / 8))],
  ['cross-polytope D=3 (octahedron)', 6, 3, 90],
  ['cross-polytope D=8', 16, 8, 90],
  ['icosahedron', 12, 3, 63.4349],
  ['24-cell', 24, 4, 60],
  ['N=5 D=3', 5, 3, 90],
  ['N=7 D=3', 7, 3, 77.8695],
  ['square antiprism N=8 D=3', 8, 3, 74.8585],
];
for (const [name, n, d, want] of optima) {
  void test(`fast mode reaches the known optimum: ${name} (${want.toFixed(3)}°)`, async () => {
    const out = await runPacking(withPackDefaults({ identities: n, dim: d, mode: 'fast' }, false), null, { compute: await compute() });
    assert.ok(out.metrics.minAngleDeg > want - 0.5, `got ${out.metrics.minAngleDeg}`);
    assert.ok(out.metrics.minAngleDeg < want + 0.01, `beats the optimum? ${out.metrics.minAngleDeg}`);
  });
}

void test('paper mode improves the minimum angle of random points', async () => {
  const p = withPackDefaults({ identities: 200, dim: 16, mode: 'paper', iterations: 150 }, false);
  const first: number[] = [];
  const out = await runPacking(p, null, { compute: await compute(), onProgress: (e) => first.push(e.metrics.minAngleDeg) });
  assert.ok(out.metrics.minAngleDeg > first[0]! + 5, `${first[0]} -> ${out.metrics.minAngleDeg}`);
});

void test('abort stops the run with the signal reason', async () => {
  const ac = new AbortController();
  const p = withPackDefaults({ identities: 50, dim: 8, mode: 'paper', iterations: 1000, progressEvery: 1 }, false);
  await assert.rejects(
    runPacking(p, null, { compute: await compute(), signal: ac.signal, onProgress: (e) => e.iteration === 3 && ac.abort() }),
    { name: 'CancelledError' },
  );
});

void test('max_seconds stops early; paper mode returns the final iterate (Algorithm 1), not the best one', async () => {
  const seen: number[] = [];
  const p = withPackDefaults({ identities: 300, dim: 8, mode: 'paper', iterations: 1_000_000, maxSeconds: 0.4, progressEvery: 1, learningRate: 0.05 }, false);
  const out = await runPacking(p, null, { compute: await compute(), onProgress: (e) => seen.push(e.metrics.minAngleDeg) });
  assert.equal(out.stopReason, 'max_seconds');
  assert.ok(out.iterationsRun < 1_000_000 && seen.length > 0);
  const side = packSidecar(p, out, { npy: 'result.npy' });
  assert.equal((side.software as { version: string }).version, '0.1.0');
  assert.equal(side.seed, 0);
  assert.equal(side.npy, 'result.npy');
});

for (const mode of ['paper', 'stochastic'] as const) {
  void test(`${mode}: the result is the last iterate (metrics of step T+1's start), not the best min angle seen`, async () => {
    const c = await compute();
    const base = { identities: 120, dim: 6, mode, learningRate: 0.2, seed: 2, batchSize: 32, progressEvery: 1 };
    const seen: number[] = [];
    const out = await runPacking(withPackDefaults({ ...base, iterations: 60 }, false), null, { compute: c });
    const longer = await runPacking(withPackDefaults({ ...base, iterations: 61 }, false), null, { compute: c, onProgress: (e) => seen.push(e.metrics.minAngleDeg) });
    assert.ok(longer.iterationsRun === 61);
    // the 61st step starts from the 60-step result; a large learning rate keeps the min angle noisy
    if (mode === 'paper') assert.ok(Math.abs(seen[60]! - out.metrics.minAngleDeg) < 1e-3, `${seen[60]} vs ${out.metrics.minAngleDeg}`);
    assert.ok(Math.max(...seen.slice(0, 61)) > out.metrics.minAngleDeg + 0.1, `best ${Math.max(...seen)} vs returned ${out.metrics.minAngleDeg}`);
  });
}

void test('stochastic: Adam as torch.optim.Adam on the full tensor: rows outside the batch keep decaying moments and move by momentum', async () => {
  const c = await compute();
  const [n, d] = [40, 6];
  const states: ReturnType<typeof decodeCheckpoint>[] = [];
  const store: PackCheckpointStore = { load: async () => null, save: async (b) => void states.push(decodeCheckpoint(b)) };
  const p = withPackDefaults({ identities: n, dim: d, mode: 'stochastic', batchSize: 4, iterations: 4, checkpointEvery: 1, seed: 3 }, false);
  await runPacking(p, null, { compute: c, checkpoints: store });
  assert.equal(states.length, 3);
  type St = { x: Float32Array; m: Float32Array; v: Float32Array };
  const a = states[0]!.arrays as St;
  const b = states[1]!.arrays as St;
  let decayed = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    if (a.m[o] === 0) continue;
    // outside step 2's batch: zero gradient, so m ← β1·m and v ← β2·v exactly (never frozen)
    const outside = Array.from({ length: d }, (_, k) => b.m[o + k] === Math.fround(0.9 * a.m[o + k]!) && b.v[o + k] === Math.fround(0.999 * a.v[o + k]!)).every(Boolean);
    for (let k = 0; k < d; k++) assert.notEqual(b.m[o + k], a.m[o + k], `row ${i}: frozen moment`);
    if (!outside) continue;
    decayed++;
    assert.ok(Array.from({ length: d }, (_, k) => b.x[o + k] !== a.x[o + k]).some(Boolean), `row ${i} did not move by its momentum`);
  }
  assert.ok(decayed >= 1, 'some row of step 1 is outside step 2');
});

void test('rejects a gallery of the wrong shape', async () => {
  const p = withPackDefaults({ identities: 10, dim: 4 }, true);
  await assert.rejects(runPacking(p, { data: new Float32Array(10), rows: 3 }, { compute: await compute() }), { name: 'InvalidArgumentError' });
});

void test('release', async () => {
  await engine?.release();
});
