// (b) The training proxy: head.py trains a small head on the arm's frozen faceapi features; the
// head's embeddings of a neutral benchmark (identities from the renderer's own sampler, never packed
// nor decoded) are scored with the project's verification protocol (domain/evaluation/protocol.ts:
// insightface's 10 folds, threshold chosen on 9, accuracy on the 10th).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadF32, Rng, saveJson } from './arms.mjs';
import { applyLda, fitLda } from './lda.mjs';

const root = new URL('../../', import.meta.url).pathname;
const { evaluatePairs } = await import(join(root, 'server/dist/domain/evaluation/protocol.js'));
/** Debian's python3 carries torch (python3-torch); PYTHON overrides. */
export const PYTHON = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const HEAD = join(root, 'bench/ablation/head.py');
/** Bump when a recipe changes: cached proxy results of another recipe are not reused. */
export const RECIPES = { cosface: 'mlp256-128-cosface-s30-m0.25-adam1e-3-b128-v2', lda: 'lda-d64-shrink0.01-v1' };
/** head.py's output dimension under RECIPES.cosface. */
const COSFACE_OUT = 128;

/**
 * Distinct pairs of the neutral benchmark (ids × k faces, row i·k + s): `pairs` genuine pairs out of
 * all within-identity pairs and `pairs` impostor pairs of two identities, no pair twice, in a seeded
 * random order (so every fold mixes both kinds).
 */
export function neutralPairs(ids, k, pairs, seed) {
  const rng = new Rng(seed);
  const within = [];
  for (let i = 0; i < ids; i++) for (let s = 0; s < k; s++) for (let t = s + 1; t < k; t++) within.push([i * k + s, i * k + t]);
  if (within.length < pairs) throw new Error(`${ids} identities × ${k} faces give only ${within.length} genuine pairs, ${pairs} asked`);
  const genuine = Array.from(rng.sample(within.length, pairs), (j) => within[j]);
  const seen = new Set();
  const impostor = [];
  while (impostor.length < pairs) {
    const [a, b] = [rng.int(ids * k), rng.int(ids * k)];
    if (Math.floor(a / k) === Math.floor(b / k)) continue;
    const key = a < b ? `${a},${b}` : `${b},${a}`;
    if (seen.has(key)) continue;
    seen.add(key);
    impostor.push([a, b]);
  }
  const all = [...genuine.map((p) => ({ p, same: true })), ...impostor.map((p) => ({ p, same: false }))];
  // Fisher–Yates (Rng.sample's draw order is not a uniform permutation)
  const list = [...all];
  for (let i = list.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [list[i], list[j]] = [list[j], list[i]];
  }
  return { a: list.map((x) => x.p[0]), b: list.map((x) => x.p[1]), issame: list.map((x) => x.same), genuine: genuine.length, impostor: impostor.length };
}

/** 10-fold verification of [rows, dim] embeddings on the benchmark's pairs. */
export function verify(emb, dim, pairs) {
  const P = pairs.issame.length;
  const x = new Float32Array(2 * P * dim);
  for (let p = 0; p < P; p++) {
    x.set(emb.subarray(pairs.a[p] * dim, (pairs.a[p] + 1) * dim), 2 * p * dim);
    x.set(emb.subarray(pairs.b[p] * dim, (pairs.b[p] + 1) * dim), (2 * p + 1) * dim);
  }
  const m = evaluatePairs(x, dim, pairs.issame, { folds: 10 });
  return { accuracy: m.accuracy_mean, accuracy_std: m.accuracy_std, eer: m.eer, auc: m.auc, tar_at_far_1e2: m.tar_at_far['1e-2'] ?? null };
}

let rawCache;
/**
 * The arm's proxy trained with its fixed recipe on the arm's faceapi features and scored on the
 * benchmark: `lda` (closed-form Fisher LDA, 64 dims) or `cosface` (head.py's MLP, 128 → 256 → 128,
 * trained `epochs` epochs on one thread, seeded by the seed: every arm of a seed starts from the
 * same weights and sees its rows in the same order). With `headSeeds` R > 1 the CosFace head is
 * trained R times (head seeds seed, seed + 100000, …) and its scores are averaged, so the
 * head's own training noise weighs less in the paired differences.
 */
