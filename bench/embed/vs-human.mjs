#!/usr/bin/env node
// The default recognizer through the daemon against @vladmandic/human's own in-process Node pipeline
// (detect + mesh + faceres on wasm), on the six group photos in @vladmandic/face-api's demo/ folder,
// measured in one run. Daemon side: `hyperface embed --address` (a CLI process, as a user runs it),
// warm passes; Human side: decode (sharp) + human.detect() per photo. The passes alternate between
// the two (the first of each is a warm-up) and medians are compared, so load changes hit both.
// Prints one JSON object with faces/s for both, and for each daemon path (CLI process, SDK stream)
// the wall ratio (goal: >= 4) and the per-core ratio (faces per CPU second: the CLI process's CPU
// plus the daemon's, against Human's), with `uptime` load.
//   npx tsc -b sdk server && node bench/embed/vs-human.mjs [--passes 4]
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
const passes = Math.max(2, Number(arg('passes', '4')));
const { packageDir } = await import(join(root, 'server/dist/runtime/models/config.js'));
const demoDir = join(packageDir('@vladmandic/face-api'), 'demo');
const photos = (await readdir(demoDir)).filter((f) => /^sample\d\.jpg$/.test(f)).sort().map((f) => join(demoDir, f));
const load = () => ({ uptime: execFileSync('uptime').toString().trim(), loadavg1: +loadavg()[0].toFixed(2) });
const loadBefore = load();

// --- the daemon ---------------------------------------------------------------------------------
const { loadConfig } = await import(join(root, 'server/dist/config/load.js'));
const { startDaemon } = await import(join(root, 'server/dist/daemon/daemon.js'));
const { createLogger } = await import(join(root, 'server/dist/shared/logging.js'));
const dataDir = join(tmpdir(), `hf-bench-vs-human-${process.pid}`);
const config = await loadConfig({ env: {}, overrides: { listen: '127.0.0.1:0', dataDir, dataRoot: '/', 'models.load': ['faceres'] } });
const daemon = await startDaemon(config, { log: createLogger('error') });
await daemon.ready;
const address = `127.0.0.1:${daemon.port}`;
const out = join(dataDir, 'e.npy');

// The CLI runs under bash, whose `times` prints its children's CPU (user, system) on stderr's last
// line: the CLI process's own CPU, which this process cannot see.
const shellQuote = (s) => `'${s.replaceAll("'", "'\\''")}'`;
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
function cli(args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c0 = cpuNow();
    const command = [process.execPath, join(root, 'server/bin/hyperface.js'), ...args].map(shellQuote).join(' ');
    const p = spawn('bash', ['-c', `${command} || exit $?; times >&2`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`hyperface ${args[0]} exited ${code}: ${stderr}`));
      const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(stderr.trim());
      if (!m) return reject(new Error(`no CPU times from bash: ${stderr}`));
      const child = Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]);
      resolve({ seconds: (performance.now() - t0) / 1000, cpu: child + (cpuNow() - c0), stdout });
    });
  });
}
const { HyperfaceClient } = await import(join(root, 'sdk/dist/index.js'));
const client = new HyperfaceClient({ address });
const encoded = await Promise.all(photos.map((p) => readFile(p)));
async function daemonCli() {
  const r = await cli(['embed', '--address', address, '--out', out, '--json', '--quiet', ...photos]);
  return { seconds: r.seconds, cpu: r.cpu, faces: JSON.parse(r.stdout.trim().split('\n').pop()).rows };
}
// The same requests from this process over the SDK (no CLI process start): the daemon's own rate.
// CPU seconds of this process: the daemon runs in it (its pool workers and recognizer thread are
// threads), so this is all the CPU the SDK path costs; Human runs in it too. Faces per CPU second
// is the per-core rate.
async function daemonSdk() {
  const t0 = performance.now();
  const c0 = cpuNow();
  let faces = 0;
  for await (const r of client.embed(encoded.map((e, i) => ({ id: String(i), image: { encoded: e } })))) faces += r.faces.length;
  return { seconds: (performance.now() - t0) / 1000, cpu: cpuNow() - c0, faces };
}

// --- Human in-process ---------------------------------------------------------------------------
const { createHuman } = await import(join(root, 'server/dist/runtime/pool/human-detect.js'));
const sharp = (await import('sharp')).default;
const human = await createHuman(true);
async function humanPass() {
  const t0 = performance.now();
  const c0 = cpuNow();
  let faces = 0;
  for (const bytes of encoded) {
    const { data, info } = await sharp(bytes).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const tensor = human.tf.tensor4d(Float32Array.from(data), [1, info.height, info.width, 3], 'float32');
    const res = await human.detect(tensor);
    tensor.dispose();
    faces += res.face.filter((f) => f.embedding?.length).length;
  }
  return { seconds: (performance.now() - t0) / 1000, cpu: cpuNow() - c0, faces };
}

// Pass 1 of each warms up; then the three alternate, so load changes hit all of them alike.
const daemonRuns = [];
const sdkRuns = [];
const humanRuns = [];
for (let i = 0; i < passes; i++) {
  daemonRuns.push(await daemonCli());
  sdkRuns.push(await daemonSdk());
  humanRuns.push(await humanPass());
}
client.close();
await daemon.shutdown();
await rm(dataDir, { recursive: true, force: true });

// Median of the warm passes (all but the first).
const median = (runs) => {
  const warm = runs.slice(1).sort((a, b) => a.seconds - b.seconds);
  return warm[Math.floor((warm.length - 1) / 2)];
};
const rate = (r) => r.faces / r.seconds;
const perCpu = (runs) => {
  const warm = runs.slice(1).map((r) => r.faces / r.cpu).sort((a, b) => a - b);
  return warm[Math.floor((warm.length - 1) / 2)];
};
const summary = (runs) => ({
  faces: median(runs).faces, seconds: +median(runs).seconds.toFixed(3), facesPerSecond: +rate(median(runs)).toFixed(2),
  ...(runs[0].cpu !== undefined ? { facesPerCpuSecond: +perCpu(runs).toFixed(2) } : {}), passes: runs.map((r) => +r.seconds.toFixed(3)),
});
console.log(
  JSON.stringify(
    {
      bench: 'embed/vs-human',
      photos: photos.length,
      daemon: { command: 'hyperface embed --address (CLI process; CPU = the CLI process + the daemon)', ...summary(daemonRuns) },
      daemonSdk: { command: 'SDK Embed stream from this process', ...summary(sdkRuns) },
      human: { pipeline: 'decode (sharp) + human.detect(): detect + mesh + faceres (wasm), in-process', ...summary(humanRuns) },
      // wall: faces per second; per core: faces per CPU second, whatever number of cores each side used
      ratio: +(rate(median(daemonRuns)) / rate(median(humanRuns))).toFixed(2),
      ratioPerCore: +(perCpu(daemonRuns) / perCpu(humanRuns)).toFixed(2),
      ratioSdk: +(rate(median(sdkRuns)) / rate(median(humanRuns))).toFixed(2),
      ratioSdkPerCore: +(perCpu(sdkRuns) / perCpu(humanRuns)).toFixed(2),
      goal: 'ratio >= 4',
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
