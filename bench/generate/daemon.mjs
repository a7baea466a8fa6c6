#!/usr/bin/env node
// Faces per second streamed through gRPC (GenerationService.Generate, raw 112x112 frames, the SDK
// reading as fast as it can) against the builtin generator called in-process over the same plan,
// side by side in one run. Goal: at most 15% overhead (ratio <= 1.15). Also reports PNG-encoded
// streaming, which adds the encoder's cost.
//   npx tsc -b sdk server && node bench/generate/daemon.mjs [--identities 40] [--k 8]
import { availableParallelism } from 'node:os';
import { lcgRows } from '../lib/lcg.mjs';

const root = new URL('../../', import.meta.url);
const { loadConfig } = await import(new URL('server/dist/config/load.js', root).href);
const { startDaemon } = await import(new URL('server/dist/daemon/daemon.js', root).href);
const { createLogger } = await import(new URL('server/dist/shared/logging.js', root).href);
const { HyperfaceClient, toTensor } = await import(new URL('sdk/dist/index.js', root).href);
const { createBuiltinGenerator } = await import(new URL('server/dist/runtime/backends/builtin-generator/index.js', root).href);
const { generateSamples, withGenerateDefaults } = await import(new URL('server/dist/domain/generation/index.js', root).href);

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const n = Number(arg('identities', '40'));
const k = Number(arg('k', '8'));
const dim = 1024;
const ids = lcgRows(n, dim, 7);

// In-process: the same domain iterator the daemon runs, without gRPC.
const gen = await createBuiltinGenerator({ name: 'builtin' });
const models = { generator: () => gen, recognizer: () => { throw new Error('unused'); } };
const params = withGenerateDefaults({ identities: { data: ids, rows: n, dim }, imagesPerIdentity: k, seed: 1 });
for await (const _ of generateSamples({ ...params, identities: { data: ids, rows: 2, dim } }, { models })) void _; // warm-up
let t0 = performance.now();
let local = 0;
for await (const _ of generateSamples(params, { models }, { batchSize: 16 })) local += 1;
const inprocessSeconds = (performance.now() - t0) / 1000;

const config = await loadConfig({ env: {}, overrides: { listen: '127.0.0.1:0', dataDir: `/tmp/hf-bench-gen-${process.pid}`, dataRoot: '/', 'models.load': ['builtin'] } });
const daemon = await startDaemon(config, { log: createLogger('error') });
await daemon.ready;
const client = new HyperfaceClient({ address: `127.0.0.1:${daemon.port}` });
const stream = async (format) => {
  const t = performance.now();
  let got = 0;
  for await (const ev of client.generate({ embeddings: toTensor(ids, [n, dim]), imagesPerIdentity: k, seed: 1, format })) if (ev.sample) got += 1;
  if (got !== n * k) throw new Error(`got ${got} faces, expected ${n * k}`);
  return (performance.now() - t) / 1000;
};
await stream('IMAGE_FORMAT_RAW'); // warm-up
const rawSeconds = await stream('IMAGE_FORMAT_RAW');
const pngSeconds = await stream('IMAGE_FORMAT_PNG');

console.log(
  JSON.stringify({
    bench: 'generate/daemon-vs-inprocess',
    faces: local,
    image: '112x112',
    inprocess_faces_per_s: +(local / inprocessSeconds).toFixed(1),
    grpc_raw_faces_per_s: +(local / rawSeconds).toFixed(1),
    grpc_png_faces_per_s: +(local / pngSeconds).toFixed(1),
    ratio_raw: +(rawSeconds / inprocessSeconds).toFixed(3),
    ratio_png: +(pngSeconds / inprocessSeconds).toFixed(3),
    goal: 'ratio_raw <= 1.15',
    cpus: availableParallelism(),
  }),
);
client.close();
await daemon.shutdown();
