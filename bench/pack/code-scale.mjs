// Mode code at scale (issue 21): `hyperface serve` as a child under /usr/bin/time -v, a Pack with
// mode code through the SDK (progress lines: time, blocks, exact min angle), then optionally the same
// request through `hyperface pack --address` (the CLI receives and writes the rows) under
// /usr/bin/time -v. Prints the daemon's and the CLI's peak RSS, wall times and the load.
//   node bench/pack/code-scale.mjs N D [max_seconds=0] [seed=0] [--cli] [--batch B]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HyperfaceClient } from '../../sdk/dist/index.js';

const CLI = fileURLToPath(new URL('../../server/bin/hyperface.js', import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const [n, d, maxSeconds = 0, seed = 0] = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1] === '--batch')).map(Number);
const batch = opt('--batch', 4096);
const dir = mkdtempSync(join(tmpdir(), 'hf-code-scale-'));
const load0 = +loadavg()[0].toFixed(2);

/** Runs argv under /usr/bin/time -v; resolves with stdout, the peak RSS (MiB) and the exit code. */
function timed(argv, onStdoutLine) {
  const child = spawn('/usr/bin/time', ['-v', process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_STATE_HOME: dir } });
  let err = '';
  let out = '';
  child.stderr.on('data', (b) => (err += b.toString()));
  createInterface({ input: child.stdout }).on('line', (l) => {
    out += l + '\n';
    onStdoutLine?.(l);
  });
  const done = new Promise((resolve) =>
    child.on('exit', (code) => {
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
      resolve({ code, out, err, peakRssMiB: rss ? Math.round(Number(rss[1]) / 1024) : null });
    }),
  );
  return { child, done };
}

let resolvePort;
const portP = new Promise((r) => (resolvePort = r));
const daemon = timed([CLI, 'serve', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data'), '--data-root', dir, '--models-builtin', 'false'], (l) => {
  try {
    const m = JSON.parse(l);
    if (m.port) resolvePort(m.port);
  } catch {
    // a log line
  }
});
const port = await portP;
const address = `127.0.0.1:${port}`;
const client = new HyperfaceClient({ address });
const request = { identities: n, dim: d, mode: 'PACK_MODE_CODE', seed, maxSeconds, batchSize: batch, progressEvery: 1, gallery: { none: true } };

const t0 = performance.now();
let last = -Infinity;
let result;
for await (const ev of client.pack(request)) {
  if (ev.progress) {
    const p = ev.progress;
    const t = (performance.now() - t0) / 1000;
    if (t - last >= Math.min(30, Math.max(1, maxSeconds / 10)) || p.iteration === p.iterations) {
      last = t;
      console.log(JSON.stringify({ t: +t.toFixed(1), block: p.iteration, blocks: p.iterations, phase: p.phase, min_angle_deg: +p.metrics.minAngleDeg.toFixed(3), exact: p.metricsExact }));
    }
  }
  if (ev.result) result = ev.result;
}
const wall = (performance.now() - t0) / 1000;
const npyBytes = statSync(result.npyPath).size;
let cli = null;
if (flag('--cli')) {
  const out = join(dir, 'cli.npy');
  const c0 = performance.now();
  const r = await timed([CLI, 'pack', '--address', address, '--identities', String(n), '--dim', String(d), '--mode', 'code', '--seed', String(seed), '--batch-size', String(batch), '--out', out, '--json']).done;
  if (r.code !== 0) throw new Error(`CLI failed: ${r.err}`);
  cli = { wall_s: +((performance.now() - c0) / 1000).toFixed(1), peak_rss_mib: r.peakRssMiB, summary: JSON.parse(r.out.trim().split('\n').pop()) };
}
client.close();
// SIGTERM to the daemon itself (its parent, /usr/bin/time, then reports)
const kids = readFileSync(`/proc/${daemon.child.pid}/task/${daemon.child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
for (const pid of kids) process.kill(pid, 'SIGTERM');
const dres = await daemon.done;
console.log(
  JSON.stringify({
    what: 'pack-code-scale', n, d, batch, max_seconds: maxSeconds, seed,
    wall_s: +wall.toFixed(1), elapsed_s: +result.elapsedSeconds.toFixed(2), stop: result.stopReason,
    ...(maxSeconds > 0 ? { over_budget_pct: +((100 * (result.elapsedSeconds - maxSeconds)) / maxSeconds).toFixed(2) } : {}),
    exact_min_angle_deg: +result.metrics.minAngleDeg.toFixed(3), exact_mean_nn_angle_deg: +result.metrics.meanNnAngleDeg.toFixed(3),
    npy_bytes: npyBytes, daemon_peak_rss_mib: dres.peakRssMiB, cli, load1_start: load0, load1_end: +loadavg()[0].toFixed(2),
  }),
);
rmSync(dir, { recursive: true, force: true });
