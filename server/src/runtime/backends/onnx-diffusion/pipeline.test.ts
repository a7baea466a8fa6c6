import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidArgumentError } from '../../../shared/errors.js';
import { buildOnnxModel } from '../../compute/onnx-graph.js';
import type { Generator, RenderItem, VariationSettings } from '../../models/types.js';
import { Rng } from '../../../util/rng.js';
import { type Arc2FaceManifest, createOnnxDiffusionGenerator, substituteIdToken } from './index.js';

// Tiny random-weight stand-ins with the real models' tensor names and ranks:
// text encoder input_token_embs [B, S, H] → last_hidden_state [B, S, H];
// UNet sample [N, 4, L, L], timestep int64 [N], encoder_hidden_states [N, S, H] → out_sample [N, 4, L, L];
// VAE decoder latent_sample [B, 4, L, L] → sample [B, 3, 8L, 8L].
const S = 8;
const H = 16;
const ID = 12;
const L = 4;
const V: VariationSettings = { beta: 0, pose: 0, color: 0, background: 0, accessories: 0 };

function randn(seed: number, n: number, scale: number): Float32Array {
  const r = new Rng(seed);
  return new Float32Array(n).map(() => r.normal() * scale);
}

const i64 = (xs: number[]): BigInt64Array => BigInt64Array.from(xs.map((x) => BigInt(x)));

function textEncoder(): Uint8Array {
  return buildOnnxModel({
    inputs: [{ name: 'input_token_embs', dtype: 'float32', shape: ['batch', S, H] }],
    outputs: [{ name: 'last_hidden_state', dtype: 'float32', shape: ['batch', S, H] }],
    initializers: [
      { name: 'pos', dims: [S, H], data: randn(1, S * H, 0.1) },
      { name: 'W', dims: [H, H], data: randn(2, H * H, 0.4) },
    ],
    nodes: [
      { op: 'Add', inputs: ['input_token_embs', 'pos'], outputs: ['x'] },
      { op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] },
      { op: 'Tanh', inputs: ['y'], outputs: ['last_hidden_state'] },
    ],
  });
}

function unet(): Uint8Array {
  return buildOnnxModel({
    inputs: [
      { name: 'sample', dtype: 'float32', shape: ['batch', 4, L, L] },
      { name: 'timestep', dtype: 'int64', shape: ['batch'] },
      { name: 'encoder_hidden_states', dtype: 'float32', shape: ['batch', S, H] },
    ],
    outputs: [{ name: 'out_sample', dtype: 'float32', shape: ['batch', 4, L, L] }],
    initializers: [
      { name: 'Wc', dims: [H, 4], data: randn(3, H * 4, 0.5) },
      { name: 'half', dims: [], data: new Float32Array([0.5]) },
      { name: 'tscale', dims: [], data: new Float32Array([0.001]) },
      { name: 'shape4', dims: [4], data: i64([-1, 4, 1, 1]) },
      { name: 'shape1', dims: [4], data: i64([-1, 1, 1, 1]) },
    ],
    nodes: [
      { op: 'ReduceMean', inputs: ['encoder_hidden_states'], outputs: ['m'], attributes: { axes: [1], keepdims: 0 } },
      { op: 'MatMul', inputs: ['m', 'Wc'], outputs: ['c'] },
      { op: 'Reshape', inputs: ['c', 'shape4'], outputs: ['c4'] },
      { op: 'Mul', inputs: ['sample', 'half'], outputs: ['s2'] },
      { op: 'Cast', inputs: ['timestep'], outputs: ['tf'], attributes: { to: 1 } },
      { op: 'Mul', inputs: ['tf', 'tscale'], outputs: ['ts'] },
      { op: 'Reshape', inputs: ['ts', 'shape1'], outputs: ['t4'] },
      { op: 'Add', inputs: ['s2', 'c4'], outputs: ['a'] },
      { op: 'Add', inputs: ['a', 't4'], outputs: ['out_sample'] },
    ],
  });
}

function vaeDecoder(): Uint8Array {
  return buildOnnxModel({
    inputs: [{ name: 'latent_sample', dtype: 'float32', shape: ['batch', 4, L, L] }],
    outputs: [{ name: 'sample', dtype: 'float32', shape: ['batch', 3, 8 * L, 8 * L] }],
    initializers: [{ name: 'K', dims: [3 * 64, 4, 1, 1], data: randn(4, 3 * 64 * 4, 0.05) }],
    nodes: [
      { op: 'Conv', inputs: ['latent_sample', 'K'], outputs: ['c'] },
      { op: 'DepthToSpace', inputs: ['c'], outputs: ['d'], attributes: { blocksize: 8 } },
      { op: 'Tanh', inputs: ['d'], outputs: ['sample'] },
    ],
  });
}

function f32bytes(x: Float32Array): Buffer {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
}

function unit(seed: number): Float32Array {
  const x = randn(seed, ID, 1);
  const n = Math.hypot(...x);
  return x.map((v) => v / n);
}

