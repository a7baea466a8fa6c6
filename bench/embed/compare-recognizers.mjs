#!/usr/bin/env node
// Compares the built-in recognizers on the face-api demo photos: every detected face is aligned
// (five-point template) into variants — original, mirrored, and jittered (landmarks moved by up to
// ±3 px, ±4% scale, ±5° roll, ±15% brightness). Pairs of variants of the same face are genuine,
// variants of different faces are impostors. Prints JSON: genuine/impostor cosine statistics, d',
// the best-threshold verification accuracy, ms per face at batch 16, and the package weight.
// Usage: npx tsc -b server && node bench/embed/compare-recognizers.mjs [--variants 6]
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(root, 'server/dist/runtime');
const { prepare } = await import(join(dist, 'pool/prepare.js'));
const { estimateSimilarity, arcfaceTemplate, warpSimilarity, flipHorizontal } = await import(join(dist, 'pool/align.js'));
const { decodeImage } = await import(join(dist, 'pool/prepare.js'));
const { builtinModels, packageDir } = await import(join(dist, 'models/config.js'));
const { backendFactories } = await import(join(dist, 'backends/index.js'));

const variantsArg = process.argv.indexOf('--variants');
const VARIANTS = variantsArg > 0 ? Number(process.argv[variantsArg + 1]) : 6;
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;

const demoDir = join(packageDir('@vladmandic/face-api'), 'demo');
const photos = (await readdir(demoDir)).filter((f) => f.endsWith('.jpg')).sort();
const faces = []; // { rgb, width, height, landmarks }
for (const p of photos) {
  const encoded = new Uint8Array(await readFile(join(demoDir, p)));
  const r = await prepare({ encoded, aligned: false, largestFace: false, flip: false, size: 112 });
  if (!r.ok) continue;
  const img = await decodeImage({ encoded });
  for (const f of r.faces) faces.push({ ...img, landmarks: f.landmarks, photo: p });
}

function variants(face, size) {
  const out = [];
  const pts = (lm) => [0, 1, 2, 3, 4].map((i) => [lm[2 * i], lm[2 * i + 1]]);
  const base = estimateSimilarity(pts(face.landmarks), arcfaceTemplate(size));
  const crop0 = warpSimilarity(face.rgb, face.width, face.height, base, size);
  out.push(crop0, flipHorizontal(crop0, size));
  for (let v = 2; v < VARIANTS; v++) {
    const lm = face.landmarks.map((x) => x + rand() * 3);
    const t = estimateSimilarity(pts(lm), arcfaceTemplate(size));
    const s = 1 + rand() * 0.04;
    const th = (rand() * 5 * Math.PI) / 180;
    const c = size / 2;
    // Compose: crop = R·S about the centre ∘ t.
    const a = s * Math.cos(th), b = s * Math.sin(th);
    const j = { a: a * t.a - b * t.b, b: b * t.a + a * t.b, tx: a * (t.tx - c) - b * (t.ty - c) + c, ty: b * (t.tx - c) + a * (t.ty - c) + c };
    const crop = warpSimilarity(face.rgb, face.width, face.height, j, size, v % 2 === 1);
    const gain = 1 + rand() * 0.15;
    for (let i = 0; i < crop.length; i++) crop[i] = Math.min(255, Math.round(crop[i] * gain));
    out.push(crop);
  }
  return out;
}

async function dirSize(dir) {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? await dirSize(p) : (await stat(p)).size;
  }
  return total;
}

const results = {};
for (const entry of builtinModels({ kind: 'recognizer' })) {
  const t0 = performance.now();
  const rec = await backendFactories[entry.backend](entry, {});
  const loadMs = performance.now() - t0;
  const size = rec.info.imageSize;
  const crops = faces.flatMap((f) => variants(f, size));
  const n = crops.length;
  const data = new Uint8Array(n * size * size * 3);
  crops.forEach((c, i) => data.set(c, i * size * size * 3));
  await rec.embed({ data: data.subarray(0, size * size * 3), count: 1, size }); // warm-up
  const t1 = performance.now();
  const emb = await rec.embed({ data, count: n, size });
  const msPerFace = (performance.now() - t1) / n;
  const dim = rec.info.dim;
  const gen = [];
  const imp = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let d = 0;
      for (let k = 0; k < dim; k++) d += emb[i * dim + k] * emb[j * dim + k];
      (Math.floor(i / VARIANTS) === Math.floor(j / VARIANTS) ? gen : imp).push(d);
    }
  }
  const mean = (a) => a.reduce((s, x) => s + x, 0) / a.length;
  const sd = (a) => Math.sqrt(mean(a.map((x) => (x - mean(a)) ** 2)));
  let best = 0;
  let bestT = 0;
  for (const t of [...gen, ...imp]) {
    const acc = (gen.filter((x) => x >= t).length / gen.length + imp.filter((x) => x < t).length / imp.length) / 2;
    if (acc > best) [best, bestT] = [acc, t];
  }
  const pkg = entry.files[0].replace(/^builtin:/, '').split('/').slice(0, 2).join('/');
  const modelFiles = entry.name === 'faceres' ? ['faceres.json', 'faceres.bin'].map((f) => join(packageDir(pkg), 'models', f)) : ['face_recognition_model-weights_manifest.json', 'face_recognition_model.bin'].map((f) => join(packageDir(pkg), 'model', f));
  let modelBytes = 0;
  for (const f of modelFiles) modelBytes += (await stat(f)).size;
  results[entry.name] = {
    dim,
    imageSize: size,
    provider: rec.info.provider,
    faces: faces.length,
    crops: n,
    genuine: { mean: +mean(gen).toFixed(4), sd: +sd(gen).toFixed(4), min: +Math.min(...gen).toFixed(4), pairs: gen.length },
    impostor: { mean: +mean(imp).toFixed(4), sd: +sd(imp).toFixed(4), max: +Math.max(...imp).toFixed(4), pairs: imp.length },
    dPrime: +((mean(gen) - mean(imp)) / Math.sqrt((sd(gen) ** 2 + sd(imp) ** 2) / 2)).toFixed(3),
    balancedAccuracy: +best.toFixed(4),
    threshold: +bestT.toFixed(4),
    msPerFace: +msPerFace.toFixed(1),
    loadMs: Math.round(loadMs),
    modelMB: +(modelBytes / 1e6).toFixed(1),
    packageMB: +((await dirSize(packageDir(pkg))) / 1e6).toFixed(1),
    package: pkg,
  };
  await rec.dispose();
}
console.log(JSON.stringify({ photos: photos.length, variantsPerFace: VARIANTS, node: process.version, cpus: (await import('node:os')).availableParallelism(), results }, null, 2));
