#!/usr/bin/env node
// Issue 18, item 3: HyperFace packing against random identities, with power. For every seed s the
// arms share the builtin gallery (seed s) and the generation seed (1000 + s):
//   alphaA         paper mode (pack's default optimiser) at α = A; alpha1 is "packed"
//   random-gallery gallery rows drawn at random (the paper's unpacked baseline)
//   random         uniform on the sphere
// Per arm and seed: (a) rendered separability (leave-one-out nearest-centroid rank-1 over all
// identities under faceres and the judge faceapi, identity consistency target ↔ render); (b) a
// training proxy: a linear head fitted on the arm's frozen faceapi features (LDA, or with
// --proxy cosface an MLP head trained with a CosFace loss), evaluated on a neutral benchmark (sampler
// identities, 10-fold protocol). Then paired differences against random-gallery.
//
//   npx tsc -b sdk server && nice -n 10 node bench/ablation/run.mjs [--identities 1000] [--k 4]
//      [--seeds 11,12,13,14,15] [--arms alpha1,random-gallery,random,alpha0,alpha0.25,alpha4]
//      [--iterations 150] [--gallery-size 1000] [--neutral-ids 500] [--neutral-k 5] [--pairs 3000]
//      [--proxy lda|cosface] [--epochs 10] [--head-seeds 1] (the last two: cosface only)
//      [--cache /tmp/ablation-cache] [--data-only] [--cached-only] [--json FILE] [--markdown FILE]
// --data-only packs, renders and embeds (the cache) without the analysis; --cached-only analyses
// only the arms and seeds already in the cache (so a second process can follow a --data-only one).
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { armData, builtinGallery, disposeModels, generatorVersion, neutralFaces, neutralFile, parseArm, saveJson, sharedFromCache } from './arms.mjs';

