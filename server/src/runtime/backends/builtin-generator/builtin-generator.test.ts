import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { VariationSettings } from '../../models/types.js';
import { Rng } from '../../../util/rng.js';
import { builtinGeneratorFromWeights, createBuiltinGenerator, DEFAULT_MODEL_DIR, NO_VARIATION, renderIdentity } from './index.js';
import { loadModel, type MlpWeights, OUTPUT_DIM, predictParams, saveModel } from './model.js';
import { CATEGORICAL, CATEGORICAL_SIZES, type FaceParams, loadGenderTable, NUMERIC_COUNT, randomFaceParams, toFaceConfig } from './params.js';
import { frameColor, renderFace, sampleFaceConfig, sampleSvg } from './render.js';
import { drawVariation } from './variation.js';

const DEFAULT_V: VariationSettings = { beta: 0.02, pose: 0.5, color: 0.5, background: 0.5, accessories: 0.3 };

/** Random weights (no training needed to exercise the API). */
function randomWeights(dim: number, hidden: number, seed: number): MlpWeights {
  const r = new Rng(seed);
  const dense = (inDim: number, outDim: number): MlpWeights['layers'][number] => ({
    w: new Float32Array(inDim * outDim).map(() => r.normal() / Math.sqrt(inDim)),
    b: new Float32Array(outDim),
    inDim,
    outDim,
  });
  return { dim, hidden: [hidden], inputMean: new Float32Array(dim), inputStd: new Float32Array(dim).fill(1), layers: [dense(dim, hidden), dense(hidden, OUTPUT_DIM)] };
}

function unit(dim: number, r: Rng): Float32Array {
  const e = new Float32Array(dim).map(() => r.normal());
  const n = Math.hypot(...e);
  return e.map((v) => v / n);
}

/** What makes a face this person, as drawn: every identity-defining facesjs field. */
function identityPart(p: FaceParams): string {
  const c = toFaceConfig(p);
  return JSON.stringify([c.head.id, c.fatness, c.eye.id, c.nose.id, c.nose.size, c.mouth.id, c.eyebrow.id, c.ear, c.body.color, c.hair.id, c.hair.color, c.facialHair.id]);
}

const hex = (d: Uint8Array): string => Buffer.from(d).toString('base64');

