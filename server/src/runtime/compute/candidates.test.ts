import { test } from 'node:test';
import assert from 'node:assert/strict';
import { candidateLists, selectTopK } from './candidates.js';
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

const dot = (x: Float32Array, i: number, j: number, d: number) => {
  let s = 0;
  for (let c = 0; c < d; c++) s += x[i * d + c]! * x[j * d + c]!;
  return s;
};

void test('candidateLists: the previous lists, their neighbours and the reverse lists, deduplicated, never the row itself', () => {
  // a ring: i's list is [i+1, i+2] (mod n)
  const n = 10;
  const kPrev = 2;
  const prev = new Int32Array(n * kPrev);
  for (let i = 0; i < n; i++) prev.set([(i + 1) % n, (i + 2) % n], i * kPrev);
  const { index, width } = candidateLists({ prev, n, kPrev, hops: 2, reverse: 2, random: 0, uniform: () => 0 });
  for (let i = 0; i < n; i++) {
    const row = [...index.subarray(i * width, (i + 1) * width)].filter((j) => j >= 0);
    assert.ok(!row.includes(i), `row ${i} lists itself`);
    assert.equal(new Set(row).size, row.length, `row ${i} has duplicates`);
    // i+1, i+2 (own), i+3, i+4 (their neighbours), i-1, i-2 (rows listing i)
    assert.deepEqual([...row].sort((a, b) => a - b), [1, 2, 3, 4, -1, -2].map((o) => (i + o + n) % n).sort((a, b) => a - b));
  }
});

void test('selectTopK keeps the k largest, best first, and skips unused slots', () => {
  const cand = Int32Array.from([5, -1, 7, 2, 9]);
  const dots = Float32Array.from([0.1, 99, 0.5, 0.3, -0.2]);
  const index = new Int32Array(3);
  const value = new Float32Array(3);
  selectTopK(cand, dots, 1, 5, 3, index, value, 0);
  assert.deepEqual([...index], [7, 2, 5]);
  assert.deepEqual([...value].map((v) => +v.toFixed(3)), [0.5, 0.3, 0.1]);
});

void test('refineNeighbours: exact inner products of the candidates; from the exact graph of a moved set it recovers the exact kNN of most rows', async () => {
  const n = 600;
  const d = 16;
  const k = 4;
  const x = randomUnit(n, d, 3);
  // tiny blocks: many runs of the candidate graph
  const engine = await createComputeEngine({ threads: 1, blockElements: 40 * 16 * 7 });
  try {
    const exact0 = await engine.nearestNeighbours(x, n, d, k);
    // move every point a little, then refine from the old graph
    const y = randomUnit(n, d, 4);
    for (let c = 0; c < n * d; c++) x[c] = x[c]! + 0.05 * y[c]!;
    for (let i = 0; i < n; i++) {
      const s = Math.sqrt(dot(x, i, i, d));
      for (let c = 0; c < d; c++) x[i * d + c]! /= s;
    }
    let u = 0;
    const r = await engine.refineNeighbours({ x, n, dim: d, prev: exact0.index, kPrev: k, k, uniform: () => (u = (u + 0.6180339887) % 1), random: 2 });
    const truth = await engine.nearestNeighbours(x, n, d, k);
    let sameNearest = 0;
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < k; a++) {
        const j = r.index[i * k + a]!;
        assert.notEqual(j, i);
        assert.ok(Math.abs(r.value[i * k + a]! - dot(x, i, j, d)) < 1e-5, 'values are the exact inner products');
        if (a > 0) assert.ok(r.value[i * k + a]! <= r.value[i * k + a - 1]!, 'best first');
      }
      if (r.index[i * k] === truth.index[i * k]) sameNearest++;
    }
    // small moves: the previous graph's neighbourhoods still hold the new nearest neighbour
    assert.ok(sameNearest >= 0.95 * n, `nearest neighbour recovered for ${sameNearest}/${n} rows`);
    assert.ok(engine.passSeconds('nn', n, d)! >= 0, 'the full pass was timed');
    assert.equal(engine.passSeconds('gallery', n, d, 5), undefined);
  } finally {
    await engine.release();
  }
});

void test('refineGallery: exact inner products with gallery candidates; after a small move it finds the exact nearest gallery row of most rows', async () => {
  const n = 400;
  const g = 300;
  const d = 16;
  const x = randomUnit(n, d, 5);
  const gallery = randomUnit(g, d, 6);
  const engine = await createComputeEngine({ threads: 1, blockElements: 30 * 16 * 5 });
  try {
    const before = await engine.nearestGallery(x, n, gallery, g, d);
    const neighbours = (await engine.nearestNeighbours(x, n, d, 4)).index;
    const galleryGraph = (await engine.nearestNeighbours(gallery, g, d, 6)).index;
    const y = randomUnit(n, d, 7);
    for (let c = 0; c < n * d; c++) x[c] = x[c]! + 0.05 * y[c]!;
    for (let i = 0; i < n; i++) {
      const s = Math.sqrt(dot(x, i, i, d));
      for (let c = 0; c < d; c++) x[i * d + c]! /= s;
    }
    let u = 0;
    const r = await engine.refineGallery({ x, n, gallery, g, dim: d, prevGallery: before.index, galleryGraph, kg: 6, neighbours, k: 4, uniform: () => (u = (u + 0.618034) % 1) });
    const truth = await engine.nearestGallery(x, n, gallery, g, d);
    let same = 0;
    for (let i = 0; i < n; i++) {
      const j = r.index[i]!;
      let e = 0;
      for (let c = 0; c < d; c++) e += x[i * d + c]! * gallery[j * d + c]!;
      assert.ok(Math.abs(r.value[i]! - e) < 1e-5);
      if (j === truth.index[i]) same++;
    }
    assert.ok(same >= 0.95 * n, `nearest gallery row recovered for ${same}/${n} rows`);
  } finally {
    await engine.release();
  }
});
