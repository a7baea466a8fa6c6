#!/usr/bin/env node
// The ceiling of rank-1 separability for facesjs faces at the default variation: N identities drawn
// from the renderer's own sampler (all distinct, no decoder involved), K faces each, embedded in
// process by faceres and the judge faceapi (the same 112 px crops Generate writes), leave-one-out
// nearest-centroid rank-1 over all identities. No generator decoding can beat this by choosing
// among sampler faces; it can only get there by choosing faces that are further apart.
//
//   npx tsc -b sdk server && nice node bench/generate/ceiling.mjs [--identities 1000] [--k 4] [--seed 777] [--gen-seed 31]
//        [--no-detail (facesjs' own geometry)] [--detail-scale S (identity detail ranges × S about their midpoints)]
//        [--by-nuisance (the share of failures per nuisance condition)]
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    identities: { type: 'string', default: '1000' },
    k: { type: 'string', default: '4' },
    seed: { type: 'string', default: '777' },
    'gen-seed': { type: 'string', default: '31' },
    'no-detail': { type: 'boolean', default: false },
    'detail-scale': { type: 'string', default: '1' },
    'by-nuisance': { type: 'boolean', default: false },
  },
});
const root = new URL('../../', import.meta.url).pathname;
const d = (p) => import(join(root, 'server/dist', p));
const { builtinModels } = await d('runtime/models/catalogue.js');
const { createOnnxRecognizer } = await d('runtime/backends/onnx.js');
const { loadGenderTable, randomFaceParams, renderFace, drawVariation } = await d('runtime/backends/builtin-generator/index.js');
const { DETAIL } = await d('runtime/backends/builtin-generator/detail.js');
const { sampleFaceConfig } = await d('runtime/backends/builtin-generator/render.js');
const { sampleSeed, DEFAULT_VARIATION } = await d('domain/generation/params.js');
const { datasetQuality } = await d('domain/evaluation/quality.js');
const { Rng } = await d('util/rng.js');

const N = Number(opt.identities);
const K = Number(opt.k);
const S = Number(opt['detail-scale']);
// an experiment on the detail ranges (the committed ranges are S = 1)
for (const spec of DETAIL) {
  const mid = (spec.range[0] + spec.range[1]) / 2;
  const half = (spec.range[1] - spec.range[0]) / 2;
  spec.range = [mid - S * half, mid + S * half];
}
await loadGenderTable();
const images = [];
const identity = [];
const conditions = [];
for (let i = 0; i < N; i++) {
  const p = randomFaceParams(Rng.derive(Number(opt.seed), `identity/${i}`));
  if (opt['no-detail']) delete p.detail;
  for (let s = 0; s < K; s++) {
    const v = drawVariation(sampleSeed(Number(opt['gen-seed']), i, s, 0), DEFAULT_VARIATION);
    images.push(await renderFace(p, v, 112));
    identity.push(i);
    const c = sampleFaceConfig(p, v);
    const glasses = c.glasses.id !== 'none';
    const hat = c.accessories.id !== 'none';
    // is this person a wearer? (the same photo with the wearer's draw forced on)
    const on = { ifWearer: true, ifNot: false };
    const always = sampleFaceConfig(p, { ...v, glasses: { ...v.glasses, ...on }, ...(v.headwear ? { headwear: { ...v.headwear, ...on } } : {}) });
    conditions.push({
      glasses,
      'glasses off a wearer / on a non-wearer': glasses !== (always.glasses.id !== 'none'),
      hat,
      ...(v.headwear ? { 'hat off a wearer / on a non-wearer': hat !== (always.accessories.id !== 'none') } : {}),
      'mouth switched': v.expression.switchMouth,
      'blur 2 passes': v.blur === 2,
      'light > 0.1': v.light.strength > 0.1,
      '|yaw| > 0.3': Math.abs(v.yaw) > 0.3,
      '|roll| > 4°': Math.abs(v.rotation) > 4,
    });
  }
}
const out = { identities: N, k: K, seed: Number(opt.seed), generation_seed: Number(opt['gen-seed']), detail: opt['no-detail'] ? 'none' : `ranges x${S}` };

/** Per face: is its own identity's centroid (without it) the nearest of all centroids? */
function correct(emb, dim) {
  const x = Float32Array.from(emb);
  for (let i = 0; i < identity.length; i++) {
    const row = x.subarray(i * dim, (i + 1) * dim);
    const n = Math.hypot(...row) || 1;
    row.forEach((v, j) => (row[j] = v / n));
  }
  const sum = new Float64Array(N * dim);
  for (let i = 0; i < identity.length; i++) for (let j = 0; j < dim; j++) sum[identity[i] * dim + j] += x[i * dim + j];
  const norm = Array.from({ length: N }, (_, c) => Math.hypot(...sum.subarray(c * dim, (c + 1) * dim)));
  return identity.map((own, i) => {
    const xi = x.subarray(i * dim, (i + 1) * dim);
    let best = -Infinity;
    let arg = -1;
    for (let c = 0; c < N; c++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += sum[c * dim + j] * xi[j];
      let cos = dot / norm[c];
      if (c === own) {
        let nn = 0;
        for (let j = 0; j < dim; j++) nn += (sum[c * dim + j] - xi[j]) ** 2;
        cos = (dot - 1) / Math.sqrt(nn);
      }
      if (cos > best) [best, arg] = [cos, c];
    }
    return arg === own;
  });
}

for (const name of ['faceres', 'faceapi']) {
  const rec = await createOnnxRecognizer(builtinModels().find((m) => m.name === name));
  const dim = rec.info.dim;
  const emb = new Float32Array(images.length * dim);
  for (let s = 0; s < images.length; s += 32) {
    const n = Math.min(32, images.length - s);
    const data = new Uint8Array(n * 112 * 112 * 3);
    for (let j = 0; j < n; j++) data.set(images[s + j].data, j * 112 * 112 * 3);
    emb.set(await rec.embed({ data, count: n, size: 112 }), s * dim);
  }
  out[`${name}_rank1`] = datasetQuality({ identity, embeddings: emb, dim }, { pairs: 100 }).rank1;
  if (opt['by-nuisance']) {
    const ok = correct(emb, dim);
    const fails = ok.filter((o) => !o).length;
    const by = {};
    for (const key of Object.keys(conditions[0])) {
      const on = ok.filter((_, i) => conditions[i][key]);
      const f = on.filter((o) => !o).length;
      by[key] = { photos: on.length, fail_rate: Number((f / Math.max(1, on.length)).toFixed(3)), share_of_failures: Number((f / Math.max(1, fails)).toFixed(2)) };
    }
    out[`${name}_by_nuisance`] = { fail_rate: Number((fails / ok.length).toFixed(4)), ...by };
  }
  await rec.dispose();
}
out.load_avg = loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(JSON.stringify(out, null, opt['by-nuisance'] ? 1 : undefined));
