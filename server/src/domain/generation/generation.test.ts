import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../shared/errors.js';
import type { Generator, ModelInfo, RawImageData, Recognizer, RenderItem } from '../../runtime/models/types.js';
import { DEFAULT_VARIATION, planSize, sampleSeed, validateGenerateParams, withGenerateDefaults, type IdentityMatrix } from './params.js';
import { generateSamples, type GeneratedSample } from './service.js';

function info(kind: 'generator' | 'recognizer', dim: number): ModelInfo {
  return { name: `fake-${kind}`, kind, backend: 'fake', provider: 'cpu', inputs: [], outputs: [], dim, imageSize: 4, state: 'ready' };
}

/** Image pixels encode the seed (bytes 0..3) and the identity's first coordinate (byte 4). */
class FakeGenerator implements Generator {
  readonly info: ModelInfo;
  calls: RenderItem[][] = [];
  constructor(dim: number) {
    this.info = info('generator', dim);
  }
  async render(items: RenderItem[]): Promise<RawImageData[]> {
    this.calls.push(items);
    return items.map((it) => {
      const data = new Uint8Array(4 * 4 * 3);
      data[0] = it.seed & 255;
      data[1] = (it.seed >>> 8) & 255;
      data[2] = (it.seed >>> 16) & 255;
      data[3] = (it.seed >>> 24) & 255;
      data[4] = Math.round((it.embedding[0] ?? 0) * 100);
      return { width: 4, height: 4, channels: 3, data };
    });
  }
  async dispose(): Promise<void> {}
}

/** Embeds to a unit vector whose cosine with e0 is a function of the seed (deterministic). */
class FakeRecognizer implements Recognizer {
  readonly info: ModelInfo;
  batches = 0;
  constructor(dim: number) {
    this.info = info('recognizer', dim);
  }
  async embed(batch: { data: Uint8Array; count: number; size: number }): Promise<Float32Array> {
    this.batches++;
    const d = this.info.dim;
    const out = new Float32Array(batch.count * d);
    const per = batch.size * batch.size * 3;
    for (let i = 0; i < batch.count; i++) {
      const b = batch.data.subarray(i * per, i * per + 4);
      const seed = ((b[0] ?? 0) | ((b[1] ?? 0) << 8) | ((b[2] ?? 0) << 16) | ((b[3] ?? 0) << 24)) >>> 0;
      const c = (seed % 1000) / 1000; // cosine to e0 in [0, 1)
      out[i * d] = c;
      out[i * d + 1] = Math.sqrt(1 - c * c);
    }
    return out;
  }
  async dispose(): Promise<void> {}
}

function identities(rows: number, dim: number): IdentityMatrix {
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) data[r * dim] = 1; // every identity = e0
  return { data, rows, dim };
}

async function collect(it: AsyncIterable<GeneratedSample>): Promise<GeneratedSample[]> {
  const out: GeneratedSample[] = [];
  for await (const s of it) out.push(s);
  return out;
}