const { values: opt } = parseArgs({
  options: {
    identities: { type: 'string', default: '1000' },
    k: { type: 'string', default: '4' },
    seeds: { type: 'string', default: '11,12,13,14,15' },
    arms: { type: 'string', default: 'alpha1,random-gallery,random,alpha0,alpha0.25,alpha4' },
    iterations: { type: 'string', default: '150' },
    'gallery-size': { type: 'string', default: '1000' },
    'neutral-ids': { type: 'string', default: '500' },
    'neutral-k': { type: 'string', default: '5' },
    pairs: { type: 'string', default: '3000' },
    epochs: { type: 'string', default: '10' },
    'head-seeds': { type: 'string', default: '1' },
    proxy: { type: 'string', default: 'lda' },
    cache: { type: 'string', default: '/tmp/ablation-cache' },
    'data-only': { type: 'boolean', default: false },
    'cached-only': { type: 'boolean', default: false },
    json: { type: 'string' },
    markdown: { type: 'string' },
  },
});
const int = (name) => {
  const v = Number(opt[name]);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got ${opt[name]}`);
  return v;
};
if (!['lda', 'cosface'].includes(opt.proxy)) throw new Error(`--proxy must be lda or cosface, got ${opt.proxy}`);
const N = int('identities');
const K = int('k');
if (K < 2) throw new Error('--k must be at least 2 (leave-one-out rank-1 needs two faces per identity)');
const seeds = opt.seeds.split(',').map(Number);
const arms = opt.arms.split(',').map(parseArm);
// the analysis modules load only when used, so --data-only runs need nothing else
const { analyse, markdownTable } = opt['data-only'] ? {} : await import('./report.mjs');
const { separability, SEPARABILITY_VERSION } = opt['data-only'] ? {} : await import('./separability.mjs');
const { neutralPairs, trainingProxy } = opt['data-only'] ? {} : await import('./proxy.mjs');
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const log = (m) => console.error(`[${new Date().toISOString().slice(11, 19)} load ${load()}] ${m}`);

const version = generatorVersion();
const cache = join(opt.cache, `gen-${version}`);
const runKey = `n${N}-k${K}-it${int('iterations')}-g${int('gallery-size')}`;
const started = Date.now();
const loads = [load()];
log(`generator ${version}, ${runKey}, seeds ${seeds.join(',')}, arms ${arms.map((a) => a.name).join(',')}`);

const neutralCfg = { ids: int('neutral-ids'), k: int('neutral-k'), seed: 9001, genSeed: 9002 };
const neutral = opt['data-only'] ? null : { features: await neutralFaces(neutralCfg, cache), file: neutralFile(neutralCfg, cache), ...neutralCfg, pairs: neutralPairs(neutralCfg.ids, neutralCfg.k, int('pairs'), 9003) };
if (neutral) log(`neutral benchmark: ${neutral.ids} sampler identities × ${neutral.k}, ${neutral.pairs.genuine} genuine + ${neutral.pairs.impostor} impostor pairs`);

// Arms outer, seeds inner: an interrupted run still has every seed of the arms listed first.
const rows = [];
for (const arm of arms) {
  for (const seed of seeds) {
    const seedDir = join(cache, runKey, `seed${seed}`);
    const dir = join(seedDir, arm.name);
    const cfg = { n: N, k: K, seed, genSeed: 1000 + seed, iterations: int('iterations'), galleryRows: int('gallery-size') };
    const cachedArm = existsSync(join(dir, 'meta.json'));
    if (!cachedArm && opt['cached-only']) continue;
    if (!cachedArm) cfg.gallery = await builtinGallery(int('gallery-size'), seed, cache);
    const data = await armData(arm, cfg, dir, cachedArm ? new Map() : sharedFromCache(seedDir, K), log);
    loads.push(load());
    if (opt['data-only']) continue;
    const sepFile = join(dir, `separability-${SEPARABILITY_VERSION}.json`);
    const sep = existsSync(sepFile) ? JSON.parse(readFileSync(sepFile, 'utf8')) : separability(data, N, K);
    if (!existsSync(sepFile)) saveJson(sepFile, sep);
    const proxy = await trainingProxy(data, neutral, { n: N, k: K, seed, epochs: int('epochs'), headSeeds: int('head-seeds'), proxy: opt.proxy }, dir);
    const row = { arm: arm.name, seed, pack: data.pack, distinct_faces: data.distinct_faces, ...sep, ...proxy };
    rows.push(row);
    log(`  ${arm.name} seed ${seed}: rank-1 faceres ${sep.faceres_rank1.toFixed(4)} judge ${sep.judge_rank1.toFixed(4)} consistency ${sep.consistency.toFixed(4)}; proxy accuracy ${proxy.proxy_accuracy.toFixed(4)} (raw faceapi ${proxy.raw_accuracy.toFixed(4)})`);
  }
}
await disposeModels();
if (opt['data-only']) process.exit(0);

// The render link: how many identities get the very face the random-gallery arm gives them.
const facesOf = (seed, arm) => {
  const file = join(cache, runKey, `seed${seed}`, arm, 'faces.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
};
for (const row of rows) {
  const [mine, base] = [facesOf(row.seed, row.arm), facesOf(row.seed, 'random-gallery')];
  row.same_face_as_baseline = mine && base ? mine.filter((key, i) => key === base[i]).length / mine.length : null;
}

const result = {
  generator: version,
  config: { identities: N, k: K, seeds, arms: arms.map((a) => a.name), iterations: int('iterations'), gallery_size: int('gallery-size'), generation_seed: '1000 + seed', neutral: { ids: neutral.ids, k: neutral.k, seed: neutral.seed, generation_seed: neutral.genSeed, genuine: neutral.pairs.genuine, impostor: neutral.pairs.impostor }, epochs: int('epochs'), head_seeds: int('head-seeds'), proxy: opt.proxy, rendering: 'PNG-free (the 112 px crops the generator writes, embedded in process)' },
  rows,
  ...analyse(rows, 'random-gallery'),
  seconds: (Date.now() - started) / 1000,
  load_avg: { start: loads[0], end: load(), max_1min: Math.max(...loads.map((l) => Number(l.split(' ')[0]))) },
};
const md = markdownTable(result);
if (opt.json) writeFileSync(opt.json, JSON.stringify(result, null, 1));
if (opt.markdown) writeFileSync(opt.markdown, md);
console.error(md);
console.log(JSON.stringify({ generator: result.generator, config: result.config, summary: result.summary, differences: result.differences, seconds: result.seconds, load_avg: result.load_avg }));
