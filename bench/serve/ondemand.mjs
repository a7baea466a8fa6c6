#!/usr/bin/env node
// On-demand serving (issue 20): a daemon (child process, builtin generator) answers many small
// Generate calls (1 identity × 4 raw faces each) through the TypeScript SDK, each client on its own
// channel. Prints one JSON line with the targets:
//   - 64 concurrent clients: 0 errors; aggregate faces/s >= 0.9 × one stream of the same total
//     faces; p99 <= 3 × p50;
//   - 1 client on an idle daemon: p50 <= 30 ms;
//   - with a 100,000-face ImageFolder job running: 8 interactive clients get p99 <= 4 × their idle
//     p99 (and the job's faces/s while it shares is reported).
//   npm run build && nice node bench/serve/ondemand.mjs [--clients 64] [--rounds 4] [--bulk-faces 100000] [--skip-bulk]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { lcgRows } from '../lib/lcg.mjs';

const root = new URL('../../', import.meta.url);
const { HyperfaceClient, toTensor } = await import(new URL('sdk/dist/index.js', root).href);

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const CLIENTS = Number(arg('clients', '64'));
const ROUNDS = Number(arg('rounds', '4'));
const BULK_FACES = Number(arg('bulk-faces', '100000'));
const SKIP_BULK = process.argv.includes('--skip-bulk');
const K = 4;
const DIM = 1024;

const identities = (n, seed) => lcgRows(n, DIM, seed);

const work = mkdtempSync(join(tmpdir(), 'hf-bench-serve-'));
const cli = fileURLToPath(new URL('server/bin/hyperface.js', root));
const child = spawn(process.execPath, [cli, 'serve', '--listen', '127.0.0.1:0', '--data-dir', join(work, 'data'), '--data-root', work, '--models-load', 'builtin', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve, reject) => {
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const msg = JSON.parse(line);
      if (msg.port) resolve(msg.port);
    } catch {
      // not the port line
    }
  });
  child.on('exit', (code) => reject(new Error(`daemon exited with ${code}`)));
});
const address = `127.0.0.1:${port}`;
const admin = new HyperfaceClient({ address });
await admin.waitForReady({ timeoutMs: 300_000 });

/** One interactive call: 1 identity × K raw faces; returns its latency in ms. */
async function call(client, i) {
  const t = performance.now();
  let got = 0;
  for await (const ev of client.generate({ embeddings: toTensor(identities(1, 1000 + i), [1, DIM]), imagesPerIdentity: K, seed: i, format: 'IMAGE_FORMAT_RAW' })) if (ev.sample) got += 1;
  if (got !== K) throw new Error(`got ${got} faces`);
  return performance.now() - t;
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x) => +x.toFixed(1);

/** `n` clients, each on its own channel, each making `rounds` calls back to back. */
async function closedLoop(n, rounds) {
  const clients = Array.from({ length: n }, () => new HyperfaceClient({ address }));
  const latencies = [];
  const errors = [];
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c, ci) => {
      for (let r = 0; r < rounds; r++) {
        try {
          latencies.push(await call(c, ci * 1000 + r));
        } catch (error) {
          errors.push(error.code ?? String(error));
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const c of clients) c.close();
  return { calls: latencies.length, errors: errors.length, errorCodes: [...new Set(errors)], p50: ms(pct(latencies, 50)), p99: ms(pct(latencies, 99)), facesPerSecond: +((latencies.length * K) / seconds).toFixed(1) };
}

// Warm-up (JIT, identity parameter cache of the generator).
await closedLoop(4, 3);

/** The daemon's CPU seconds so far (user + system), from /proc: a figure the box's load does not inflate. */
function daemonCpuSeconds() {
  try {
    const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

// 1 client on an idle daemon.
const cpu0 = daemonCpuSeconds();
const idle1 = await closedLoop(1, 60);
const daemonCpuMsPerCall = +(((daemonCpuSeconds() - cpu0) * 1000) / idle1.calls).toFixed(1);

// One stream of the same total faces as the 64-client run (a durable job: it is larger than serving.interactiveMaxFaces).
const total = CLIENTS * ROUNDS;
const t1 = performance.now();
let streamed = 0;
for await (const ev of admin.generate({ embeddings: toTensor(identities(total, 7), [total, DIM]), imagesPerIdentity: K, seed: 1, format: 'IMAGE_FORMAT_RAW' })) if (ev.sample) streamed += 1;
const oneStream = +(streamed / ((performance.now() - t1) / 1000)).toFixed(1);

const many = await closedLoop(CLIENTS, ROUNDS);

let bulk;
if (!SKIP_BULK) {
  const idle8 = await closedLoop(8, 15);
  const ids = Math.ceil(BULK_FACES / 100);
  let jobId = '';
  for await (const ev of admin.generate({ embeddings: toTensor(identities(ids, 11), [ids, DIM]), imagesPerIdentity: 100, seed: 3, format: 'IMAGE_FORMAT_PNG', outputDir: 'bulk', datasetFormat: 'DATASET_FORMAT_IMAGEFOLDER', skipImages: true, detach: true })) {
    if (ev.accepted) {
      jobId = ev.accepted.jobId;
      break;
    }
  }
  await new Promise((r) => setTimeout(r, 3000));
  const before = await admin.getJob(jobId);
  const tb = performance.now();
  const loaded8 = await closedLoop(8, 15);
  const after = await admin.getJob(jobId);
  const sharedFacesPerSecond = +(((after.progress - before.progress) * ids * 100) / ((performance.now() - tb) / 1000)).toFixed(1);
  await admin.cancelJob(jobId);
  bulk = { bulkFaces: ids * 100, idle8, loaded8, bulkFacesPerSecondWhileSharing: sharedFacesPerSecond, p99Ratio: +(loaded8.p99 / idle8.p99).toFixed(2) };
}

const result = {
  bench: 'serve/ondemand',
  request: `1 identity x ${K} raw 112 px faces, builtin generator`,
  idle1: { p50: idle1.p50, p99: idle1.p99, errors: idle1.errors, daemonCpuMsPerCall },
  oneStreamFacesPerSecond: oneStream,
  clients: CLIENTS,
  rounds: ROUNDS,
  concurrent: many,
  ...(bulk ? { bulk } : {}),
  targets: {
    zeroErrors: many.errors === 0,
    throughputRatio: +(many.facesPerSecond / oneStream).toFixed(2),
    throughputOk: many.facesPerSecond >= 0.9 * oneStream,
    p99OverP50: +(many.p99 / many.p50).toFixed(2),
    tailOk: many.p99 <= 3 * many.p50,
    idleP50Ok: idle1.p50 <= 30,
    ...(bulk ? { bulkP99Ok: bulk.p99Ratio <= 4 } : {}),
  },
  cpus: availableParallelism(),
  loadavg1: +loadavg()[0].toFixed(2),
};
console.log(JSON.stringify(result));
admin.close();
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
rmSync(work, { recursive: true, force: true });