describe('generation params', () => {
  it('fills the documented defaults', () => {
    const p = withGenerateDefaults({ identities: identities(2, 4) });
    assert.deepEqual(p.variation, { ...DEFAULT_VARIATION });
    assert.equal(p.maxRetries, 4);
    assert.equal(p.imagesPerIdentity, 1);
    assert.equal(p.seed, 0);
    assert.equal(p.minCosine, undefined);
    assert.equal(withGenerateDefaults({ identities: identities(1, 4), maxRetries: 0 }).maxRetries, 4);
    assert.equal(withGenerateDefaults({ identities: identities(1, 4), variation: { beta: 0 } }).variation.beta, 0);
  });

  it('reports every violation with proto field names', () => {
    const p = withGenerateDefaults({
      identities: identities(3, 4),
      imagesPerIdentity: 0,
      variation: { pose: 2 },
      identityOffset: 2,
      identityCount: 5,
      minCosine: 1.5,
      maxRetries: 1000,
      seed: -1,
    });
    assert.throws(
      () => validateGenerateParams(p),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentError);
        const fields = e.violations.map((v) => v.field).sort();
        assert.deepEqual(fields, ['identity_count', 'images_per_identity', 'max_retries', 'min_cosine', 'seed', 'variation.pose']);
        return true;
      },
    );
    const bad = { data: new Float32Array(3), rows: 1, dim: 4 };
    assert.throws(() => validateGenerateParams(withGenerateDefaults({ identities: bad })), /embeddings/);
    const zero = { data: new Float32Array(4), rows: 1, dim: 4 };
    assert.throws(() => validateGenerateParams(withGenerateDefaults({ identities: zero })), /all zeros/);
    assert.throws(() => validateGenerateParams(withGenerateDefaults({ identities: identities(1, 4), imagesPerIdentity: 20 }), { maxImagesPerIdentity: 10 }), /images_per_identity/);
  });

  it('sampleSeed is a stable uint32 hash of its four inputs', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) for (let k = 0; k < 20; k++) for (let a = 0; a < 3; a++) seen.add(sampleSeed(7, i, k, a));
    assert.equal(seen.size, 1200);
    for (const s of seen) assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32);
    assert.notEqual(sampleSeed(1, 0, 0, 0), sampleSeed(2 ** 32 + 1, 0, 0, 0));
    // Golden values: part of the dataset format (changing them changes every dataset).
    assert.deepEqual([sampleSeed(0, 0, 0, 0), sampleSeed(1, 2, 3, 4), sampleSeed(2 ** 40, 5, 6, 0)], GOLDEN);
  });

  it('planSize counts the identity range', () => {
    assert.equal(planSize(withGenerateDefaults({ identities: identities(10, 2), imagesPerIdentity: 3 })), 30);
    assert.equal(planSize(withGenerateDefaults({ identities: identities(10, 2), imagesPerIdentity: 3, identityOffset: 8 })), 6);
    assert.equal(planSize(withGenerateDefaults({ identities: identities(10, 2), imagesPerIdentity: 3, identityOffset: 2, identityCount: 4 })), 12);
  });
});

const GOLDEN = [3985388156, 725198444, 3596375440];

