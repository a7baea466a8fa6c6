// The ablation's data: per seed, the builtin gallery, each arm's identities (packed at an α, or a
// baseline), and each arm's rendered faces embedded by faceres and the judge faceapi, all in process
// through the server's compiled code (server/dist) and cached on disk per arm and seed.
//
// Faces are rendered PNG-free: the 112×112 aligned crops the builtin generator hands to the PNG
// encoder are embedded directly (as bench/generate/ceiling.mjs does), not decoded back from files.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const d = (p) => import(join(root, 'server/dist', p));
const { builtinModels } = await d('runtime/models/catalogue.js');
const { createOnnxRecognizer } = await d('runtime/backends/onnx.js');
const gen = await d('runtime/backends/builtin-generator/index.js');
const { sampleSeed, DEFAULT_VARIATION } = await d('domain/generation/params.js');
const { createComputeEngine } = await d('runtime/compute/engine.js');
const { runPacking, withPackDefaults } = await d('domain/packing/index.js');
const { Rng } = await d('util/rng.js');

export const SIZE = 112;
export { Rng, sampleSeed };

/** Version of the generator the faces come from: its weights/bank files and its compiled code. */
export function generatorVersion(modelDir = gen.DEFAULT_MODEL_DIR) {
  const h = createHash('sha256');
  for (const f of readdirSync(modelDir).sort()) h.update(f).update(readFileSync(join(modelDir, f)));
  const code = join(root, 'server/dist/runtime/backends/builtin-generator');
  for (const f of readdirSync(code).filter((f) => f.endsWith('.js') && !f.includes('.test.')).sort()) h.update(f).update(readFileSync(join(code, f)));
  return h.digest('hex').slice(0, 12);
}

