import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dot, normalizeRows, normalizedRows64 } from './vec.js';

test('dot: every length (the unrolled part and the tail), at offsets', () => {
  for (let d = 0; d <= 9; d++) {
    const a = Float64Array.from({ length: d + 2 }, (_, i) => i + 1);
    const b = Float32Array.from({ length: d + 1 }, (_, i) => 2 - i);
    let want = 0;
    for (let c = 0; c < d; c++) want += a[2 + c]! * b[1 + c]!;
    assert.equal(dot(a, 2, b, 1, d), want);
  }
});

test('normalizeRows: unit rows in place; a zero row stays zero, or becomes e_0 when asked', () => {
  const x = Float32Array.from([3, 4, 0, 0]);
  assert.equal(normalizeRows(x, 2, 2), x);
  assert.deepEqual(Array.from(x), [0.6000000238418579, 0.800000011920929, 0, 0]);
  assert.deepEqual(Array.from(normalizeRows(Float32Array.from([0, 0, 0, 2]), 2, 2, 'e0')), [1, 0, 0, 1]);
});

test('normalizedRows64: a float64 copy of the first rows, the input untouched', () => {
  const x = Float32Array.from([0, 2, 1, 1, 9]);
  const y = normalizedRows64(x, 2, 2);
  assert.deepEqual(Array.from(y), [0, 1, 1 / Math.SQRT2, 1 / Math.SQRT2]);
  assert.deepEqual(Array.from(x), [0, 2, 1, 1, 9]);
});