describe('builtin generator: randomness and rendering', () => {
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
    assert.equal(a.yaw, b.yaw);
    assert.deepEqual(a.expression, b.expression);
    assert.deepEqual(a.glasses, b.glasses);
    assert.deepEqual(a.headwear, b.headwear);
    assert.deepEqual(a.background, b.background);
        assert.deepEqual(b.gain, [1, 1, 1]);
    assert.equal(b.blur, 0);
    assert.equal(b.light.strength, 0);
    const off = drawVariation(11, NO_VARIATION);
    assert.ok(off.rotation === 0 && off.yaw === 0 && off.noise === 0);
    assert.deepEqual(off.expression, { switchMouth: false, browDelta: 0, eyeDelta: 0 });
    assert.deepEqual(off.flip, { nose: false, mouth: false, hair: false });
    assert.equal(off.glasses.wearers, 0);
    assert.ok(!off.glasses.ifNot);
    assert.equal(off.extras.accessories, 'none');
    assert.equal(off.headwear.wearers, 0);
    assert.ok(!off.headwear.ifNot);
  });

  it('glasses belong to the person: wearers wear their own pair in most photos, others rarely any', async () => {
    await loadGenderTable();
    const v: VariationSettings = { ...NO_VARIATION, accessories: 0.3 };
    let wearers = 0;
    let photosWithGlasses = 0;
    for (let id = 0; id < 60; id++) {
      const p = randomFaceParams(new Rng(100 + id));
      const pairs = Array.from({ length: 20 }, (_, s) => sampleFaceConfig(p, drawVariation(id * 100 + s, v)).glasses.id).filter((g) => g !== 'none');
      assert.ok(new Set(pairs).size <= 1, 'always the same pair');
      if (pairs.length >= 10) wearers++;
      photosWithGlasses += pairs.length;
    }
    assert.ok(wearers >= 8 && wearers <= 30, `${wearers}/60 identities wear glasses`);
    assert.ok(photosWithGlasses > 100 && photosWithGlasses < 400, `${photosWithGlasses}/1200 photos`);
  });

  it('caps and headbands belong to the person too: wearers wear their own in most photos, at about the per-photo rate of before', async () => {
    await loadGenderTable();
    const v: VariationSettings = { ...NO_VARIATION, accessories: 0.3 };
    let wearers = 0;
    let photos = 0;
    let wearersPhotos = 0;
    const kinds = new Set<string>();
    for (let id = 0; id < 400; id++) {
      const p = randomFaceParams(new Rng(1000 + id));
      const hats = Array.from({ length: 20 }, (_, s) => sampleFaceConfig(p, drawVariation(id * 100 + s, v)).accessories.id).filter((a) => a !== 'none');
      assert.ok(new Set(hats).size <= 1, `identity ${id}: always the same cap or headband (${hats.join(' ')})`);
      if (hats.length >= 10) {
        wearers++;
        wearersPhotos += hats.length;
        kinds.add(hats[0]!);
      }
      photos += hats.length;
    }
    // a/4 = 7.5 % of the people, in 1 - a/3 = 90 % of their photos; 7.5 % of all photos as when drawn per photo
    assert.ok(wearers >= 15 && wearers <= 50, `${wearers}/400 identities wear headwear`);
    assert.ok(wearersPhotos / (20 * wearers) > 0.8, `wearers show it in ${wearersPhotos}/${20 * wearers} photos`);
    assert.ok(photos > 0.05 * 8000 && photos < 0.1 * 8000, `${photos}/8000 photos with headwear`);
    assert.ok(kinds.size >= 3, 'people wear different caps and headbands');
  });

  it('a person\'s glasses keep their frame colour while the clothing colours change from photo to photo', async () => {
    await loadGenderTable();
    const v: VariationSettings = { ...DEFAULT_V, accessories: 1 };
    const frames = new Set<string>();
    let checked = 0;
    for (let id = 0; id < 40 && checked < 30; id++) {
      const p = randomFaceParams(new Rng(300 + id));
      const lines = new Set<string>();
      for (let s = 0; s < 12; s++) {
        const variation = drawVariation(id * 100 + s, v);
        const c = sampleFaceConfig(p, variation);
        if (c.glasses.id === 'none' || c.glasses.id === 'glasses2-black') continue;
        const svg = sampleSvg(p, variation, 112);
        // the glasses' SVG (one line of facesjs' output) is the same in every photo, in the frame colour
        const line = svg.split('\n').find((l) => l.includes(frameColor(p)) && !c.teamColors.some((t) => l.includes(t)));
        assert.ok(line, `identity ${id}: glasses drawn in ${frameColor(p)}, not in the clothing colours ${c.teamColors.join(' ')}`);
        lines.add(line);
        checked++;
      }
      assert.ok(lines.size <= 1, `identity ${id}: one pair of glasses`);
      frames.add(frameColor(p));
    }
    assert.ok(checked >= 30, `${checked} photos with coloured glasses`);
    assert.ok(frames.size >= 3, 'frame colours differ between people');
  });

  it('nuisance never changes who it is: every sample of an identity keeps its identity features', async () => {
    await loadGenderTable();
    const full: VariationSettings = { beta: 0.2, pose: 1, color: 1, background: 1, accessories: 1 };
    let smiles = 0;
    for (let id = 0; id < 10; id++) {
      const p = randomFaceParams(new Rng(id));
      const base = sampleFaceConfig(p, drawVariation(0, NO_VARIATION));
      for (let s = 1; s <= 30; s++) {
        const c = sampleFaceConfig(p, drawVariation(id * 1000 + s, full));
        assert.deepEqual(
          [c.head.id, c.fatness, c.eye.id, c.eyebrow.id, c.nose.id, c.nose.size, c.ear, c.hair.id, c.hair.color, c.facialHair.id, c.eyeLine, c.miscLine],
          [base.head.id, base.fatness, base.eye.id, base.eyebrow.id, base.nose.id, base.nose.size, base.ear, base.hair.id, base.hair.color, base.facialHair.id, base.eyeLine, base.miscLine],
        );
        if (c.mouth.id !== base.mouth.id) smiles++;
      }
    }
    assert.ok(smiles > 50 && smiles < 250, `the expression changes the mouth in some samples (${smiles}/300)`);
  });
});

