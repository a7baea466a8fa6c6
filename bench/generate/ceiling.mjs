#!/usr/bin/env node
// The ceiling of rank-1 separability for facesjs faces at the default variation: N identities drawn
// from the renderer's own sampler (all distinct, no decoder involved), K faces each, embedded in
// process by faceres and the judge faceapi (the same 112 px crops Generate writes), leave-one-out
// nearest-centroid rank-1 over all identities. No generator decoding can beat this by choosing
// among sampler faces; it can only get there by choosing faces that are further apart.
//
//   npx tsc -b sdk server && nice node bench/generate/ceiling.mjs [--identities 1000] [--k 4] [--seed 777] [--gen-seed 31]
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: { identities: { type: 'string', default: '1000' }, k: { type: 'string', default: '4' }, seed: { type: 'string', default: '777' }, 'gen-seed': { type: 'string', default: '31' } },
});
const root = new URL('../../', import.meta.url).pathname;
const d = (p) => import(join(root, 'server/dist', p));
const { builtinModels } = await d('runtime/models/catalogue.js');
const { createOnnxRecognizer } = await d('runtime/backends/onnx.js');
const { loadGenderTable, randomFaceParams, renderFace, drawVariation } = await d('runtime/backends/builtin-generator/index.js');
const { sampleSeed, DEFAULT_VARIATION } = await d('domain/generation/params.js');
const { datasetQuality } = await d('domain/evaluation/quality.js');
const { Rng } = await d('util/rng.js');

const N = Number(opt.identities);
const K = Number(opt.k);
await loadGenderTable();
const images = [];
const identity = [];
for (let i = 0; i < N; i++) {
  const p = randomFaceParams(Rng.derive(Number(opt.seed), `identity/${i}`));
  for (let s = 0; s < K; s++) {
    images.push(await renderFace(p, drawVariation(sampleSeed(Number(opt['gen-seed']), i, s, 0), DEFAULT_VARIATION), 112));
    identity.push(i);
  }
}
const out = { identities: N, k: K, seed: Number(opt.seed), generation_seed: Number(opt['gen-seed']) };
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
  await rec.dispose();
}
out.load_avg = loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(JSON.stringify(out));
