import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNpy, decodeNpyMatrix, encodeNpy, encodeNpyFloat32, NpyFormatError } from './npy.js';

test('float32 round trip keeps shape and values', () => {
  const data = Float32Array.from({ length: 12 }, (_, i) => i / 7);
  const back = decodeNpyMatrix(encodeNpyFloat32(data, 3, 4));
  assert.equal(back.rows, 3);
  assert.equal(back.cols, 4);
  assert.deepEqual(Array.from(back.data), Array.from(data));
});

test('header is 64-byte aligned and numpy reads what we write', () => {
  const bytes = encodeNpy({ dtype: 'float32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) });
  const dir = mkdtempSync(join(tmpdir(), 'npy-'));
  writeFileSync(join(dir, 'a.npy'), bytes);
  const out = execFileSync('python3', ['-c', `import numpy as np; a=np.load('${dir}/a.npy'); print(a.dtype, a.shape, a.sum()); np.save('${dir}/b.npy', np.arange(5, dtype=np.int64)); np.save('${dir}/c.npy', np.array([True, False]))`]).toString();
  assert.equal(out.trim(), 'float32 (2, 3) 21.0');
  const b = decodeNpy(readFileSync(join(dir, 'b.npy')));
  assert.deepEqual(b.shape, [5]);
  assert.equal(b.dtype, 'int64');
  assert.deepEqual(Array.from(b.data as BigInt64Array, Number), [0, 1, 2, 3, 4]);
  const c = decodeNpy(readFileSync(join(dir, 'c.npy')));
  assert.equal(c.dtype, 'bool');
  assert.deepEqual(Array.from(c.data as Uint8Array), [1, 0]);
});

test('rejects garbage and truncation with a clear error', () => {
  assert.throws(() => decodeNpy(Uint8Array.of(1, 2, 3)), NpyFormatError);
  const good = encodeNpyFloat32(new Float32Array(8), 2, 4);
  assert.throws(() => decodeNpy(good.subarray(0, good.length - 4)), /truncated/);
  assert.throws(() => encodeNpy({ dtype: 'float32', shape: [3, 3], data: new Float32Array(4) }), /needs 9/);
});