describe('onnx-diffusion (Arc2Face pipeline) with tiny stand-ins', () => {
  let dir = '';
  let gen: Generator;
  const manifest: Arc2FaceManifest = {
    format: 'hyperface-arc2face/1',
    textEncoder: 'text_encoder.onnx',
    unet: 'unet.onnx',
    vaeDecoder: 'vae_decoder.onnx',
    promptTokenEmbeddings: 'prompt_token_embs.f32',
    uncondTokenEmbeddings: 'uncond_token_embs.f32',
    idTokenIndex: 4,
    seqLen: S,
    hidden: H,
    idDim: ID,
    latentChannels: 4,
    latentSize: L,
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hf-arc2face-'));
    await writeFile(join(dir, 'text_encoder.onnx'), textEncoder());
    await writeFile(join(dir, 'unet.onnx'), unet());
    await writeFile(join(dir, 'vae_decoder.onnx'), vaeDecoder());
    await writeFile(join(dir, 'prompt_token_embs.f32'), f32bytes(randn(5, S * H, 0.3)));
    await writeFile(join(dir, 'uncond_token_embs.f32'), f32bytes(randn(6, S * H, 0.3)));
    await writeFile(join(dir, 'pipeline.json'), JSON.stringify(manifest));
    gen = await createOnnxDiffusionGenerator({ name: 'arc2face-tiny', files: [dir], options: { steps: 4, imageSize: 112, maxBatch: 2 } });
  });
  after(async () => {
    await gen.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('substitutes the zero-padded identity for the id token only', () => {
    const prompt = randn(7, S * H, 1);
    const e = unit(1);
    const t = substituteIdToken(prompt, e, manifest);
    for (let r = 0; r < S; r++) {
      for (let c = 0; c < H; c++) {
        const v = t[r * H + c];
        if (r !== 4) assert.equal(v, prompt[r * H + c]);
        else assert.equal(v, c < ID ? e[c] : 0);
      }
    }
  });

  it('renders deterministic 112x112 RGB faces; seed and identity both matter', async () => {
    assert.equal(gen.info.dim, ID);
    assert.equal(gen.info.imageSize, 112);
    const items: RenderItem[] = [
      { embedding: unit(1), seed: 1, variation: V },
      { embedding: unit(1), seed: 2, variation: V },
      { embedding: unit(2), seed: 1, variation: V },
    ];
    const a = await gen.render(items);
    const b = await gen.render(items);
    assert.equal(a.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.equal(a[i]?.width, 112);
      assert.equal(a[i]?.data.length, 112 * 112 * 3);
      assert.deepEqual(a[i]?.data, b[i]?.data);
    }
    assert.notDeepEqual(a[0]?.data, a[1]?.data);
    assert.notDeepEqual(a[0]?.data, a[2]?.data);
    // batch composition does not change a sample
    const [alone] = await gen.render([items[2] as RenderItem]);
    assert.deepEqual(alone?.data, a[2]?.data);
  });

  it('guidance scale changes the result; wrong dims are rejected', async () => {
    const g1 = await createOnnxDiffusionGenerator({ name: 'nog', files: [join(dir, 'pipeline.json')], options: { steps: 4, guidanceScale: 1 } });
    const item: RenderItem = { embedding: unit(3), seed: 5, variation: V };
    const [x] = await gen.render([item]);
    const [y] = await g1.render([item]);
    assert.notDeepEqual(x?.data, y?.data);
    await assert.rejects(g1.render([{ embedding: new Float32Array(5), seed: 0, variation: V }]), InvalidArgumentError);
    await g1.dispose();
  });

  it('initial latents x_T replace the seeded noise: the same x_T renders the same face whatever the seed', async () => {
    const per = 4 * L * L;
    const seeded = (seed: number): Float32Array => {
      const rng = Rng.derive(seed, 'latents');
      return new Float32Array(per).map(() => rng.normal());
    };
    const e = unit(4);
    const [fromSeed] = await gen.render([{ embedding: e, seed: 11, variation: V }]);
    const [given] = await gen.render([{ embedding: e, seed: 999, variation: V, initialLatents: seeded(11) }]);
    assert.deepEqual(given?.data, fromSeed?.data, 'x_T drawn from seed 11, rendered under seed 999');
    const [other] = await gen.render([{ embedding: e, seed: 11, variation: V, initialLatents: seeded(12) }]);
    assert.notDeepEqual(other?.data, fromSeed?.data);
    // in a batch, each item keeps its own x_T
    const batch = await gen.render([
      { embedding: e, seed: 1, variation: V, initialLatents: seeded(11) },
      { embedding: e, seed: 12, variation: V },
    ]);
    assert.deepEqual(batch[0]?.data, fromSeed?.data);
    assert.deepEqual(batch[1]?.data, other?.data);
    await assert.rejects(gen.render([{ embedding: e, seed: 1, variation: V, initialLatents: new Float32Array(per - 1) }]), (err: unknown) => err instanceof InvalidArgumentError && err.message.includes('items[0].initialLatents'));
  });
});
