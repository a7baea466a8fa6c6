import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createComputeEngine, type ComputeEngine } from '../../runtime/compute/engine.js';
import { InvalidArgumentError } from '../../shared/errors.js';
import { Rng } from '../../util/rng.js';
import { CodeSet, planCode, traceRows, weightOf } from './spherical-code.js';
import { runPacking, withPackDefaults, type PackCheckpointStore, type PackRowSpool } from './index.js';

let engine: ComputeEngine | undefined;
async function compute(): Promise<ComputeEngine> {
  engine ??= await createComputeEngine({ threads: 1 });
  return engine;
}

/** Weights of every codeword spanned by `rows` (all 2^rows.length messages). */
function allWeights(rows: Uint32Array[], words: number): Set<number> {
  const seen = new Set<number>();
  const cur = new Uint32Array(words);
  for (let s = 1; s < 2 ** rows.length; s++) {
    const t = 31 - Math.clz32(s & -s);
    for (let j = 0; j < words; j++) cur[j]! ^= rows[t]![j]!;
    seen.add(weightOf(cur));
  }
  return seen;
}

const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);

void test('weights: Gold (dual 2-error BCH) and dual 3-error BCH codes take only their few weights', () => {
  const g5 = traceRows(5, [1, 3]);
  assert.deepEqual(sorted(allWeights(g5.rows, g5.words)), [12, 16, 20], 'm = 5 Gold: 16 ± 4, 16');
  const b5 = traceRows(5, [1, 3, 5]);
  assert.deepEqual(sorted(allWeights(b5.rows, b5.words)), [8, 12, 16, 20, 24], 'm = 5 3-error dual: 16 ± 4, ± 8');
  // m = 9 (D = 512): random codewords of each code (2^18 / 2^27 words: sampled here, exact per subcode in CodeSet)
  const rng = new Rng(3);
  for (const [powers, allowed] of [
    [[1, 3], [240, 256, 272]],
    [[1, 3, 5], [224, 240, 256, 272, 288]],
  ] as const) {
    const c = traceRows(9, powers);
    const seen = new Set<number>();
    const w = new Uint32Array(c.words);
    for (let s = 0; s < 4000; s++) {
      w.fill(0);
      for (const row of c.rows) if (rng.nextU32() & 1) for (let j = 0; j < c.words; j++) w[j]! ^= row[j]!;
      if (w.some((v) => v !== 0)) seen.add(weightOf(w));
    }
    assert.deepEqual(sorted(seen), [...allowed], `m = 9, powers ${powers.join(',')}`);
  }
});

/** Brute force over all pairs of the unrotated rows (float64). */
function brute(set: CodeSet, n: number, cols: number): { min: number; meanNn: number } {
  const x = new Float32Array(n * cols);
  set.rows(0, n, cols, x);
  let maxCos = -Infinity;
  let sumNn = 0;
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let c = 0; c < cols; c++) s += x[i * cols + c]! * x[j * cols + c]!;
      best = Math.max(best, s);
    }
    maxCos = Math.max(maxCos, best);
    sumNn += (Math.acos(Math.min(1, best)) * 180) / Math.PI;
  }
  return { min: (Math.acos(Math.min(1, maxCos)) * 180) / Math.PI, meanNn: sumNn / n };
}

void test('exact metrics equal brute force over all pairs (cross-polytope, Gold, 3-error dual; N not a power of two)', () => {
  for (const [n, d, family] of [
    [100, 50, 'cross-polytope'],
    [300, 64, 'gold'],
    [1500, 40, 'bch3'],
    [1100, 512, 'gold'],
  ] as const) {
    const plan = planCode(n, d);
    assert.equal(plan.family, family);
    const set = new CodeSet(plan, n, 5);
    const m = set.exactMetrics();
    const b = brute(set, n, d);
    assert.ok(Math.abs(m.minAngleDeg - b.min) < 1e-4, `${family} N=${n}: min ${m.minAngleDeg} vs ${b.min}`);
    assert.ok(Math.abs(m.meanNnAngleDeg - b.meanNn) < 1e-4, `${family} N=${n}: mean NN ${m.meanNnAngleDeg} vs ${b.meanNn}`);
    assert.ok(m.minAngleDeg >= plan.guaranteedMinAngleDeg - 1e-9, `${family}: ${m.minAngleDeg} >= guaranteed ${plan.guaranteedMinAngleDeg}`);
  }
});