describe('generateSamples', () => {
  it('yields identity-major order with global identity indices and per-sample seeds', async () => {
    const gen = new FakeGenerator(4);
    const params = validateGenerateParams(withGenerateDefaults({ identities: identities(5, 4), imagesPerIdentity: 3, identityOffset: 1, identityCount: 3, seed: 9 }));
    const models = { generator: () => gen, recognizer: () => new FakeRecognizer(4) };
    const out = await collect(generateSamples(params, { models }, { batchSize: 4 }));
    assert.deepEqual(
      out.map((s) => [s.identity, s.sample]),
      [1, 2, 3].flatMap((i) => [0, 1, 2].map((k) => [i, k])),
    );
    for (const s of out) {
      assert.equal(s.seed, sampleSeed(9, s.identity, s.sample, 0));
      assert.equal(s.attempts, 1);
      assert.equal(s.cosine, 0);
      assert.equal(s.embedding, undefined);
      assert.equal(s.belowThreshold, false);
    }
    assert.deepEqual(gen.calls.map((c) => c.length), [4, 4, 1]);
    // the generator gets unit embeddings and the request's variation
    assert.equal(gen.calls[0]?.[0]?.variation, params.variation);
  });

  it('is pulled lazily: one batch rendered per consumer demand', async () => {
    const gen = new FakeGenerator(4);
    const params = validateGenerateParams(withGenerateDefaults({ identities: identities(100, 4), imagesPerIdentity: 10 }));
    const it = generateSamples(params, { models: { generator: () => gen, recognizer: () => new FakeRecognizer(4) } }, { batchSize: 8 });
    assert.equal(gen.calls.length, 0);
    for (let i = 0; i < 8; i++) await it.next();
    assert.equal(gen.calls.length, 1);
    await it.next();
    assert.equal(gen.calls.length, 2);
    await it.return(undefined);
    assert.equal(gen.calls.length, 2);
  });

  it('skips what a previous run wrote and renders nothing for it', async () => {
    const gen = new FakeGenerator(4);
    const params = validateGenerateParams(withGenerateDefaults({ identities: identities(3, 4), imagesPerIdentity: 2 }));
    const skip = (i: number, k: number): boolean => i === 0 || (i === 2 && k === 1);
    const out = await collect(generateSamples(params, { models: { generator: () => gen, recognizer: () => new FakeRecognizer(4) }, skip }, { batchSize: 2 }));
    assert.deepEqual(out.map((s) => [s.identity, s.sample]), [[1, 0], [1, 1], [2, 0]]);
    assert.equal(gen.calls.flat().length, 3);
  });

  it('consistency filter resamples with attempt+1 seeds, keeps the best and flags misses', async () => {
    const gen = new FakeGenerator(4);
    const rec = new FakeRecognizer(4);
    const params = validateGenerateParams(withGenerateDefaults({ identities: identities(4, 4), imagesPerIdentity: 5, minCosine: 0.8, maxRetries: 3, includeEmbedding: true, seed: 3 }));
    const out = await collect(generateSamples(params, { models: { generator: () => gen, recognizer: () => rec } }, { batchSize: 6 }));
    assert.equal(out.length, 20);
    const cos = (seed: number): number => (seed % 1000) / 1000;
    for (const s of out) {
      const tried = Array.from({ length: s.attempts }, (_, a) => sampleSeed(3, s.identity, s.sample, a));
      const best = Math.max(...tried.map(cos));
      assert.ok(Math.abs(s.cosine - best) < 1e-6, 'keeps the best attempt');
      assert.equal(s.seed, tried.find((t) => cos(t) === best));
      // stops at the first success, else uses every retry
      const firstOk = tried.findIndex((t) => cos(t) >= 0.8);
      assert.equal(s.attempts, firstOk >= 0 ? firstOk + 1 : 4);
      assert.equal(s.belowThreshold, best < 0.8);
      assert.equal(s.embedding?.length, 4);
    }
    assert.ok(out.some((s) => s.attempts > 1));
  });

  it('projects the reference through the recognizer when dims differ', async () => {
    const gen = new FakeGenerator(4);
    const rec = new FakeRecognizer(2);
    const params = validateGenerateParams(withGenerateDefaults({ identities: identities(2, 4), imagesPerIdentity: 2, includeEmbedding: true }));
    const out = await collect(generateSamples(params, { models: { generator: () => gen, recognizer: () => rec } }));
    assert.equal(out.length, 4);
    // one reference render per identity + one batch
    assert.equal(gen.calls.length, 3);
    assert.equal(gen.calls[0]?.[0]?.seed, sampleSeed(0, 0, 0xffffffff, 0));
    for (const s of out) assert.ok(s.cosine > -1 && s.cosine <= 1 && s.cosine !== 0);
  });

  it('rejects identities of the wrong dimension and honours the abort signal', async () => {
    const gen = new FakeGenerator(8);
    const params = validateGenerateParams(withGenerateDefaults({ identities: identities(2, 4) }));
    await assert.rejects(collect(generateSamples(params, { models: { generator: () => gen, recognizer: () => new FakeRecognizer(8) } })), InvalidArgumentError);
    const ac = new AbortController();
    const gen4 = new FakeGenerator(4);
    const p2 = validateGenerateParams(withGenerateDefaults({ identities: identities(50, 4), imagesPerIdentity: 4 }));
    const it = generateSamples(p2, { models: { generator: () => gen4, recognizer: () => new FakeRecognizer(4) } }, { signal: ac.signal, batchSize: 4 });
    await it.next();
    ac.abort();
    for (let i = 0; i < 3; i++) await it.next();
    await assert.rejects(it.next(), { code: 'CANCELLED' });
  });
});