describe('builtin generator: the generator API', () => {
  it('identity features depend on the clean embedding only: seed and β never change them', async () => {
    const gen = await builtinGeneratorFromWeights(randomWeights(32, 16, 1));
    const r = new Rng(5);
    for (let id = 0; id < 5; id++) {
      const e = unit(32, r);
      const first = identityPart(gen.paramsFor({ embedding: e, seed: 0, variation: NO_VARIATION }));
      for (let s = 1; s < 20; s++) {
        // a fresh array each time: no caching can hide a dependence on the seed or β
        assert.equal(identityPart(gen.paramsFor({ embedding: e.slice(), seed: s, variation: { ...DEFAULT_V, beta: 0.02 * s } })), first);
      }
    }
  });

  it('posterior decoding: far-apart identities draw diverse faces, near-identical ones the same face', async () => {
    const w = randomWeights(64, 32, 2);
    // A confident network: the input barely moves the logits and one hairstyle dominates.
    const last = w.layers[1]!;
    last.w.forEach((v, i) => (last.w[i] = v * 0.05));
    const hairHead = CATEGORICAL.findIndex((c) => c.name === 'hair');
    const hairOffset = NUMERIC_COUNT + CATEGORICAL_SIZES.slice(0, hairHead).reduce((a, b) => a + b, 0);
    last.b[hairOffset] = 3;
    const sampled: MlpWeights = { ...w, decoding: { temperature: 1, numericStd: new Array<number>(NUMERIC_COUNT).fill(0.1), seed: 1 } };
    const r = new Rng(9);
    const ids = Array.from({ length: 30 }, () => unit(64, r));
    const distinct = (weights: MlpWeights): number => new Set(ids.map((e) => predictParams(weights, e).categorical[hairHead])).size;
    assert.equal(distinct(w), 1, 'argmax: every identity gets the dominant hairstyle');
    assert.ok(distinct(sampled) >= 8, `sampled: ${distinct(sampled)} hairstyles`);
    const e = ids[0]!;
    const near = e.map((v, i) => v + (i === 0 ? 1e-4 : 0));
    assert.equal(identityPart(predictParams(sampled, near)), identityPart(predictParams(sampled, e)));
  });

  it('weights and decoding round-trip; renders are deterministic; bad inputs are refused', async () => {
    const weights: MlpWeights = { ...randomWeights(32, 16, 3), decoding: { temperature: 1, numericStd: new Array<number>(NUMERIC_COUNT).fill(0.05), seed: 7 } };
    const dir = await mkdtemp(join(tmpdir(), 'hf-builtin-'));
    try {
      await saveModel(dir, weights, { recognizer: 'pixels' });
      const loaded = await loadModel(dir);
      assert.equal(loaded.manifest.categorical.length, CATEGORICAL.length);
      assert.deepEqual(loaded.weights.decoding, weights.decoding);
      const x = unit(32, new Rng(1));
      assert.deepEqual(predictParams(loaded.weights, x), predictParams(weights, x));

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
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loads the committed weights (1024-d faceres space, 112x112)', async () => {
    assert.ok(existsSync(join(DEFAULT_MODEL_DIR, 'model.json')));
    const gen = await createBuiltinGenerator({ name: 'builtin' });
    assert.equal(gen.info.dim, 1024);
    assert.equal(gen.info.imageSize, 112);
    const e = unit(1024, new Rng(4));
    const [a] = await gen.render([{ embedding: e, seed: 9, variation: DEFAULT_V }]);
    const [b] = await gen.render([{ embedding: e, seed: 9, variation: DEFAULT_V }]);
    assert.equal(a?.data.length, 112 * 112 * 3);
    assert.ok(hex(a?.data ?? new Uint8Array()) === hex(b?.data ?? new Uint8Array()));
  });
});
