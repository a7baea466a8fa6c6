// Mode code, 1,000,000 × 512 (issue 21): kill -9 the daemon mid-rotation, restart it, let the job resume
// from its checkpoint and row spool; then the same request uninterrupted; compare the results' sha256.
//   node bench/pack/code-resume.mjs
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadavg, tmpdir } from 'node:os';
import { HyperfaceClient } from '../../sdk/dist/index.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
const CLI = fileURLToPath(new URL('../../server/bin/hyperface.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hf-code-resume-'));
const log = (...a) => console.log(new Date().toISOString().slice(11, 19), `load ${loadavg()[0].toFixed(2)}`, ...a);
function serve(dataDir) {
  const child = spawn(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--models-builtin', 'false'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_STATE_HOME: join(dir, 'state'), HYPERFACE_LOG_LEVEL: 'info' } });
  let err = ''; child.stderr.on('data', (b) => (err += b));
  const exited = new Promise((r) => child.on('exit', r));
  const port = new Promise((r) => createInterface({ input: child.stdout }).on('line', (l) => { try { const m = JSON.parse(l); if (m.port) r(m.port); } catch { /* a log line */ } }));
  return { child, exited, port, err: () => err };
}
const sha = (p) => new Promise((r) => { const h = createHash('sha256'); createReadStream(p).on('data', (b) => h.update(b)).on('end', () => r(h.digest('hex'))); });
const req = { identities: 1_000_000, dim: 512, mode: 'PACK_MODE_CODE', seed: 3, batchSize: 4096, checkpointEvery: 10, progressEvery: 1, detach: true, gallery: { none: true } };
const A = join(dir, 'data');
let d = serve(A); let c = new HyperfaceClient({ address: `127.0.0.1:${await d.port}` });
let id = '';
for await (const ev of c.pack(req)) { if (ev.accepted) id = ev.accepted.jobId; if (ev.progress && ev.progress.iteration >= 120) { log('killing at block', ev.progress.iteration, 'of', ev.progress.iterations); break; } }
d.child.kill('SIGKILL'); await d.exited; c.close();
log('spool on disk:', existsSync(`${A}/jobs/${id}/rows.f32`));
const t0 = performance.now();
d = serve(A); c = new HyperfaceClient({ address: `127.0.0.1:${await d.port}` });
let state = '';
for await (const ev of c.watchJob(id)) if (ev.job) state = ev.job.state;
const job = await c.getJob(id);
log('after restart:', state, 'resumes', job.resumes, 'in', ((performance.now() - t0) / 1000).toFixed(1), 's;', /code resuming at row \d+\/\d+ \(block \d+\/\d+\)/.exec(d.err())?.[0]);
const hA = await sha(`${A}/jobs/${id}/result.npy`);
const t1 = performance.now();
let res;
for await (const ev of c.pack({ ...req, detach: false })) if (ev.result) res = ev.result;
log('uninterrupted run', ((performance.now() - t1) / 1000).toFixed(1), 's');
const hB = await sha(res.npyPath);
log('sha256 resumed', hA.slice(0, 16), 'uninterrupted', hB.slice(0, 16), hA === hB ? 'EQUAL' : 'DIFFERENT');
c.close(); d.child.kill('SIGTERM'); await d.exited;
rmSync(dir, { recursive: true, force: true });
