// Hardening round 2 (issue 23), against child daemons. Structured-file bombs for every format a
// request can name are parsed in a fenced worker: the job fails with a clear status naming the
// file, health answers within 1 s throughout, RSS stays bounded, and a restart does not resume the
// failure. The daemon's data dir (here inside the data root: the layout the defaults produce from
// $HOME) is never reachable through a request path. A daemon whose main thread is blocked still
// ends on SIGTERM (the watchdog), and the job it was running is failed, not resumed.
// Companion of hardening-fuzz.test.ts (kept apart: these tests restart their daemon).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { toTensor, type HyperfaceClient, type HyperfaceError } from '@hyperface/sdk';
import { CLI, spawnDaemon, tempDir, type ChildDaemon } from '../helpers/daemon.js';
import { rawNpy } from '../helpers/hostile.js';

const RSS_BOUND_MIB = 1536;
const base = tempDir('hf-bombs-');
const root = join(base, 'root');
const dataDir = join(root, 'state');
const MiB = 1 << 20;
const DAEMON_ARGS = ['--data-dir', dataDir, '--data-root', root, '--log-level', 'error', '--models-load', 'faceres', '--limits-max-dataset-samples', '1000000', '--limits-memory-budget-bytes', String(4 * 1024 ** 3)];
let d: ChildDaemon;
let peakRss = 0;
let sampler: NodeJS.Timeout | undefined;

function rssMiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Polls health every 100 ms; each answer must come within 1 s. */
function watchHealth(client: HyperfaceClient): () => Promise<{ slowest: number; failures: string[] }> {
  let stop = false;
  let slowest = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (!stop) {
      const t = Date.now();
      try {
        await client.health('', { timeoutMs: 1000 });
      } catch (error) {
        failures.push(`${(error as HyperfaceError).code ?? ''} ${(error as Error).message}`);
      }
      slowest = Math.max(slowest, Date.now() - t);
      await sleep(100);
    }
  })();
  return async () => {
    stop = true;
    await loop;
    return { slowest, failures };
  };
}

/** The call's status, and its job id once accepted (the stream is left there). */
async function codeOf(it: AsyncIterable<object>): Promise<{ code: string; message: string; jobId?: string }> {
  let jobId: string | undefined;
  try {
    for await (const ev of it) {
      const accepted = (ev as { accepted?: { jobId?: string } }).accepted;
      if (accepted?.jobId) {
        jobId = accepted.jobId;
        break; // detached: the job goes on without this stream
      }
    }
    return { code: 'OK', message: '', ...(jobId ? { jobId } : {}) };
  } catch (error) {
    const e = error as HyperfaceError;
    return { code: e.code ?? 'ERROR', message: e.message, ...(jobId ? { jobId } : {}) };
  }
}

