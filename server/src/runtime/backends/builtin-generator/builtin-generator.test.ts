import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FaceBatch, ModelInfo, Recognizer, VariationSettings } from '../../models/types.js';
import { builtinGeneratorFromWeights, createBuiltinGenerator, DEFAULT_MODEL_DIR, NO_VARIATION, renderIdentity, sampleBuiltinIdentities } from './index.js';
import { loadModel, predictParams, saveModel } from './model.js';
import { CATEGORICAL, loadGenderTable, NUMERIC_COUNT, randomFaceParams } from './params.js';
import { perturbEmbedding, Rng } from './prng.js';
import { drawVariation, renderFace } from './render.js';
import { buildTrainingSet, fitMlp } from './train.js';

const DEFAULT_V: VariationSettings = { beta: 0.02, pose: 0.5, color: 0.5, background: 0.5, accessories: 0.3 };

/** A fast stand-in recognizer: 8x8 average-pooled pixels → fixed random projection → unit 32-d. */
class PixelRecognizer implements Recognizer {
  readonly info: ModelInfo = { name: 'pixels', kind: 'recognizer', backend: 'test', provider: 'cpu', inputs: [], outputs: [], dim: 32, imageSize: 112, state: 'ready' };
  private readonly proj = (() => {
    const r = new Rng(99);
    return new Float32Array(192 * 32).map(() => r.normal());
  })();
  async embed(batch: FaceBatch): Promise<Float32Array> {
    const { size, count } = batch;
    const out = new Float32Array(count * 32);
    const cell = size / 8;
    for (let n = 0; n < count; n++) {
      const pooled = new Float32Array(192);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          for (let c = 0; c < 3; c++) {
            const k = (Math.floor(y / cell) * 8 + Math.floor(x / cell)) * 3 + c;
            pooled[k] = (pooled[k] ?? 0) + (batch.data[((n * size + y) * size + x) * 3 + c] ?? 0) / (cell * cell * 255);
          }
        }
      }
      let norm = 0;
      for (let j = 0; j < 32; j++) {
        let s = 0;
        for (let i = 0; i < 192; i++) s += (pooled[i] ?? 0) * (this.proj[i * 32 + j] ?? 0);
        out[n * 32 + j] = s;
        norm += s * s;
      }
      for (let j = 0; j < 32; j++) out[n * 32 + j] = (out[n * 32 + j] ?? 0) / Math.sqrt(norm);
    }
    return out;
  }
  async dispose(): Promise<void> {}
}

const hex = (d: Uint8Array): string => Buffer.from(d).toString('base64');

describe('builtin generator: randomness and rendering', () => {
  it('seeded streams are reproducible and the embedding noise keeps unit norm', () => {
    const a = Rng.derive(5, 'x');
    const b = Rng.derive(5, 'x');
    const c = Rng.derive(5, 'y');
    const xa = Array.from({ length: 5 }, () => a.nextU32());
    assert.deepEqual(xa, Array.from({ length: 5 }, () => b.nextU32()));
    assert.notDeepEqual(xa, Array.from({ length: 5 }, () => c.nextU32()));
    const x = new Float32Array([3, 4, 0, 0]);
    const p0 = perturbEmbedding(x, 0, new Rng(1));
    assert.deepEqual([...p0], [0.6000000238418579, 0.800000011920929, 0, 0]);
    const p = perturbEmbedding(x, 0.5, new Rng(1));
    assert.ok(Math.abs(Math.hypot(...p) - 1) < 1e-6);
    assert.notDeepEqual([...p], [...p0]);
  });

  it('renders byte-identical ArcFace-sized crops for the same inputs', async () => {
    await loadGenderTable();
    const params = randomFaceParams(new Rng(3));
    const one = await renderFace(params, drawVariation(7, DEFAULT_V), 112);
    const two = await renderFace(params, drawVariation(7, DEFAULT_V), 112);
    assert.equal(one.width, 112);
    assert.equal(one.data.length, 112 * 112 * 3);
    assert.ok(hex(one.data) === hex(two.data));
    const other = await renderFace(params, drawVariation(8, DEFAULT_V), 112);
    assert.ok(hex(one.data) !== hex(other.data), 'the seed drives the variation');
    const c1 = await renderIdentity(params, 112, 1);
    const c2 = await renderIdentity(params, 112, 2);
    assert.ok(hex(c1.data) === hex(c2.data), 'without variation the seed does not matter');
    const big = await renderIdentity(params, 160);
    assert.equal(big.data.length, 160 * 160 * 3);
  });

  it('variation amounts are independent streams (changing one keeps the others)', () => {
    const a = drawVariation(11, DEFAULT_V);
    const b = drawVariation(11, { ...DEFAULT_V, color: 0 });
    assert.equal(a.rotation, b.rotation);
    assert.deepEqual(a.background, b.background);
    assert.equal(a.extras.glasses, b.extras.glasses);
    assert.deepEqual(b.gain, [1, 1, 1]);
    const off = drawVariation(11, NO_VARIATION);
    assert.ok(off.rotation === 0);
    assert.equal(off.extras.glasses, 'none');
    assert.equal(off.extras.accessories, 'none');
    // accessories amount 1 → about half the samples wear glasses
    let glasses = 0;
    for (let s = 0; s < 400; s++) if (drawVariation(s, { ...NO_VARIATION, accessories: 1 }).extras.glasses !== 'none') glasses++;
    assert.ok(glasses > 150 && glasses < 250, `${glasses}`);
  });
});

