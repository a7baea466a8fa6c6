import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FailedPreconditionError, InvalidArgumentError } from '../../shared/errors.js';
import { buildOnnxModel } from '../compute/onnx-graph.js';
import { validateModelEntry } from '../models/config.js';
import { batchToInput } from './image-tensor.js';
import { createOnnxRecognizer } from './onnx.js';

const S = 16;
const D = 8;
const IN = 3 * S * S;
// Deterministic projection weights [IN, D].
const W = new Float32Array(IN * D).map((_, i) => Math.sin(i * 0.37) * 0.05);

function projectionModel(batch: number | string, layout: 'NCHW' | 'NHWC' = 'NCHW'): Uint8Array {
  const shape = layout === 'NCHW' ? [batch, 3, S, S] : [batch, S, S, 3];
  return buildOnnxModel({
    inputs: [{ name: 'data', dtype: 'float32', shape }],
    outputs: [{ name: 'fc1', dtype: 'float32', shape: [batch, D] }],
    initializers: [{ name: 'w', dims: [IN, D], data: W }],
    nodes: [
      { op: 'Flatten', inputs: ['data'], outputs: ['flat'], attributes: { axis: 1 } },
      { op: 'MatMul', inputs: ['flat', 'w'], outputs: ['fc1'] },
    ],
  });
}

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-onnx-'));
  await writeFile(join(dir, 'dynamic.onnx'), projectionModel('N'));
  await writeFile(join(dir, 'fixed1.onnx'), projectionModel(1));
  await writeFile(join(dir, 'garbage.onnx'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  await writeFile(
    join(dir, 'rank2.onnx'),
    buildOnnxModel({ inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 4] }], outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 4] }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] }),
  );
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function entry(file: string, extra: Record<string, unknown> = {}) {
  return validateModelEntry({ name: 'tiny', kind: 'recognizer', backend: 'onnx', files: [join(dir, file)], input: { size: S }, ...extra }, 'models.entries[0]');
}

function images(n: number, size = S): Uint8Array {
  return new Uint8Array(n * size * size * 3).map((_, i) => (i * 13 + Math.floor(i / (size * size * 3)) * 71) % 256);
}

/** Reference: ArcFace normalisation, NCHW, x·W, L2-normalised. */
function reference(data: Uint8Array, n: number): Float32Array {
  const spec = entry('dynamic.onnx').input;
  const x = batchToInput({ data, count: n, size: S }, 0, n, spec);
  const out = new Float32Array(n * D);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < D; j++) {
      let s = 0;
      for (let k = 0; k < IN; k++) s += (x[r * IN + k] ?? 0) * (W[k * D + j] ?? 0);
      out[r * D + j] = s;
    }
    const norm = Math.hypot(...out.subarray(r * D, (r + 1) * D));
    for (let j = 0; j < D; j++) out[r * D + j] = (out[r * D + j] ?? 0) / norm;
  }
  return out;
}

function assertClose(a: Float32Array, b: Float32Array): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs((a[i] ?? 0) - (b[i] ?? 0)) < 1e-4, `index ${i}: ${a[i]} vs ${b[i]}`);
}

void test('onnx recognizer with a dynamic batch: batch 1 and 5 match the reference maths', async () => {
  const rec = await createOnnxRecognizer(entry('dynamic.onnx'));
  try {
    assert.equal(rec.info.dim, D);
    assert.equal(rec.info.provider, 'cpu');
    assert.deepEqual(rec.info.inputs[0]?.shape, [-1, 3, S, S]);
    for (const n of [1, 5]) {
      const data = images(n);
      assertClose(await rec.embed({ data, count: n, size: S }), reference(data, n));
    }
    assert.equal((await rec.embed({ data: new Uint8Array(0), count: 0, size: S })).length, 0);
  } finally {
    await rec.dispose();
  }
});

void test('onnx recognizer with a fixed batch of 1 loops over the items', async () => {
  const rec = await createOnnxRecognizer(entry('fixed1.onnx', { providers: ['webgpu', 'cpu'] }));
  try {
    assert.deepEqual(rec.info.inputs[0]?.shape, [1, 3, S, S]);
    const data = images(5);
    assertClose(await rec.embed({ data, count: 5, size: S }), reference(data, 5));
  } finally {
    await rec.dispose();
  }
});

void test('onnx recognizer resizes other crop sizes and rejects wrong shapes with INVALID_ARGUMENT', async () => {
  const rec = await createOnnxRecognizer(entry('dynamic.onnx'));
  try {
    const out = await rec.embed({ data: images(2, 32), count: 2, size: 32 });
    assert.equal(out.length, 2 * D);
    await assert.rejects(rec.embed({ data: images(2), count: 3, size: S }), InvalidArgumentError);
    await assert.rejects(rec.embed({ data: images(1), count: 1, size: 0 }), InvalidArgumentError);
    const ctl = new AbortController();
    ctl.abort();
    await assert.rejects(rec.embed({ data: images(1), count: 1, size: S }, { signal: ctl.signal }), { code: 'CANCELLED' });
  } finally {
    await rec.dispose();
  }
});

void test('onnx: broken or unsuitable model files fail with FAILED_PRECONDITION naming the file', async () => {
  const named = (file: string) => (e: unknown) => e instanceof FailedPreconditionError && e.message.includes(file);
  await assert.rejects(createOnnxRecognizer(entry('garbage.onnx')), named('garbage.onnx'));
  await assert.rejects(createOnnxRecognizer(entry('missing.onnx')), named('missing.onnx'));
  await assert.rejects(createOnnxRecognizer(entry('rank2.onnx')), named('rank2.onnx'));
  await assert.rejects(createOnnxRecognizer(entry('dynamic.onnx', { output: { dim: 512 } })), named('dynamic.onnx'));
  await assert.rejects(createOnnxRecognizer(entry('dynamic.onnx', { input: { size: S, layout: 'NHWC' } })), named('dynamic.onnx'));
});
