// Faces per second of the builtin generator called in-process (no gRPC), 112x112 RGB, for 1 and 2
// worker threads (each thread owns a generator; the work is split evenly). Prints JSON.
//
//   npx tsc -b server && node bench/generate/inprocess.mjs [--faces 400] [--workers 1,2] [--batch 16] [--model-dir DIR]
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const here = new URL('.', import.meta.url);
const genUrl = new URL('../../server/dist/runtime/backends/builtin-generator/index.js', here).href;
const paramsUrl = new URL('../../server/dist/domain/generation/params.js', here).href;

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Renders faces [start, end) of the plan: identity i = face / 8 (8 samples each), seed from the plan. */
async function renderRange(start, end, batch, modelDir) {
  const { createBuiltinGenerator } = await import(genUrl);
  const { Rng } = await import(new URL('../../server/dist/util/rng.js', here).href);
  const { sampleSeed, DEFAULT_VARIATION } = await import(paramsUrl);
  const gen = await createBuiltinGenerator({ name: 'builtin', ...(modelDir ? { files: [modelDir] } : {}) });
  const identity = (i) => {
    const r = Rng.derive(1234, `bench/${i}`);
    const x = new Float32Array(gen.info.dim).map(() => r.normal());
    const n = Math.hypot(...x);
    return x.map((v) => v / n);
  };
  // warm-up (facesjs SVG tables, sharp/librsvg init)
  await gen.render([{ embedding: identity(0), seed: 1, variation: DEFAULT_VARIATION }]);
  const t0 = performance.now();
  let bytes = 0;
  for (let f = start; f < end; f += batch) {
    const items = [];
    for (let k = f; k < Math.min(end, f + batch); k++) {
      const i = Math.floor(k / 8);
      items.push({ embedding: identity(i), seed: sampleSeed(0, i, k % 8, 0), variation: DEFAULT_VARIATION });
    }
    for (const img of await gen.render(items)) bytes += img.data.length;
  }
  return { seconds: (performance.now() - t0) / 1000, faces: end - start, bytes };
}

if (!isMainThread) {
  const { start, end, batch, modelDir } = workerData;
  parentPort.postMessage(await renderRange(start, end, batch, modelDir));
} else {
  const faces = Number(arg('faces', 400));
  const batch = Number(arg('batch', 16));
  const modelDir = arg('model-dir', undefined);
  const workerCounts = String(arg('workers', '1,2')).split(',').map(Number);
  const results = [];
  for (const workers of workerCounts) {
    const per = Math.ceil(faces / workers);
    const t0 = performance.now();
    const parts = await Promise.all(
      Array.from({ length: workers }, (_, w) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: { start: w * per, end: Math.min(faces, (w + 1) * per), batch, modelDir } });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
      ),
    );
    const wall = Math.max(...parts.map((p) => p.seconds));
    results.push({
      workers,
      faces,
      seconds: Number(wall.toFixed(3)),
      facesPerSecond: Number((faces / wall).toFixed(1)),
      wallIncludingStartup: Number(((performance.now() - t0) / 1000).toFixed(3)),
    });
  }
  console.log(
    JSON.stringify(
      { benchmark: 'generate/inprocess', generator: 'builtin', imageSize: 112, batch, cpus: availableParallelism(), node: process.version, results },
      null,
      2,
    ),
  );
}