/** Float32 arrays on disk (raw little-endian), written atomically. */
export function saveF32(path, arr) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));
  renameSync(tmp, path);
}
export function loadF32(path) {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
export function saveJson(path, v) {
  writeFileSync(`${path}.tmp-${process.pid}`, JSON.stringify(v, null, 1));
  renameSync(`${path}.tmp-${process.pid}`, path);
}

let models;
/** faceres, faceapi, the generator weights and the packing compute engine, loaded once. */
export async function loadModels() {
  if (models) return models;
  await gen.loadGenderTable();
  const rec = async (name) => createOnnxRecognizer(builtinModels().find((m) => m.name === name));
  const { weights } = await gen.loadModel(gen.DEFAULT_MODEL_DIR);
  models = { faceres: await rec('faceres'), faceapi: await rec('faceapi'), weights, compute: await createComputeEngine({ device: 'cpu' }) };
  return models;
}

export async function disposeModels() {
  if (!models) return;
  await models.faceres.dispose();
  await models.faceapi.dispose();
  models = undefined;
}

/**
 * Renders faces (params, sample seed) at the default variation and embeds them by the named
 * recognizers, 32 at a time. Returns { [name]: Float32Array [n, dim] }.
 */
export async function renderAndEmbed(faces, names) {
  const m = await loadModels();
  const out = Object.fromEntries(names.map((n) => [n, new Float32Array(faces.length * m[n].info.dim)]));
  const B = 32;
  for (let s = 0; s < faces.length; s += B) {
    const n = Math.min(B, faces.length - s);
    const data = new Uint8Array(n * SIZE * SIZE * 3);
    for (let j = 0; j < n; j += 4) {
      const imgs = await Promise.all(faces.slice(s + j, s + Math.min(n, j + 4)).map((f) => gen.renderFace(f.params, gen.drawVariation(f.seed, DEFAULT_VARIATION), SIZE)));
      imgs.forEach((img, q) => data.set(img.data, (j + q) * SIZE * SIZE * 3));
    }
    for (const name of names) out[name].set(await m[name].embed({ data, count: n, size: SIZE }), s * m[name].info.dim);
  }
  return out;
}

function gaussianUnit(dim, seed) {
  // as the daemon's builtin gallery draws its source embeddings (domain/app/galleries.ts)
  const rng = new Rng(seed);
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rng.normal();
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/**
 * The builtin gallery `pack --gallery builtin:SIZE --seed SEED` uses: SIZE random embeddings
 * rendered by the generator at the default variation and embedded by faceres.
 */
export async function builtinGallery(size, seed, cacheDir) {
  const file = join(cacheDir, `gallery-${size}-seed${seed}.f32`);
  if (existsSync(file)) return loadF32(file);
  const { weights } = await loadModels();
  const faces = Array.from({ length: size }, (_, j) => ({
    params: gen.predictParams(weights, gaussianUnit(weights.dim, sampleSeed(seed, j, 0xfffffffe, 0))),
    seed: sampleSeed(seed, j, 0xfffffffd, 0),
  }));
  const { faceres } = await renderAndEmbed(faces, ['faceres']);
  mkdirSync(cacheDir, { recursive: true });
  saveF32(file, faceres);
  return faceres;
}

/** An arm: `{ name, mode: 'paper' | 'random' | 'random-gallery', alpha? }`. */
export function parseArm(name) {
  if (name === 'random-gallery' || name === 'random') return { name, mode: name };
  const m = /^alpha([0-9.]+)$/.exec(name);
  if (!m) throw new Error(`unknown arm ${name}: use alphaA (paper mode at α = A), random-gallery or random`);
  return { name, mode: 'paper', alpha: Number(m[1]) };
}

/** The arm's N identities (pack seed = SEED, the same gallery for every arm). */
export async function armIdentities(arm, { n, seed, iterations, gallery, galleryRows }) {
  const { compute } = await loadModels();
  const p = withPackDefaults({ identities: n, dim: 1024, mode: arm.mode, seed, ...(arm.mode === 'paper' ? { alpha: arm.alpha, iterations } : {}) }, true);
  const o = await runPacking(p, { data: gallery, rows: galleryRows }, { compute });
  return {
    targets: o.embeddings,
    pack: { mode: p.mode, alpha: arm.mode === 'paper' ? p.alpha : null, iterations: o.iterationsRun, seconds: +o.elapsedSeconds.toFixed(1), min_angle_deg: o.metrics.minAngleDeg, mean_nn_angle_deg: o.metrics.meanNnAngleDeg, mean_gallery_distance: o.metrics.meanGalleryDistance ?? null },
  };
}

/**
 * One arm at one seed, cached in `dir`: targets [N, 1024], faceres [N·K, 1024], faceapi [N·K, 128]
 * (row i·K + k = identity i, sample k, rendered with seed sampleSeed(genSeed, i, k, 0)).
 * `shared` maps (face parameters, i, k) → embeddings across the arms of one seed: two arms whose
 * identity i decodes to the same face render the same pixels, so they are embedded once.
 */
export async function armData(arm, cfg, dir, shared, log) {
  const meta = join(dir, 'meta.json');
  if (existsSync(meta)) return { ...JSON.parse(readFileSync(meta, 'utf8')), targets: loadF32(join(dir, 'targets.f32')), faceres: loadF32(join(dir, 'faceres.f32')), faceapi: loadF32(join(dir, 'faceapi.f32')), cached: true };
  const t0 = performance.now();
  const { weights, faceres, faceapi } = await loadModels();
  const { targets, pack } = await armIdentities(arm, cfg);
  const t1 = performance.now();
  const { n, k, genSeed } = cfg;
  const rows = n * k;
  const out = { faceres: new Float32Array(rows * faceres.info.dim), faceapi: new Float32Array(rows * faceapi.info.dim) };
  const todo = [];
  const keys = [];
  const faceKeys = [];
  for (let i = 0; i < n; i++) {
    const params = gen.predictParams(weights, targets.subarray(i * 1024, (i + 1) * 1024));
    const pk = createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 24);
    faceKeys.push(pk);
    for (let s = 0; s < k; s++) {
      const key = `${pk}|${i}|${s}`;
      keys.push(key);
      if (!shared.has(key)) todo.push({ params, seed: sampleSeed(genSeed, i, s, 0), key });
    }
  }
  const fresh = await renderAndEmbed(todo, ['faceres', 'faceapi']);
  todo.forEach((f, j) => shared.set(f.key, { faceres: fresh.faceres.slice(j * 1024, (j + 1) * 1024), faceapi: fresh.faceapi.slice(j * 128, (j + 1) * 128) }));
  keys.forEach((key, r) => {
    const e = shared.get(key);
    out.faceres.set(e.faceres, r * 1024);
    out.faceapi.set(e.faceapi, r * 128);
  });
  const distinct = new Set(faceKeys);
  const info = { arm: arm.name, seed: cfg.seed, generation_seed: genSeed, n, k, pack, distinct_faces: distinct.size, rendered: todo.length, seconds: { pack: +((t1 - t0) / 1000).toFixed(1), render_embed: +((performance.now() - t1) / 1000).toFixed(1) } };
  log?.(`  ${arm.name} seed ${cfg.seed}: min angle ${pack.min_angle_deg.toFixed(1)}°, ${distinct.size} distinct faces, rendered ${todo.length} (${info.seconds.pack} s pack, ${info.seconds.render_embed} s render+embed)`);
  mkdirSync(dir, { recursive: true });
  saveF32(join(dir, 'targets.f32'), targets);
  saveF32(join(dir, 'faceres.f32'), out.faceres);
  saveF32(join(dir, 'faceapi.f32'), out.faceapi);
  saveJson(join(dir, 'faces.json'), faceKeys);
  saveJson(meta, info);
  return { ...info, targets, ...out, cached: false };
}

/**
 * The face → embeddings map of one seed rebuilt from the arms already cached under `seedDir`
 * (their faces.json holds each identity's face key), so an arm run later still reuses their renders.
 */
export function sharedFromCache(seedDir, k) {
  const shared = new Map();
  if (!existsSync(seedDir)) return shared;
  for (const arm of readdirSync(seedDir)) {
    const dir = join(seedDir, arm);
    if (!existsSync(join(dir, 'meta.json')) || !existsSync(join(dir, 'faces.json'))) continue;
    const faceKeys = JSON.parse(readFileSync(join(dir, 'faces.json'), 'utf8'));
    const faceres = loadF32(join(dir, 'faceres.f32'));
    const faceapi = loadF32(join(dir, 'faceapi.f32'));
    faceKeys.forEach((pk, i) => {
      for (let s = 0; s < k; s++) {
        const r = i * k + s;
        shared.set(`${pk}|${i}|${s}`, { faceres: faceres.subarray(r * 1024, (r + 1) * 1024), faceapi: faceapi.subarray(r * 128, (r + 1) * 128) });
      }
    });
  }
  return shared;
}

/** Where neutralFaces caches the benchmark's features (raw float32, [ids·k, 128]). */
export const neutralFile = ({ ids, k, seed, genSeed }, cacheDir) => join(cacheDir, `neutral-${ids}x${k}-seed${seed}-gen${genSeed}.f32`);

/**
 * The neutral benchmark's faces: `ids` identities drawn from the renderer's own sampler
 * (randomFaceParams, not packed, not through the bank or the MLP), `k` faces each at the default
 * variation, embedded by faceapi (the features the training proxy's head reads).
 */
export async function neutralFaces({ ids, k, seed, genSeed }, cacheDir) {
  const file = neutralFile({ ids, k, seed, genSeed }, cacheDir);
  if (existsSync(file)) return loadF32(file);
  await loadModels();
  const faces = [];
  for (let i = 0; i < ids; i++) {
    const params = gen.randomFaceParams(Rng.derive(seed, `identity/${i}`));
    for (let s = 0; s < k; s++) faces.push({ params, seed: sampleSeed(genSeed, i, s, 0) });
  }
  const { faceapi } = await renderAndEmbed(faces, ['faceapi']);
  mkdirSync(cacheDir, { recursive: true });
  saveF32(file, faceapi);
  return faceapi;
}
