#!/usr/bin/env node
// Where the time goes on the daemon's embedding path, stage by stage, single-threaded and in-process
// (no gRPC, no pool): decode (sharp) → blazeface → facemesh → geometry (resize, crops, decoding) →
// five-point warp → faceres (ONNX, intra-op threads = cores, one image per run). Six face-api demo
// photos, second pass. Prints one JSON object with ms per stage and the `uptime` load.
//   npx tsc -b server && node bench/embed/profile-stages.mjs
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const R = join(root, 'server/dist/runtime');
const { decodeImage } = await import(join(R, 'pool/prepare.js'));
const { createOnnxFaceEngine, detectWith } = await import(join(R, 'pool/detect.js'));
const { alignFace } = await import(join(R, 'pool/align.js'));
const { createOnnxRecognizer } = await import(join(R, 'backends/onnx.js'));
const { builtinModels, packageDir } = await import(join(R, 'models/config.js'));

const loadBefore = execFileSync('uptime').toString().trim();
const demo = join(packageDir('@vladmandic/face-api'), 'demo');
const photos = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => readFile(join(demo, `sample${i}.jpg`))));
const engine = await createOnnxFaceEngine();
const entry = builtinModels().find((e) => e.name === 'faceres');
const rec = await createOnnxRecognizer(entry);
const size = rec.info.imageSize;
const ms = {};
const time = async (k, f) => {
  const t = performance.now();
  const r = await f();
  ms[k] = (ms[k] ?? 0) + performance.now() - t;
  return r;
};
const timed = { blaze: (x, n) => time('blazeface', () => engine.blaze(x, n)), mesh: (x, n) => time('facemesh', () => engine.mesh(x, n)) };
let faces = 0;
for (let pass = 0; pass < 2; pass++) {
  for (const k of Object.keys(ms)) delete ms[k];
  faces = 0;
  for (const encoded of photos) {
    const { rgb, width, height } = await time('decode', () => decodeImage({ encoded: new Uint8Array(encoded) }));
    const t = performance.now();
    const found = await detectWith(timed, rgb, width, height);
    ms.detectTotal = (ms.detectTotal ?? 0) + performance.now() - t;
    const crops = await time('align', () => found.map((f) => alignFace(rgb, width, height, f.landmarks, size).crop));
    for (const crop of crops) await time('faceres', () => rec.embed({ data: crop, count: 1, size }));
    faces += found.length;
  }
}
ms.geometry = ms.detectTotal - ms.blazeface - ms.facemesh;
delete ms.detectTotal;
const total = Object.values(ms).reduce((a, b) => a + b, 0);
console.log(
  JSON.stringify({
    bench: 'embed/profile-stages',
    photos: photos.length,
    faces,
    msPerStage: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.round(v)])),
    share: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, +(v / total).toFixed(2)])),
    totalMs: Math.round(total),
    cpus: availableParallelism(),
    loadBefore,
    loadAfter: execFileSync('uptime').toString().trim(),
  }),
);
await rec.dispose();
await engine.release();