void test('planCode states its limits: D = 512 guarantees 86.52° (Gold) then 82.92°; too many points or too small a D is INVALID_ARGUMENT', () => {
  const gold = planCode(262_144, 512);
  assert.equal(gold.family, 'gold');
  assert.equal(gold.guaranteedMinAngleDeg.toFixed(2), '86.52');
  const bch3 = planCode(1_000_000, 512);
  assert.equal(bch3.family, 'bch3');
  assert.equal(bch3.guaranteedMinAngleDeg.toFixed(2), '82.92');
  assert.equal(planCode(1024, 512).family, 'cross-polytope');
  assert.throws(() => planCode(4_194_305, 512), (e: unknown) => e instanceof InvalidArgumentError && /at most 4194304 identities/.test(e.message));
  assert.throws(() => planCode(41, 20), (e: unknown) => e instanceof InvalidArgumentError && /D >= 31/.test(e.message));
  assert.throws(() => planCode(40_000, 31), (e: unknown) => e instanceof InvalidArgumentError && /at most 32768/.test(e.message));
});

const params = (n: number, d: number, seed: number, extra: object = {}) => withPackDefaults({ identities: n, dim: d, mode: 'code', seed, ...extra }, false);

void test('mode code at N = 2,000 × 512: unit rows, every pair in fp32 equals the code prediction, exact metrics = brute force', async () => {
  const n = 2000;
  const d = 512;
  const out = await runPacking(params(n, d, 1), null, { compute: await compute() });
  const set = new CodeSet(planCode(n, d), n, 1);
  let maxErr = 0;
  let maxCos = -Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += out.embeddings[i * d + c]! * out.embeddings[j * d + c]!;
      maxErr = Math.max(maxErr, Math.abs(s - set.cosine(i, j)));
      if (j !== i) maxCos = Math.max(maxCos, s);
    }
  }
  assert.ok(maxErr < 1e-5, `max |fp32 cos − predicted| = ${maxErr}`);
  assert.ok(Math.abs((Math.acos(maxCos) * 180) / Math.PI - out.metrics.minAngleDeg) < 1e-3, `fp32 min angle vs exact ${out.metrics.minAngleDeg}`);
  assert.equal(out.metrics.minAngleDeg.toFixed(2), '86.52');
  assert.equal(out.code?.rotated, true);
  // rotated: not axis-aligned (the code's rows have 511 entries of ±0.0442 and one 0)
  let nearZero = 0;
  for (let c = 0; c < d; c++) if (Math.abs(out.embeddings[c]!) < 1e-3) nearZero++;
  assert.ok(nearZero < 50, `row 0 looks rotated (${nearZero} near-zero coordinates)`);
});

void test('mode code is deterministic per seed, and different seeds give different points', async () => {
  const a = await runPacking(params(5000, 128, 7), null, { compute: await compute() });
  const b = await runPacking(params(5000, 128, 7), null, { compute: await compute() });
  const c = await runPacking(params(5000, 128, 8), null, { compute: await compute() });
  assert.deepEqual(Buffer.from(a.embeddings.buffer), Buffer.from(b.embeddings.buffer), 'same seed: same bytes');
  assert.notDeepEqual(Buffer.from(a.embeddings.buffer), Buffer.from(c.embeddings.buffer));
  assert.equal(a.metrics.minAngleDeg, b.metrics.minAngleDeg);
});

class MemorySpool implements PackRowSpool {
  data = new Float32Array(0);
  synced = new Float32Array(0);
  dim = 0;
  open(rows: number, dim: number): Promise<void> {
    this.dim = dim;
    if (this.data.length === 0) this.data = new Float32Array(rows * dim);
    return Promise.resolve();
  }
  write(first: number, rows: Float32Array): Promise<void> {
    this.data.set(rows, first * this.dim);
    return Promise.resolve();
  }
  read(first: number, into: Float32Array): Promise<void> {
    into.set(this.synced.subarray(first * this.dim, first * this.dim + into.length));
    return Promise.resolve();
  }
  sync(): Promise<void> {
    this.synced = Float32Array.from(this.data);
    return Promise.resolve();
  }
}

