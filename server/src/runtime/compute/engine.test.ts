import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createComputeEngine } from './engine.js';

function randomUnit(n: number, d: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let nn = 0;
    for (let c = 0; c < d; c++) nn += (x[i * d + c] = rnd()) ** 2;
    for (let c = 0; c < d; c++) x[i * d + c]! /= Math.sqrt(nn);
  }
  return x;
}

function bruteTopK(q: Float32Array, rows: number, keys: Float32Array, m: number, d: number, k: number, self: boolean) {
  const index: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const s: [number, number][] = [];
    for (let j = 0; j < m; j++) {
      if (self && i === j) continue;
      let dot = 0;
      for (let c = 0; c < d; c++) dot += q[i * d + c]! * keys[j * d + c]!;
      s.push([dot, j]);
    }
    s.sort((a, b) => b[0] - a[0]);
    index.push(s.slice(0, k).map((p) => p[1]));
  }
  return index;
}

for (const selfMask of ['js', 'graph'] as const) {
  void test(`nearestNeighbours matches brute force across blocks (selfMask=${selfMask})`, async () => {
    const n = 300;
    const d = 16;
    const x = randomUnit(n, d, 7);
    // tiny blocks force many runs / sub-blocks
    const engine = await createComputeEngine({ threads: 1, blockElements: 64 * n, selfMask });
    const k = 3;
    const r = await engine.nearestNeighbours(x, n, d, k);
    const want = bruteTopK(x, n, x, n, d, k, true);
    for (let i = 0; i < n; i++) {
      assert.deepEqual(Array.from(r.index.subarray(i * k, i * k + k)), want[i], `row ${i}`);
      assert.ok(r.value[i * k]! >= r.value[i * k + 1]!);
    }
    // k = 1 (ReduceMax/ArgMax graph when masking in-graph)
    const one = await engine.nearestNeighbours(x, n, d, 1);
    for (let i = 0; i < n; i++) assert.equal(one.index[i], want[i]![0], `row ${i} (k=1)`);
    assert.equal(engine.provider, 'cpu');
    await engine.release();
  });
}

for (const [n, block, k] of [
  [300, 64, 5],
  [257, 40, 16],
  [90, 7, 12],
  [33, 1024, 32],
  [300, 96, 3],
  [520, 200, 8],
] as const) {
  void test(`nearestNeighbours on symmetric Gram blocks matches brute force (n=${n}, block=${block}, k=${k})`, async () => {
    const d = 24;
    const x = randomUnit(n, d, n + k);
    const engine = await createComputeEngine({ threads: 1, nnBlock: block, blockElements: 1 << 20 });
    const blockwise = await createComputeEngine({ threads: 1, nnBlock: 0 });
    const r = await engine.nearestNeighbours(x, n, d, k);
    const old = await blockwise.nearestNeighbours(x, n, d, k);
    const want = bruteTopK(x, n, x, n, d, k, true);
    for (let i = 0; i < n; i++) {
      assert.deepEqual(Array.from(r.index.subarray(i * k, i * k + k)), want[i], `row ${i}`);
      assert.deepEqual(Array.from(old.index.subarray(i * k, i * k + k)), want[i], `row ${i} (blockwise)`);
      for (let a = 0; a < k; a++) {
        const j = r.index[i * k + a]!;
        let dot = 0;
        for (let c = 0; c < d; c++) dot += x[i * d + c]! * x[j * d + c]!;
        assert.ok(Math.abs(r.value[i * k + a]! - dot) < 1e-5, `value row ${i}`);
      }
    }
    await engine.release();
    await blockwise.release();
  });
}

void test('nearestGallery and topK with explicit queries and self indices', async () => {
  const d = 8;
  const x = randomUnit(50, d, 3);
  const g = randomUnit(40, d, 5);
  const engine = await createComputeEngine({ threads: 1 });
  const r = await engine.nearestGallery(x, 50, g, 40, d);
  const want = bruteTopK(x, 50, g, 40, d, 1, false);
  assert.deepEqual(Array.from(r.index), want.map((w) => w[0]));
  // random subset of rows against all rows, excluding each row itself
  const rows = Int32Array.from([4, 17, 0, 33]);
  const q = new Float32Array(rows.length * d);
  rows.forEach((row, i) => q.set(x.subarray(row * d, row * d + d), i * d));
  const t = await engine.topK({ queries: q, rows: rows.length, keys: x, keyRows: 50, dim: d, k: 2, selfIndex: rows });
  const all = bruteTopK(x, 50, x, 50, d, 2, true);
  rows.forEach((row, i) => assert.deepEqual(Array.from(t.index.subarray(i * 2, i * 2 + 2)), all[row]));
  assert.equal(engine.sessionCount > 0, true);
  await engine.release();
});

void test('device gpu falls back to cpu with a log line when no adapter exists', async (t) => {
  const lines: string[] = [];
  const engine = await createComputeEngine({ device: 'gpu', threads: 1, log: (m) => lines.push(m) });
  if (engine.provider === 'webgpu') {
    t.skip('a WebGPU adapter is present');
  } else {
    assert.ok(lines.some((l) => /falling back to the CPU EP/.test(l)), lines.join('\n'));
  }
  await engine.release();
});

void test('abort between blocks', async () => {
  const engine = await createComputeEngine({ threads: 1, blockElements: 1024 });
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(engine.nearestNeighbours(randomUnit(64, 4, 1), 64, 4, 1, ac.signal), { name: 'CancelledError' });
  await engine.release();
});

test('matmul: a row block times a fixed matrix equals the float64 product (mode code rotation)', async () => {
  const engine = await createComputeEngine({ threads: 1 });
  try {
    const [rows, inner, cols] = [37, 31, 40];
    const a = randomUnit(rows, inner, 3);
    const b = randomUnit(inner, cols, 4);
    const y = await engine.matmul(a, rows, inner, b, cols);
    assert.equal(y.length, rows * cols);
    let worst = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let k = 0; k < inner; k++) s += a[i * inner + k]! * b[k * cols + j]!;
        worst = Math.max(worst, Math.abs(s - y[i * cols + j]!));
      }
    }
    assert.ok(worst < 1e-5, `max |Δ| ${worst}`);
    // a second shape gets its own session; the first is reused
    await engine.matmul(a, 5, inner, b, cols);
    await engine.matmul(a, rows, inner, b, cols);
    assert.equal(engine.sessionCount, 2);
  } finally {
    await engine.release();
  }
});
