#!/usr/bin/env node
// Embeddings per second through the daemon (gRPC Embed stream + preprocessing pool + dynamic
// batching + model) against the same model called in-process at the same batch size, measured
// side by side in one run. Goal: the daemon costs at most 15% more (ratio <= 1.15).
// The passes alternate (in-process, daemon raw crops, daemon PNG crops) for `--rounds` rounds after
// a warm-up of each, and the median pass of each side is compared, so a load change hits all three
// alike. Wall time and CPU time (this process: client, daemon, pool and model threads) are both
// printed; on a shared box the CPU ratio is the steadier one.
//   npx tsc -b sdk server && node bench/embed/daemon.mjs [--model faceres] [--batch 16] [--faces 160] [--rounds 5]
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

const root = new URL('../../', import.meta.url);
const { loadConfig } = await import(new URL('server/dist/config/load.js', root).href);
const { startDaemon } = await import(new URL('server/dist/daemon/daemon.js', root).href);
const { createLogger } = await import(new URL('server/dist/shared/logging.js', root).href);
const { HyperfaceClient } = await import(new URL('sdk/dist/index.js', root).href);
const { ModelRepository } = await import(new URL('server/dist/runtime/models/repository.js', root).href);
const { validateModelsConfig } = await import(new URL('server/dist/runtime/models/config.js', root).href);

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const model = arg('model', 'faceres');
const batch = Number(arg('batch', '16'));
const faces = Number(arg('faces', '160'));
const rounds = Math.max(1, Number(arg('rounds', '5')));
const uptime = () => execFileSync('uptime').toString().trim();
const loadBefore = uptime();

const config = await loadConfig({ env: {}, overrides: { listen: '127.0.0.1:0', dataDir: `/tmp/hf-bench-embed-${process.pid}`, dataRoot: '/', 'models.load': [model], 'recognition.maxBatch': String(batch) } });
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
const crops = Array.from({ length: batch }, (_, i) => crop(i));

// In-process baseline: the same model, loaded by its own repository, called directly in batches.
const repo = await ModelRepository.create(validateModelsConfig({ load: [model] }));
const rec = repo.recognizer(model);
const batchData = new Uint8Array(batch * size * size * 3);
for (let b = 0; b < batch; b++) batchData.set(crops[b], b * size * size * 3);
async function inprocess() {
  for (let done = 0; done < faces; done += batch) await rec.embed({ data: batchData, count: batch, size });
}

// Through the daemon: one Embed stream, all requests in flight (dynamic batching fills batches).
const rawRequests = Array.from({ length: faces }, (_, i) => ({ id: String(i), recognizer: model, aligned: true, image: { raw: { height: size, width: size, channels: 3, data: crops[i % batch] } } }));
// The same crops PNG-encoded: the pool decodes them (the path photos and datasets take).
const sharp = (await import('sharp')).default;
const pngs = await Promise.all(crops.map((c) => sharp(c, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer()));
const pngRequests = Array.from({ length: faces }, (_, i) => ({ id: String(i), recognizer: model, aligned: true, image: { encoded: pngs[i % batch] } }));
const viaDaemon = (requests) => async () => {
  let received = 0;
  for await (const r of client.embed(requests)) if (!r.error) received += 1;
  if (received !== faces) throw new Error(`only ${received}/${faces} embeddings came back`);
};

const sides = { inprocess, daemon: viaDaemon(rawRequests), daemonPng: viaDaemon(pngRequests) };
const runs = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
async function pass(name) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await sides[name]();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}
for (const name of Object.keys(sides)) await pass(name); // warm-up: pool workers, batcher, model threads
for (let r = 0; r < rounds; r++) for (const name of Object.keys(sides)) runs[name].push(await pass(name));
await repo.dispose();
client.close();
await daemon.shutdown();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const wall = (k) => median(runs[k].map((r) => r.wall));
const cpu = (k) => median(runs[k].map((r) => r.cpu));
const side = (k) => ({ embeddings_per_s: +(faces / wall(k)).toFixed(2), cpu_ms_per_face: +((cpu(k) * 1000) / faces).toFixed(2), passes_s: runs[k].map((r) => +r.wall.toFixed(3)) });
console.log(
  JSON.stringify({
    bench: 'embed/daemon-vs-inprocess',
    model,
    provider: info.provider,
    batch,
    faces,
    rounds,
    inprocess: side('inprocess'),
    daemon: side('daemon'),
    daemon_png: side('daemonPng'),
    ratio: +(wall('daemon') / wall('inprocess')).toFixed(3),
    ratio_cpu: +(cpu('daemon') / cpu('inprocess')).toFixed(3),
    ratio_png: +(wall('daemonPng') / wall('inprocess')).toFixed(3),
    ratio_png_cpu: +(cpu('daemonPng') / cpu('inprocess')).toFixed(3),
    goal: 'ratio <= 1.15',
    cpus: availableParallelism(),
    loadBefore,
    loadAfter: uptime(),
  }),
);
process.exit(0);