export async function trainingProxy(data, neutral, { n, k, seed, epochs, proxy = 'lda', headSeeds = 1 }, dir) {
  if (proxy !== 'cosface' || headSeeds === 1) return proxyOnce(data, neutral, { n, k, seed, epochs, proxy }, dir, seed);
  const reps = [];
  for (let r = 0; r < headSeeds; r++) reps.push(await proxyOnce(data, neutral, { n, k, seed, epochs, proxy }, dir, seed + 100000 * r));
  const avg = (get) => reps.reduce((s, x) => s + get(x), 0) / reps.length;
  return {
    ...reps[0],
    proxy_accuracy: avg((x) => x.proxy_accuracy),
    proxy_eer: avg((x) => x.proxy_eer),
    proxy_auc: avg((x) => x.proxy_auc),
    proxy_tar_1e2: avg((x) => x.proxy_tar_1e2),
    fit: { ...reps[0].fit, train_accuracy: avg((x) => x.fit.train_accuracy), loss_last: avg((x) => x.fit.loss_last) },
    head_seeds: reps.map((x, r) => ({ seed: seed + 100000 * r, accuracy: x.proxy_accuracy, eer: x.proxy_eer, train_accuracy: x.fit.train_accuracy, loss_last: x.fit.loss_last })),
  };
}

async function proxyOnce(data, neutral, { n, k, seed, epochs, proxy }, dir, headSeed) {
  const rows = neutral.ids * neutral.k;
  rawCache ??= verify(neutral.features, 128, neutral.pairs);
  const key = `${RECIPES[proxy]}${proxy === 'cosface' ? `-e${epochs}` : ''}-neutral${neutral.ids}x${neutral.k}s${neutral.seed}g${neutral.genSeed}p${neutral.pairs.genuine}${headSeed === seed ? '' : `-hs${headSeed}`}`;
  const cached = join(dir, `proxy-${key}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8'));
  let emb;
  let dim;
  let fit;
  const started = performance.now();
  if (proxy === 'lda') {
    const lda = fitLda(data.faceapi, n, k, 128);
    emb = applyLda(lda, neutral.features, rows, 128);
    dim = lda.dims;
    // how well the fitted projection separates the arm's own identities (nearest class mean)
    fit = { train_accuracy: trainNearestMean(applyLda(lda, data.faceapi, n * k, 128), n, k, dim), seconds: +((performance.now() - started) / 1000).toFixed(2) };
  } else {
    // the features the head reads are the cached ones (the arm's faceapi.f32, the benchmark's file)
    const evalFile = neutral.file;
    if (!evalFile || !existsSync(evalFile)) throw new Error('the cosface proxy reads the neutral benchmark from its cache file (neutral.file)');
    const out = join(dir, `head-out-${process.pid}.f32`);
    const stdout = execFileSync(PYTHON, [HEAD, join(dir, 'faceapi.f32'), n, k, evalFile, rows, 128, headSeed, epochs, out, 256, COSFACE_OUT].map(String), { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    fit = JSON.parse(stdout.trim().split('\n').at(-1));
    emb = loadF32(out);
    rmSync(out);
    dim = COSFACE_OUT;
  }
  const v = verify(emb, dim, neutral.pairs);
  const result = {
    proxy,
    proxy_accuracy: v.accuracy,
    proxy_accuracy_std: v.accuracy_std,
    proxy_eer: v.eer,
    proxy_auc: v.auc,
    proxy_tar_1e2: v.tar_at_far_1e2,
    raw_accuracy: rawCache.accuracy,
    raw_eer: rawCache.eer,
    fit,
  };
  saveJson(cached, result);
  writeFileSync(join(dir, `proxy-${proxy}-recipe.txt`), key);
  return result;
}

/** Share of rows whose nearest class mean (cosine, the row itself included) is their own. */
function trainNearestMean(emb, n, k, d) {
  const means = new Float64Array(n * d);
  for (let r = 0; r < n * k; r++) for (let c = 0; c < d; c++) means[Math.floor(r / k) * d + c] += emb[r * d + c];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += means[i * d + c] ** 2;
    const inv = 1 / (Math.sqrt(s) || 1);
    for (let c = 0; c < d; c++) means[i * d + c] *= inv;
  }
  let right = 0;
  for (let r = 0; r < n * k; r++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += emb[r * d + c] * means[i * d + c];
      if (s > bestScore) [bestScore, best] = [s, i];
    }
    if (best === Math.floor(r / k)) right++;
  }
  return right / (n * k);
}
