import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidArgumentError } from '../../shared/errors.js';
import { buildOnnxModel } from '../compute/onnx-graph.js';
import type { Generator, RenderItem, VariationSettings } from '../models/types.js';
import { Rng } from '../../util/rng.js';
import { createOnnxDecoderGenerator, planarToImage } from './onnx-decoder.js';

const D = 8;
const Z = 4;
const S = 16;
const V: VariationSettings = { beta: 0, pose: 0, color: 0, background: 0, accessories: 0 };

/** [B, D] embedding (+ [B, Z] noise) → Tanh(MatMul) → [B, 3, S, S] in [-1, 1]. */
function tinyDecoder(withNoise: boolean): Uint8Array {
  const rng = new Rng(42);
  const inDim = withNoise ? D + Z : D;
  const w = new Float32Array(inDim * 3 * S * S).map(() => rng.normal());
  return buildOnnxModel({
    inputs: [{ name: 'id_feature', dtype: 'float32', shape: ['B', D] }, ...(withNoise ? [{ name: 'noise', dtype: 'float32' as const, shape: ['B', Z] }] : [])],
    outputs: [{ name: 'image', dtype: 'float32', shape: ['B', 3, S, S] }],
    initializers: [
      { name: 'W', dims: [inDim, 3 * S * S], data: w },
      { name: 'shape', dims: [4], data: BigInt64Array.from([-1n, 3n, BigInt(S), BigInt(S)]) },
    ],
    nodes: [
      ...(withNoise ? [{ op: 'Concat', inputs: ['id_feature', 'noise'], outputs: ['x'], attributes: { axis: 1 } }] : [{ op: 'Identity', inputs: ['id_feature'], outputs: ['x'] }]),
      { op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] },
      { op: 'Tanh', inputs: ['h'], outputs: ['t'] },
      { op: 'Reshape', inputs: ['t', 'shape'], outputs: ['image'] },
    ],
  });
}

function unit(seed: number, d = D): Float32Array {
  const r = new Rng(seed);
  const x = new Float32Array(d).map(() => r.normal());
  const n = Math.hypot(...x);
  return x.map((v) => v / n);
}

describe('onnx-decoder generator', () => {
  let dir = '';
  let gen: Generator;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hf-decoder-'));
    await writeFile(join(dir, 'dec.onnx'), tinyDecoder(true));
    await writeFile(join(dir, 'dec-nonoise.onnx'), tinyDecoder(false));
    gen = await createOnnxDecoderGenerator({ name: 'vec2face-tiny', files: [join(dir, 'dec.onnx')], options: { imageSize: 32 } });
  });
  after(async () => {
    await gen.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads dim, noise input and sizes from the model', () => {
    assert.equal(gen.info.dim, D);
    assert.equal(gen.info.imageSize, 32);
    assert.equal(gen.info.backend, 'onnx-decoder');
    assert.deepEqual(gen.info.inputs.map((i) => i.name), ['id_feature', 'noise']);
  });

  it('renders deterministic RGB images; the seed drives the noise input', async () => {
    const items: RenderItem[] = [
      { embedding: unit(1), seed: 10, variation: V },
      { embedding: unit(1), seed: 11, variation: V },
      { embedding: unit(2), seed: 10, variation: V },
    ];
    const a = await gen.render(items);
    const b = await gen.render(items);
    assert.equal(a.length, 3);
    for (const img of a) {
      assert.equal(img.width, 32);
      assert.equal(img.data.length, 32 * 32 * 3);
    }
    assert.deepEqual(a.map((x) => Buffer.from(x.data).toString('base64')), b.map((x) => Buffer.from(x.data).toString('base64')));
    assert.notDeepEqual(a[0]?.data, a[1]?.data, 'different seeds → different noise');
    assert.notDeepEqual(a[0]?.data, a[2]?.data, 'different identities differ');
    // batching does not change pixels
    const single = await gen.render([items[1] as RenderItem]);
    assert.deepEqual(single[0]?.data, a[1]?.data);
  });

  it('applies the embedding noise β from the seed', async () => {
    const g2 = await createOnnxDecoderGenerator({ name: 'nn', files: [join(dir, 'dec-nonoise.onnx')], options: { outputRange: '-1..1' } });
    assert.equal(g2.info.imageSize, S);
    const e = unit(3);
    const [x0, x1, y0] = await g2.render([
      { embedding: e, seed: 1, variation: V },
      { embedding: e, seed: 2, variation: V },
      { embedding: e, seed: 1, variation: { ...V, beta: 0.3 } },
    ]);
    assert.deepEqual(x0?.data, x1?.data, 'no noise input and β = 0 → the seed does not matter');
    assert.notDeepEqual(x0?.data, y0?.data);
    await assert.rejects(g2.render([{ embedding: new Float32Array(3), seed: 0, variation: V }]), InvalidArgumentError);
    await g2.dispose();
  });

  it('maps output ranges exactly', async () => {
    const planar = new Float32Array([-1, 0, 1, 0.5, /* G */ -1, -1, -1, -1, /* B */ 1, 1, 1, 1]);
    const img = await planarToImage(planar, 0, 2, 2, '-1..1', 2);
    assert.deepEqual([...img.data.subarray(0, 6)], [0, 0, 255, 128, 0, 255]);
    const img01 = await planarToImage(new Float32Array(12).fill(0.5), 0, 2, 2, '0..1', 2);
    assert.equal(img01.data[0], 128);
  });
});