async function terminal(client: HyperfaceClient, id: string, timeoutMs = 60_000): Promise<{ state: string; error: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.getJob(id, { timeoutMs: 5000 });
    if (['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED'].includes(job.state)) return { state: job.state, error: job.error ?? '' };
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state}`);
    await sleep(200);
  }
}

// ---- bombs: small files whose parse would take far more memory or time than their size ----------

function buildBombs(): void {
  mkdirSync(dataDir, { recursive: true });
  // manifest.jsonl: one 16 MB line of 5 M empty objects (the issue's 390 MB bomb, scaled down).
  mkdirSync(join(root, 'man-bomb'), { recursive: true });
  const head = Buffer.from('{"identity":0,"sample":0,"seed":0,"file":"a.png","x":[');
  const line = Buffer.alloc(16 * MiB, '{},');
  writeFileSync(join(root, 'man-bomb', 'manifest.jsonl'), Buffer.concat([head, line, Buffer.from('{}]}\n{"identity":0,"sample":1,"seed":1,"file":"b.png"}\n')]));
  // pairs.txt: 2 M short lines (over maxPairs, after a split that makes millions of strings).
  mkdirSync(join(root, 'lfw'), { recursive: true });
  writeFileSync(join(root, 'pairs-bomb.txt'), Buffer.alloc(12 * MiB, 'a 1 2\n'));
  // train.idx: 2.6 M lines next to a tiny train.rec.
  mkdirSync(join(root, 'idx-bomb'), { recursive: true });
  const rec = Buffer.alloc(8 + 24);
  rec.writeUInt32LE(0xced7230a, 0);
  rec.writeUInt32LE(24, 4);
  writeFileSync(join(root, 'idx-bomb', 'train.rec'), rec);
  writeFileSync(join(root, 'idx-bomb', 'train.idx'), Buffer.alloc(10 * MiB, '1\t0\n'));
  // .npy whose header is 8 MB: a shape of 2.8 M dimensions.
  const dict = Buffer.concat([Buffer.from("{'descr': '<f4', 'fortran_order': False, 'shape': ("), Buffer.alloc(8 * MiB, '1, '), Buffer.from('), }\n')]);
  const pre = Buffer.alloc(12);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 3;
  pre.writeUInt32LE(dict.length, 8);
  writeFileSync(join(root, 'hdr-bomb.npy'), Buffer.concat([pre, dict, Buffer.alloc(16)]));
  // insightface .bin: a pickle of 3 M empty lists (one byte each) inside one list.
  writeFileSync(join(root, 'list-bomb.bin'), Buffer.concat([Buffer.from([0x80, 0x02, 0x5d, 0x28]), Buffer.alloc(3_000_000, 0x5d), Buffer.from([0x65, 0x2e])]));
}

before(async () => {
  buildBombs();
  d = await spawnDaemon(DAEMON_ARGS);
  await d.client.waitForReady({ timeoutMs: 120_000 });
  sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(d.child.pid!))), 50);
});

after(async () => {
  clearInterval(sampler);
  d.child.kill('SIGKILL');
  await d.exited;
  d.client.close();
});

test('structured-file bombs fail their jobs with a clear status; health answers within 1 s; RSS bounded; a restart does not resume them', { timeout: 150_000 }, async () => {
  const c = d.client;
  // Admission counts what an evaluation reads: a manifest that can list ~350 k rows (11 GiB of embeddings) is refused up front.
  const whole = await codeOf(c.evaluateDataset({ datasetPath: 'man-bomb', pairs: 50, detach: true }));
  assert.equal(whole.code, 'RESOURCE_EXHAUSTED', whole.message);
  assert.match(whole.message, /of lists/);
  const cases: Array<[string, () => AsyncIterable<object>, RegExp]> = [
    ['manifest line', () => c.evaluateDataset({ datasetPath: 'man-bomb', pairs: 50, maxIdentities: 2, maxSamplesPerIdentity: 2, detach: true }), /manifest\.jsonl line 1 is \d+ bytes, over the limit of 4096/],
    ['pairs.txt lines', () => c.evaluateVerification({ lfw: { pairsPath: 'pairs-bomb.txt', imageDir: 'lfw' }, detach: true }), /pairs-bomb\.txt/],
    ['train.idx lines', () => c.evaluateDataset({ datasetPath: 'idx-bomb', pairs: 50, maxIdentities: 2, maxSamplesPerIdentity: 2, detach: true }), /train\.idx/],
    ['.npy header', () => c.evaluateVerification({ npy: { embeddingsPath: 'hdr-bomb.npy', issamePath: 'hdr-bomb.npy' }, detach: true }), /hdr-bomb\.npy/],
    ['.bin pickle', () => c.evaluateVerification({ binPath: 'list-bomb.bin', detach: true }), /list-bomb\.bin/],
  ];
  const failed = new Map<string, string>();
  for (const [name, call, reason] of cases) {
    const stopHealth = watchHealth(c);
    const started = await codeOf(call());
    assert.ok(started.jobId, `${name}: no job (${started.code} ${started.message})`);
    const job = await terminal(c, started.jobId);
    const health = await stopHealth();
    assert.equal(job.state, 'JOB_STATE_FAILED', `${name}: ${job.state}`);
    assert.match(job.error, reason, name);
    assert.doesNotMatch(job.error, /internal error/i, name);
    assert.deepEqual(health.failures, [], `${name}: health did not answer within 1 s`);
    assert.ok(health.slowest < 1000, `${name}: health took ${health.slowest} ms`);
    failed.set(started.jobId, job.error);
  }
  assert.ok(peakRss < RSS_BOUND_MIB, `peak RSS ${peakRss.toFixed(0)} MiB`);
  // A restart reads the same store: the failed jobs stay failed; nothing is resumed into them.
  d.child.kill('SIGTERM');
  assert.equal(await d.exited, 0);
  d.client.close();
  d = await spawnDaemon(DAEMON_ARGS);
  await d.client.waitForReady({ service: 'hyperface.v1.JobService', timeoutMs: 30_000 });
  for (const [id, error] of failed) assert.deepEqual(await terminal(d.client, id, 5000), { state: 'JOB_STATE_FAILED', error });
});

test('malformed .npy / .bin / .rec / .idx (truncated, wrong dtype, overflowing shapes, NaN rows): a clear refusal, never INTERNAL', { timeout: 90_000 }, async () => {
  const c = d.client;
  await c.waitForReady({ timeoutMs: 60_000 });
  const dir = join(root, 'malformed');
  mkdirSync(dir, { recursive: true });
  const npy = rawNpy;
  const f32 = (values: number[]): Buffer => Buffer.from(Float32Array.from(values).buffer);
  writeFileSync(join(dir, 'truncated.npy'), npy('<f4', '(4, 8)', f32([1, 2, 3])));
  writeFileSync(join(dir, 'strings.npy'), npy('<U4', '(4, 8)', Buffer.alloc(4 * 8 * 16)));
  writeFileSync(join(dir, 'overflow.npy'), npy('<f4', '(18446744073709551615, 18446744073709551615)', f32([1])));
  writeFileSync(join(dir, 'negative.npy'), npy('<f4', '(-4, 8)', f32([1])));
  writeFileSync(join(dir, 'nan.npy'), npy('<f4', '(4, 2)', f32([1, 0, Number.NaN, 1, 0, 1, 1, 1])));
  writeFileSync(join(dir, 'labels.npy'), npy('|b1', '(2,)', Buffer.from([1, 0])));
  writeFileSync(join(dir, 'truncated.bin'), Buffer.from([0x80, 0x02, 0x5d, 0x28, 0x43, 0x10, 0x41]));
  mkdirSync(join(dir, 'rec'), { recursive: true });
  writeFileSync(join(dir, 'rec', 'train.rec'), Buffer.from([0x0a, 0x23, 0xd7, 0xce, 0xff, 0xff, 0xff, 0x0f, 1, 2]));
  writeFileSync(join(dir, 'rec', 'train.idx'), '0\t0\n1\t-8\n2\t1e300\nx\ty\n');
  const refused = ['INVALID_ARGUMENT', 'FAILED_PRECONDITION', 'RESOURCE_EXHAUSTED', 'NOT_FOUND'];
  const cases: Array<[string, () => AsyncIterable<object>]> = [
    ['truncated .npy gallery', () => c.pack({ identities: 8, dim: 8, gallery: { npyPath: 'malformed/truncated.npy' }, iterations: 5 })],
    ['string dtype .npy gallery', () => c.pack({ identities: 8, dim: 8, gallery: { npyPath: 'malformed/strings.npy' }, iterations: 5 })],
    ['overflowing shape', () => c.pack({ identities: 8, dim: 8, gallery: { npyPath: 'malformed/overflow.npy' }, iterations: 5 })],
    ['negative shape', () => c.pack({ identities: 8, dim: 8, gallery: { npyPath: 'malformed/negative.npy' }, iterations: 5 })],
    ['NaN rows in a gallery', () => c.pack({ identities: 8, dim: 2, gallery: { npyPath: 'malformed/nan.npy' }, iterations: 5 })],
    ['NaN rows in verification embeddings', () => c.evaluateVerification({ npy: { embeddingsPath: 'malformed/nan.npy', issamePath: 'malformed/labels.npy' }, detach: true })],
    ['truncated .bin', () => c.evaluateVerification({ binPath: 'malformed/truncated.bin', detach: true })],
    ['broken .rec / .idx', () => c.evaluateDataset({ datasetPath: 'malformed/rec', pairs: 10, detach: true })],
  ];
  const wrong: string[] = [];
  for (const [name, call] of cases) {
    const r = await codeOf(call());
    const outcome = r.jobId ? await terminal(c, r.jobId, 30_000) : undefined;
    if (outcome && (outcome.state !== 'JOB_STATE_FAILED' || /internal error/i.test(outcome.error))) wrong.push(`${name}: job ${outcome.state} ${outcome.error}`);
    if (!outcome && !refused.includes(r.code)) wrong.push(`${name}: ${r.code} ${r.message}`);
  }
  assert.deepEqual(wrong, []);
  assert.equal(await c.health('', { timeoutMs: 1000 }), 'SERVING');
});

test('the data dir is not addressable through any request path, even inside the data root', { timeout: 60_000 }, async () => {
  const c = d.client;
  await c.waitForReady({ service: 'hyperface.v1.PackingService', timeoutMs: 30_000 });
  const victim = await codeOf(c.pack({ identities: 8, dim: 4, gallery: { none: true }, iterations: 20, detach: true }));
  const victimId = victim.jobId;
  assert.ok(victimId);
  await terminal(c, victimId);
  symlinkSync(dataDir, join(root, 'state-link'));
  const into = `state/jobs/${victimId}`;
  const attempts: Array<[string, () => AsyncIterable<object>]> = [
    ['pack output into a job', () => c.pack({ identities: 8, dim: 4, gallery: { none: true }, iterations: 5, outputPath: `${into}/result.npy` })],
    ['pack output, absolute', () => c.pack({ identities: 8, dim: 4, gallery: { none: true }, iterations: 5, outputPath: join(dataDir, 'jobs', victimId, 'result.npy') })],
    ['pack output through a link', () => c.pack({ identities: 8, dim: 4, gallery: { none: true }, iterations: 5, outputPath: `state-link/jobs/${victimId}/result.npy` })],
    ['pack gallery from a job', () => c.pack({ identities: 8, dim: 4, gallery: { npyPath: `${into}/result.npy` }, iterations: 5 })],
    ['generate into the state', () => c.generate({ embeddings: toTensor(new Float32Array(2 * 4).fill(0.5), [2, 4]), imagesPerIdentity: 1, outputDir: `${into}/ds`, datasetFormat: 'DATASET_FORMAT_IMAGEFOLDER', skipImages: true })],
    ['evaluate a job file', () => c.evaluateVerification({ binPath: `${into}/job.json` })],
    ['report into the state', () => c.evaluateVerification({ embeddings: { embeddings: toTensor(new Float32Array([1, 0, 1, 0]), [2, 2]), issame: [true] }, reportDir: `${into}/report` })],
  ];
  for (const [name, call] of attempts) {
    const r = await codeOf(call());
    assert.equal(r.code, 'PERMISSION_DENIED', `${name}: ${r.code} ${r.message}`);
    assert.match(r.message, /daemon's own state \(dataDir\)|symlink/, name);
  }
  assert.equal((await c.getJob(victimId)).state, 'JOB_STATE_SUCCEEDED');
  // A data root inside the data dir would make every request path state: refused at start-up.
  const bad = spawnSync(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0', '--data-dir', root, '--data-root', join(root, 'inner')], { encoding: 'utf8', timeout: 30_000 });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /dataRoot .* lies inside dataDir/);
});

test('the defaults started from $HOME: the per-user state folder under the data root "." is excluded', { timeout: 60_000 }, async () => {
  const home = tempDir('hf-home-');
  const h = await spawnDaemon(['--log-level', 'error', '--models-builtin', 'false'], { HOME: home, XDG_STATE_HOME: '' }, { cwd: home });
  try {
    await h.client.waitForReady({ service: 'hyperface.v1.PackingService', timeoutMs: 60_000 });
    const victim = await codeOf(h.client.pack({ identities: 8, dim: 4, gallery: { none: true }, iterations: 5, detach: true }));
    assert.ok(victim.jobId);
    await terminal(h.client, victim.jobId);
    const r = await codeOf(h.client.pack({ identities: 8, dim: 4, gallery: { none: true }, iterations: 5, outputPath: `.local/state/hyperface/jobs/${victim.jobId}/result.npy` }));
    assert.equal(r.code, 'PERMISSION_DENIED', r.message);
  } finally {
    h.child.kill('SIGKILL');
    await h.exited;
    h.client.close();
  }
});

test('SIGTERM ends a daemon whose main thread is blocked; the job it ran fails at the next start instead of resuming', { timeout: 90_000 }, async () => {
  const dir = tempDir('hf-watchdog-');
  const preload = join(dir, 'block-on-usr2.mjs');
  // Test-only: SIGUSR2 makes the main thread spin forever (stands in for any synchronous hang).
  writeFileSync(preload, "process.on('SIGUSR2', () => { for (;;); });\n");
  const args = ['--data-dir', join(dir, 'data'), '--data-root', dir, '--log-level', 'error', '--models-load', 'faceres', '--limits-max-loop-block-ms', '3000', '--shutdown-grace-ms', '500'];
  const w = await spawnDaemon(args, { NODE_OPTIONS: `--import=${preload}` });
  await w.client.waitForReady({ timeoutMs: 60_000 }); // the watchdog watches for stalls once start-up is done
  const job = await codeOf(w.client.pack({ identities: 256, dim: 16, gallery: { none: true }, iterations: 10_000_000, checkpointEvery: 1_000_000, detach: true }));
  assert.ok(job.jobId, `${job.code} ${job.message}\n${w.stderr()}`);
  while ((await w.client.getJob(job.jobId, { timeoutMs: 5000 })).state !== 'JOB_STATE_RUNNING') await sleep(100);
  await sleep(300); // the watchdog learns the running jobs every 100 ms
  w.child.kill('SIGUSR2');
  await sleep(200);
  const t0 = Date.now();
  w.child.kill('SIGTERM');
  const exited = await Promise.race([w.exited.then(() => 'exited'), sleep(15_000).then(() => 'still running')]);
  const took = Date.now() - t0;
  if (exited !== 'exited') w.child.kill('SIGKILL');
  w.client.close();
  assert.equal(exited, 'exited', 'SIGTERM did not end a blocked daemon within 15 s');
  assert.ok(took < 3000 + 4000, `took ${took} ms`);
  assert.match(w.stderr(), /watchdog: ending the process/);
  const again = await spawnDaemon(args.slice(0, -4));
  try {
    await again.client.waitForReady({ service: 'hyperface.v1.PackingService', timeoutMs: 60_000 });
    const after = await terminal(again.client, job.jobId, 10_000);
    assert.equal(after.state, 'JOB_STATE_FAILED');
    assert.match(after.error, /watchdog.*did not run for \d+ ms/);
  } finally {
    again.child.kill('SIGKILL');
    await again.exited;
    again.client.close();
  }
});

test('a YAML config bomb (anchors and aliases) is refused with a message, quickly', { timeout: 30_000 }, () => {
  const dir = tempDir('hf-yaml-');
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  writeFileSync(join(dir, 'bomb.yaml'), lines.join('\n') + '\nlogLevel: *l\n');
  const t = Date.now();
  const r = spawnSync(process.execPath, [CLI, 'serve', '--config', join(dir, 'bomb.yaml'), '--print-config'], { encoding: 'utf8', timeout: 20_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /alias|resource exhaustion|not valid YAML/i);
  assert.ok(Date.now() - t < 15_000);
});

test('a full disk during Pack checkpoints fails the job with RESOURCE_EXHAUSTED; the daemon stays up and restarts clean', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('hf-full-');
  const tiny = join(dir, 'tiny');
  mkdirSync(tiny);
  // A 1 MiB tmpfs needs root (CAP_SYS_ADMIN); without it this test cannot make a disk full.
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tiny]).status !== 0) {
    t.skip('cannot mount a tmpfs here (needs root)');
    return;
  }
  try {
    const args = ['--data-dir', join(tiny, 'state'), '--data-root', dir, '--models-builtin', 'false', '--log-level', 'error'];
    const f = await spawnDaemon(args);
    let id: string | undefined;
    try {
      await f.client.waitForReady({ service: 'hyperface.v1.PackingService', timeoutMs: 30_000 });
      // 2000 × 256 float32 = 2 MiB per checkpoint: the first one cannot fit.
      id = (await codeOf(f.client.pack({ identities: 2000, dim: 256, gallery: { none: true }, iterations: 200, checkpointEvery: 20, detach: true }))).jobId;
      assert.ok(id);
      const job = await terminal(f.client, id, 30_000);
      assert.equal(job.state, 'JOB_STATE_FAILED');
      assert.match(job.error, /disk is full \(ENOSPC\)/);
      assert.equal(await f.client.health('', { timeoutMs: 1000 }), 'SERVING');
    } finally {
      f.child.kill('SIGTERM');
      await f.exited;
      f.client.close();
    }
    const again = await spawnDaemon(args);
    try {
      await again.client.waitForReady({ service: 'hyperface.v1.JobService', timeoutMs: 30_000 });
      assert.equal((await terminal(again.client, id, 5000)).state, 'JOB_STATE_FAILED');
    } finally {
      again.child.kill('SIGKILL');
      await again.exited;
      again.client.close();
    }
  } finally {
    spawnSync('umount', [tiny]);
  }
});
