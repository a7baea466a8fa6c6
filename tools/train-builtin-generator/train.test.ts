import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createBuiltinGenerator } from '@hyperface/server/runtime/backends/builtin-generator/index';
import { loadModel, predictParams, saveModel } from '@hyperface/server/runtime/backends/builtin-generator/model';
import { NUMERIC_COUNT } from '@hyperface/server/runtime/backends/builtin-generator/params';
import type { FaceBatch, ModelInfo, Recognizer } from '@hyperface/server/runtime/models/types';
import { Rng } from '@hyperface/server/util/rng';
import { buildTrainingSet, cachedSet } from './data.js';
import { fitMlp, setDecoding } from './fit.js';

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

describe('builtin generator training (tiny)', () => {
  it('the loss falls, two fits from one seed are identical, the cache and the weights round-trip', async () => {
    const rec = new PixelRecognizer();
    const dir = await mkdtemp(join(tmpdir(), 'hf-train-'));
    try {
      const set = await cachedSet(join(dir, 'cache'), () => buildTrainingSet(48, 1, rec, { imageSize: 64 }), 'k1');
      assert.equal(set.inputs.length, 48 * 32);
      let rebuilt = false;
      const again = await cachedSet(join(dir, 'cache'), async () => ((rebuilt = true), set), 'k1');
      assert.equal(rebuilt, false, 'served from the cache');
      assert.deepEqual(again.inputs, set.inputs);
      assert.deepEqual(again.params, set.params);

      const options = { seed: 1, hidden: [32], epochs: 20, batchSize: 16, validation: 8, dropout: 0, learningRate: 0.005 };
      const fit = await fitMlp(set, options);
      assert.equal(fit.trainLoss.length, 20);
      assert.ok((fit.trainLoss.at(-1) ?? Infinity) < (fit.trainLoss[0] ?? 0) * 0.8, `loss ${fit.trainLoss[0]} → ${fit.trainLoss.at(-1)}`);
      const refit = await fitMlp(set, options);
      assert.deepEqual(refit.trainLoss, fit.trainLoss, 'reproducible from the seed');

      const weights = setDecoding(fit.weights, set, 8, { temperature: 1, numericSpread: 1, seed: 1 });
      assert.equal(weights.decoding?.numericStd.length, NUMERIC_COUNT);
      assert.ok(weights.decoding.numericStd.every((s) => s > 0 && s < 1));
      await saveModel(join(dir, 'model'), weights, { recognizer: 'pixels' });
      const { weights: loaded } = await loadModel(join(dir, 'model'));
      const x = set.inputs.subarray(0, 32);
      assert.deepEqual(predictParams(loaded, x), predictParams(weights, x));
      const gen = await createBuiltinGenerator({ name: 'tiny', files: [join(dir, 'model')], options: { imageSize: 64 } });
      assert.equal(gen.info.dim, 32);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
