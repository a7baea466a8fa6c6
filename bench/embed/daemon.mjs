#!/usr/bin/env node
// Embeddings per second through the daemon (gRPC Embed stream + preprocessing pool + dynamic
// batching + model) against the same model called in-process at the same batch size, measured
// side by side in one run. Goal: the daemon costs at most 15% more (ratio <= 1.15).
//   npx tsc -b sdk server && node bench/embed/daemon.mjs [--model faceres] [--batch 16] [--faces 160]
import { availableParallelism } from 'node:os';

const root = new URL('../../', import.meta.url);
const { loadConfig } = await import(new URL('server/dist/config/load.js', root).href);
const { startDaemon } = await import(new URL('server/dist/daemon/daemon.js', root).href);
const { createLogger } = await import(new URL('server/dist/shared/logging.js', root).href);
const { HyperfaceClient } = await import(new URL('sdk/dist/index.js', root).href);

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const model = arg('model', 'faceres');
const batch = Number(arg('batch', '16'));
const faces = Number(arg('faces', '160'));

const config = await loadConfig({ env: {}, overrides: { listen: '127.0.0.1:0', dataDir: `/tmp/hf-bench-embed-${process.pid}`, dataRoot: '/', 'models.load': [model], 'recognition.maxBatch': String(batch), 'recognition.maxDelayMs': '20' } });
const daemon = await startDaemon(config, { log: createLogger('error') });
await daemon.ready;
const client = new HyperfaceClient({ address: `127.0.0.1:${daemon.port}` });
const info = await client.getModel(model);
const size = info.imageSize;
// Aligned crops at the model's input size (content does not change the cost of a dense network).
const crop = (i) => {
  const data = Buffer.alloc(size * size * 3);
  for (let p = 0; p < data.length; p++) data[p] = ((p + i * 7919) * 2654435761) >>> 24;
  return data;
};

// In-process baseline: the daemon's own loaded recognizer, called directly in batches.
const { ModelRepository } = await import(new URL('server/dist/runtime/models/repository.js', root).href);
void ModelRepository;
const { validateModelsConfig } = await import(new URL('server/dist/runtime/models/config.js', root).href);
const cfg = validateModelsConfig({ load: [model] });
const repo = await ModelRepository.create(cfg);
const rec = repo.recognizer(model);
const batchData = new Uint8Array(batch * size * size * 3);
for (let b = 0; b < batch; b++) batchData.set(crop(b), b * size * size * 3);
await rec.embed({ data: batchData, count: batch, size });
let t0 = performance.now();
for (let done = 0; done < faces; done += batch) await rec.embed({ data: batchData, count: batch, size });
const inprocessSeconds = (performance.now() - t0) / 1000;
await repo.dispose();

// Through the daemon: one Embed stream, all requests in flight (dynamic batching fills batches).
const requests = (n) => Array.from({ length: n }, (_, i) => ({ id: String(i), recognizer: model, aligned: true, image: { raw: { height: size, width: size, channels: 3, data: crop(i % batch) } } }));
for await (const _ of client.embed(requests(batch))) void _; // warm-up (pool workers, batcher)
t0 = performance.now();
let received = 0;
for await (const r of client.embed(requests(faces))) if (!r.error) received += 1;
const daemonSeconds = (performance.now() - t0) / 1000;
if (received !== faces) throw new Error(`only ${received}/${faces} embeddings came back`);

// The same crops PNG-encoded: the pool decodes them (the path photos and datasets take).
const sharp = (await import('sharp')).default;
const pngs = await Promise.all(Array.from({ length: batch }, (_, i) => sharp(crop(i), { raw: { width: size, height: size, channels: 3 } }).png().toBuffer()));
const encodedRequests = (n) => Array.from({ length: n }, (_, i) => ({ id: String(i), recognizer: model, aligned: true, image: { encoded: pngs[i % batch] } }));
t0 = performance.now();
received = 0;
for await (const r of client.embed(encodedRequests(faces))) if (!r.error) received += 1;
const encodedSeconds = (performance.now() - t0) / 1000;

console.log(
  JSON.stringify({
    bench: 'embed/daemon-vs-inprocess',
    model,
    provider: info.provider,
    batch,
    faces,
    inprocess_embeddings_per_s: +(faces / inprocessSeconds).toFixed(2),
    daemon_embeddings_per_s: +(faces / daemonSeconds).toFixed(2),
    ratio: +(daemonSeconds / inprocessSeconds).toFixed(3),
    daemon_png_embeddings_per_s: +(faces / encodedSeconds).toFixed(2),
    ratio_png: +(encodedSeconds / inprocessSeconds).toFixed(3),
    goal: '<= 1.15',
    cpus: availableParallelism(),
  }),
);
client.close();
await daemon.shutdown();
