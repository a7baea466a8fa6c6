#!/usr/bin/env node
// The default recognizer through the daemon against @vladmandic/human's own in-process Node pipeline
// (detect + mesh + faceres on wasm), on the six group photos in @vladmandic/face-api's demo/ folder,
// measured in one run. Daemon side: `hyperface embed --address` (a CLI process, as a user runs it),
// second warm pass; Human side: decode (sharp) + human.detect() per photo, second warm pass.
// Prints one JSON object with faces/s for both and the ratio (goal: >= 4), and `uptime` load.
//   npx tsc -b sdk server && node bench/embed/vs-human.mjs [--passes 2]
import { execFileSync, spawn } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const passes = Math.max(2, Number(arg('passes', '2')));
const { packageDir } = await import(join(root, 'server/dist/runtime/models/config.js'));
const demoDir = join(packageDir('@vladmandic/face-api'), 'demo');
const photos = (await readdir(demoDir)).filter((f) => /^sample\d\.jpg$/.test(f)).sort().map((f) => join(demoDir, f));
const load = () => ({ uptime: execFileSync('uptime').toString().trim(), loadavg1: +loadavg()[0].toFixed(2) });
const loadBefore = load();

// --- the daemon ---------------------------------------------------------------------------------
const { loadConfig } = await import(join(root, 'server/dist/config/load.js'));
const { startDaemon } = await import(join(root, 'server/dist/daemon.js'));
const { createLogger } = await import(join(root, 'server/dist/logging.js'));
const dataDir = join(tmpdir(), `hf-bench-vs-human-${process.pid}`);
const config = await loadConfig({ env: {}, overrides: { listen: '127.0.0.1:0', dataDir, dataRoot: '/', 'models.load': ['faceres'] } });
const daemon = await startDaemon(config, { log: createLogger('error') });
await daemon.ready;
const address = `127.0.0.1:${daemon.port}`;
const out = join(dataDir, 'e.npy');

function cli(args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [join(root, 'server/bin/hyperface.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve({ seconds: (performance.now() - t0) / 1000, stdout }) : reject(new Error(`hyperface ${args[0]} exited ${code}`))));
  });
}
const daemonRuns = [];
for (let i = 0; i < passes; i++) {
  const r = await cli(['embed', '--address', address, '--out', out, '--json', ...photos]);
  daemonRuns.push({ seconds: r.seconds, faces: JSON.parse(r.stdout.trim().split('\n').pop()).rows });
}
// The same requests from this process over the SDK (no CLI process start): the daemon's own rate.
const { HyperfaceClient } = await import(join(root, 'sdk/dist/index.js'));
const client = new HyperfaceClient({ address });
const encoded = await Promise.all(photos.map((p) => readFile(p)));
let t0 = performance.now();
let sdkFaces = 0;
for await (const r of client.embed(encoded.map((e, i) => ({ id: String(i), image: { encoded: e } })))) sdkFaces += r.faces.length;
const sdkSeconds = (performance.now() - t0) / 1000;
client.close?.();
const poolStats = daemon.pool?.stats?.();
await daemon.close();
await rm(dataDir, { recursive: true, force: true });

// --- Human in-process ---------------------------------------------------------------------------
const { createHuman } = await import(join(root, 'server/dist/runtime/pool/human-detect.js'));
const sharp = (await import('sharp')).default;
const human = await createHuman(true);
const humanRuns = [];
for (let i = 0; i < passes; i++) {
  t0 = performance.now();
  let faces = 0;
  for (const bytes of encoded) {
    const { data, info } = await sharp(bytes).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const tensor = human.tf.tensor4d(Float32Array.from(data), [1, info.height, info.width, 3], 'float32');
    const res = await human.detect(tensor);
    tensor.dispose();
    faces += res.face.filter((f) => f.embedding?.length).length;
  }
  humanRuns.push({ seconds: (performance.now() - t0) / 1000, faces });
}

const last = (runs) => runs[runs.length - 1];
const rate = (r) => r.faces / r.seconds;
const daemonRate = rate(last(daemonRuns));
const humanRate = rate(last(humanRuns));
console.log(
  JSON.stringify(
    {
      bench: 'embed/vs-human',
      photos: photos.length,
      daemon: { command: 'hyperface embed --address', faces: last(daemonRuns).faces, seconds: +last(daemonRuns).seconds.toFixed(3), facesPerSecond: +daemonRate.toFixed(2), passes: daemonRuns.map((r) => +r.seconds.toFixed(3)) },
      daemonSdk: { faces: sdkFaces, seconds: +sdkSeconds.toFixed(3), facesPerSecond: +(sdkFaces / sdkSeconds).toFixed(2) },
      human: { pipeline: 'detect + mesh + faceres (wasm), in-process', faces: last(humanRuns).faces, seconds: +last(humanRuns).seconds.toFixed(3), facesPerSecond: +humanRate.toFixed(2), passes: humanRuns.map((r) => +r.seconds.toFixed(3)) },
      ratio: +(daemonRate / humanRate).toFixed(2),
      ratioSdk: +(sdkFaces / sdkSeconds / humanRate).toFixed(2),
      goal: '>= 4',
      pool: poolStats,
      cpus: availableParallelism(),
      node: process.version,
      loadBefore,
      loadAfter: load(),
    },
    null,
    2,
  ),
);
process.exit(0);