describe('builtin generator: training (tiny) and the generator API', () => {
  it('retrains a tiny MLP: the loss improves, weights round-trip, renders are deterministic', async () => {
    const rec = new PixelRecognizer();
    const set = await buildTrainingSet(48, 1, rec, { imageSize: 64 });
    assert.equal(set.inputs.length, 48 * 32);
    const fit = await fitMlp(set, { seed: 1, hidden: [32], epochs: 20, batchSize: 16, validation: 8, dropout: 0, learningRate: 0.005 });
    assert.equal(fit.trainLoss.length, 20);
    assert.ok((fit.trainLoss.at(-1) ?? Infinity) < (fit.trainLoss[0] ?? 0) * 0.8, `loss ${fit.trainLoss[0]} → ${fit.trainLoss.at(-1)}`);
    const again = await fitMlp(set, { seed: 1, hidden: [32], epochs: 20, batchSize: 16, validation: 8, dropout: 0, learningRate: 0.005 });
    assert.deepEqual(again.trainLoss, fit.trainLoss, 'reproducible from the seed');

    const dir = await mkdtemp(join(tmpdir(), 'hf-builtin-'));
    try {
      await saveModel(dir, fit.weights, { recognizer: 'pixels' });
      const { weights, manifest } = await loadModel(dir);
      assert.equal(manifest.categorical.length, CATEGORICAL.length);
      const x = set.inputs.subarray(0, 32);
      assert.deepEqual(predictParams(weights, x), predictParams(fit.weights, x));
      assert.equal(predictParams(weights, x).numeric.length, NUMERIC_COUNT);

      const gen = await createBuiltinGenerator({ name: 'tiny', files: [dir], options: { imageSize: 64 } });
      assert.equal(gen.info.dim, 32);
      assert.equal(gen.info.imageSize, 64);
      const items = [0, 1].map((s) => ({ embedding: x, seed: s, variation: DEFAULT_V }));
      const a = await gen.render(items);
      const b = await gen.render(items);
      assert.equal(a[0]?.data.length, 64 * 64 * 3);
      assert.ok(a.map((i) => hex(i.data)).join() === b.map((i) => hex(i.data)).join());
      assert.ok(hex(a[0]?.data ?? new Uint8Array()) !== hex(a[1]?.data ?? new Uint8Array()));
      await assert.rejects(gen.render([{ embedding: new Float32Array(5), seed: 0, variation: DEFAULT_V }]), { code: 'INVALID_ARGUMENT' });
      await assert.rejects(createBuiltinGenerator({ name: 'missing', files: [join(dir, 'nope')] }), { code: 'FAILED_PRECONDITION' });

      const gal = await sampleBuiltinIdentities(5, 3, { recognizer: rec });
      const gal2 = await sampleBuiltinIdentities(5, 3, { recognizer: rec });
      assert.equal(gal.embeddings.length, 5 * 32);
      assert.deepEqual(gal.embeddings, gal2.embeddings);
      const gen2 = await builtinGeneratorFromWeights(weights);
      assert.equal(gen2.info.imageSize, 112);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loads the committed weights (1024-d faceres space, 112x112)', { skip: !existsSync(join(DEFAULT_MODEL_DIR, 'model.json')) }, async () => {
    const gen = await createBuiltinGenerator({ name: 'builtin' });
    assert.equal(gen.info.dim, 1024);
    assert.equal(gen.info.imageSize, 112);
    const r = new Rng(4);
    const e = new Float32Array(1024).map(() => r.normal());
    const [a] = await gen.render([{ embedding: e, seed: 9, variation: DEFAULT_V }]);
    const [b] = await gen.render([{ embedding: e, seed: 9, variation: DEFAULT_V }]);
    assert.equal(a?.data.length, 112 * 112 * 3);
    assert.ok(hex(a?.data ?? new Uint8Array()) === hex(b?.data ?? new Uint8Array()));
  });
});
