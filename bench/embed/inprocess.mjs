#!/usr/bin/env node
// Embeddings per second with the recognizer called in-process (no gRPC, no pool) at a fixed batch:
// the baseline the through-the-daemon benchmark is compared against (same model, same batch).
// Usage: npx tsc -b server && node bench/embed/inprocess.mjs [--model faceres] [--batch 16] [--iters 5] [--config models.json]
// Prints one JSON object.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { validateModelsConfig } = await import(join(root, 'server/dist/runtime/models/config.js'));
const { ModelRepository } = await import(join(root, 'server/dist/runtime/models/repository.js'));

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const model = arg('model', 'faceres');
const batch = Number(arg('batch', '16'));
const iters = Number(arg('iters', '5'));
const configFile = arg('config', undefined);
const raw = configFile ? JSON.parse(await readFile(configFile, 'utf8')) : {};
const cfg = validateModelsConfig(raw, 'models');
cfg.load = [model];
const repo = await ModelRepository.create(cfg);
const rec = repo.recognizer(model);
const size = rec.info.imageSize;
// Deterministic pseudo-face crops (content does not change the cost of a dense network).
const data = new Uint8Array(batch * size * size * 3);
for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
await rec.embed({ data, count: batch, size }); // warm-up
const times = [];
for (let i = 0; i < iters; i++) {
  const t0 = performance.now();
  await rec.embed({ data, count: batch, size });
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(
  JSON.stringify({
    bench: 'embed/inprocess',
    model,
    backend: rec.info.backend,
    provider: rec.info.provider,
    dim: rec.info.dim,
    imageSize: size,
    batch,
    iters,
    medianBatchMs: +median.toFixed(1),
    embeddingsPerSecond: +((batch * 1000) / median).toFixed(2),
    msPerFace: +(median / batch).toFixed(2),
    cpus: availableParallelism(),
    node: process.version,
  }),
);
await repo.dispose();
