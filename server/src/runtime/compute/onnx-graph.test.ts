import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildOnnxModel } from './onnx-graph.js';

void test('MatMul + ReduceMax graph with a symbolic batch dimension runs in onnxruntime', async () => {
  const bytes = buildOnnxModel({
    inputs: [{ name: 'x', dtype: 'float32', shape: ['n', 3] }],
    outputs: [
      { name: 'y', dtype: 'float32', shape: ['n', 2] },
      { name: 'm', dtype: 'float32', shape: ['n'] },
      { name: 'a', dtype: 'int64', shape: ['n'] },
    ],
    initializers: [{ name: 'w', dims: [3, 2], data: new Float32Array([1, 0, 0, 1, 1, 1]) }],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] },
      { op: 'ReduceMax', inputs: ['y'], outputs: ['m'], attributes: { axes: [1], keepdims: 0 } },
      { op: 'ArgMax', inputs: ['y'], outputs: ['a'], attributes: { axis: 1, keepdims: 0 } },
    ],
  });
  assert.ok(bytes instanceof Uint8Array && bytes.length > 50);
  const session = await ort.InferenceSession.create(bytes);
  const x = new ort.Tensor('float32', new Float32Array([1, 2, 3, -1, 0, 0.5]), [2, 3]);
  const out = await session.run({ x });
  assert.deepEqual(Array.from(out.y!.data as Float32Array), [4, 5, -0.5, 0.5]);
  assert.deepEqual(Array.from(out.m!.data as Float32Array), [5, 0.5]);
  assert.deepEqual(Array.from(out.a!.data as BigInt64Array), [1n, 1n]);
  await session.release();
});

void test('float attributes, int64 initializers and TopK', async () => {
  const bytes = buildOnnxModel({
    opset: 17,
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }],
    outputs: [
      { name: 'v', dtype: 'float32', shape: [1, 2] },
      { name: 'i', dtype: 'int64', shape: [1, 2] },
      { name: 'e', dtype: 'float32', shape: [1, 4] },
    ],
    initializers: [{ name: 'k', dims: [1], data: new BigInt64Array([2n]) }],
    nodes: [
      { op: 'TopK', inputs: ['x', 'k'], outputs: ['v', 'i'], attributes: { axis: 1, largest: 1, sorted: 1 } },
      { op: 'LeakyRelu', inputs: ['x'], outputs: ['e'], attributes: { alpha: { type: 'float', value: 0.5 } } },
    ],
  });
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([0.1, 3, -2, 2]), [1, 4]) });
  assert.deepEqual(Array.from(out.v!.data as Float32Array), [3, 2]);
  assert.deepEqual(Array.from(out.i!.data as BigInt64Array), [1n, 3n]);
  assert.deepEqual(Array.from(out.e!.data as Float32Array), [0.10000000149011612, 3, -1, 2]);
  await session.release();
});

void test('rejects initializers whose data does not match dims', () => {
  assert.throws(() =>
    buildOnnxModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [2] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [2] }],
      initializers: [{ name: 'w', dims: [3], data: new Float32Array(2) }],
      nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
    }),
  );
});