void test('mode code resumes from its checkpoint and row spool and ends with the same bytes as an uninterrupted run', async () => {
  const p = params(30_000, 256, 3, { batchSize: 1000, checkpointEvery: 4, progressEvery: 1 });
  const ref = await runPacking(p, null, { compute: await compute() });
  let saved: Uint8Array | null = null;
  const store: PackCheckpointStore = { load: () => Promise.resolve(saved), save: (b) => Promise.resolve(void (saved = b)) };
  const spool = new MemorySpool();
  const abort = new AbortController();
  await assert.rejects(
    runPacking(p, null, { compute: await compute(), checkpoints: store, spool, signal: abort.signal, onProgress: (e) => e.iteration >= 10 && abort.abort() }),
  );
  assert.ok(saved, 'a checkpoint was written');
  // what a crash leaves: only what was synced counts; scribble on the rest
  spool.data.fill(Number.NaN, 8000 * 256);
  const seen: number[] = [];
  const resumed = await runPacking(p, null, { compute: await compute(), checkpoints: store, spool, onProgress: (e) => seen.push(e.iteration) });
  assert.equal(seen[0], 9, 'resumed after block 8 (the last checkpoint)');
  assert.deepEqual(Buffer.from(resumed.embeddings.buffer), Buffer.from(ref.embeddings.buffer));
});

void test('mode code refuses a gallery; max_seconds returns the unrotated code with the same exact metrics', async () => {
  const gallery = { data: new Float32Array(64).fill(1), rows: 1, dim: 64 };
  await assert.rejects(runPacking(params(500, 64, 0), { data: gallery.data, rows: 1 }, { compute: await compute() }), (e: unknown) => e instanceof InvalidArgumentError && /gallery-free/.test(e.message));
  const full = await runPacking(params(200_000, 512, 2), null, { compute: await compute() });
  const cut = await runPacking(params(200_000, 512, 2, { maxSeconds: 0.5, batchSize: 256 }), null, { compute: await compute() });
  assert.equal(cut.stopReason, 'max_seconds');
  assert.equal(cut.code?.rotated, false);
  assert.equal(cut.metrics.minAngleDeg, full.metrics.minAngleDeg);
  assert.ok(cut.code.maxCosineError < 1e-5);
  const s = 1 / Math.sqrt(511);
  assert.ok(Math.abs(Math.abs(cut.embeddings[0]!) - s) < 1e-7 && cut.embeddings[511] === 0, 'axis-aligned code rows');
});

void test('init code: fast and paper start from the code (its exact min angle at the first evaluation); with a gallery the term pulls them', async () => {
  const seen: number[] = [];
  const fast = await runPacking(withPackDefaults({ identities: 1500, dim: 40, mode: 'fast', init: 'code', iterations: 12, progressEvery: 1, seed: 2 }, false), null, {
    compute: await compute(),
    onProgress: (e) => seen.push(e.metrics.minAngleDeg),
  });
  assert.ok(Math.abs(seen[0]! - 61.06) < 0.01, `first evaluation is the code's 61.06°: ${seen[0]}`);
  assert.ok(fast.metrics.minAngleDeg >= 61.06 - 0.01, `fast returns its best iterate: ${fast.metrics.minAngleDeg}`);
  const rng = new Rng(4);
  const gallery = Float32Array.from({ length: 50 * 64 }, () => rng.normal());
  const paper = await runPacking(withPackDefaults({ identities: 300, dim: 64, mode: 'paper', init: 'code', iterations: 30, seed: 2 }, true), { data: gallery, rows: 50 }, { compute: await compute() });
  assert.ok(paper.metrics.meanGalleryDistance > 0 && paper.metrics.meanGalleryDistance < 1, `gallery distance ${paper.metrics.meanGalleryDistance}`);
});
