// Reliability (issue 7): concurrent streams with stable memory, a slow consumer that must not make
// the daemon buffer, kill -9 in the middle of a generation job with resume to the same bytes,
// cancellation that releases server-side work within 1 s, and a fuzz pass over every RPC.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HyperfaceClient, toTensor, type GenerateRequest } from '@hyperface/sdk';
import { CLI, spawnDaemon, tempDir, type ChildDaemon } from '../helpers/daemon.js';
import { codeOf, lcgIdentities } from '../helpers/calls.js';

const run = promisify(execFile);
let d: ChildDaemon;
let dataDir: string;

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}


const DIM = 1024;

before(async () => {
  dataDir = tempDir();
  d = await spawnDaemon(['--data-dir', dataDir, '--data-root', '/', '--limits-max-concurrent-jobs', '64', '--log-level', 'warn']);
  await d.client.waitForReady({ timeoutMs: 300_000 });
});
after(async () => {
  d.child.kill('SIGTERM');
  await d.exited;
  d.client.close();
});

test('32 concurrent Generate streams for ~30 s: no errors, RSS stays flat', async () => {
  const request = (i: number): GenerateRequest => ({ embeddings: toTensor(lcgIdentities(2, DIM, i), [2, DIM]), imagesPerIdentity: 3, seed: i, format: 'IMAGE_FORMAT_RAW' });
  const deadline = Date.now() + 30_000;
  const samples: number[] = [];
  let firstRss = 0;
  const errors: string[] = [];
  const worker = async (w: number): Promise<void> => {
    const client = new HyperfaceClient({ address: d.address });
    try {
      for (let round = 0; Date.now() < deadline; round++) {
        for await (const ev of client.generate(request(w * 1000 + round))) if (ev.sample) samples.push(1);
        if (w === 0 && round === 1) firstRss = rssMiB(d.child.pid!);
      }
    } catch (error) {
      errors.push((error as Error).message);
    } finally {
      client.close();
    }
  };
  await Promise.all(Array.from({ length: 32 }, (_, w) => worker(w)));
  const lastRss = rssMiB(d.child.pid!);
  assert.deepEqual(errors, []);
  assert.ok(samples.length > 32 * 6, `${samples.length} faces streamed`);
  assert.ok(firstRss > 0);
  assert.ok(lastRss - firstRss < 150, `RSS grew from ${firstRss.toFixed(0)} to ${lastRss.toFixed(0)} MiB`);
});

test('a slow consumer (one message a second) does not make the daemon buffer faces', async () => {
  const client = new HyperfaceClient({ address: d.address });
  const before = rssMiB(d.child.pid!);
  let read = 0;
  let jobId = '';
  // 200 identities x 50 faces at 256 px raw would be ~1.9 GB if the daemon rendered ahead freely.
  for await (const ev of client.generate({ embeddings: toTensor(lcgIdentities(200, DIM, 7), [200, DIM]), imagesPerIdentity: 50, format: 'IMAGE_FORMAT_RAW', imageSize: 256 })) {
    if (ev.accepted) jobId = ev.accepted.jobId;
    if (ev.sample) read += 1;
    if (read >= 6) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const after = rssMiB(d.child.pid!);
  const job = await client.getJob(jobId);
  assert.ok(job.progress < 0.01, `the job rendered only what was read plus a bounded look-ahead (progress ${job.progress})`);
  assert.ok(after - before < 100, `RSS ${before.toFixed(0)} → ${after.toFixed(0)} MiB`);
  client.close();
});

test('cancelling a stream releases the server-side job within 1 s', async () => {
  const client = new HyperfaceClient({ address: d.address });
  const controller = new AbortController();
  let jobId = '';
  await assert.rejects(async () => {
    for await (const ev of client.generate({ embeddings: toTensor(lcgIdentities(500, DIM, 3), [500, DIM]), imagesPerIdentity: 20 }, { signal: controller.signal })) {
      if (ev.accepted) jobId = ev.accepted.jobId;
      if (ev.sample?.sample === 2) controller.abort();
    }
  });
  const cancelledAt = Date.now();
  let state = '';
  while (Date.now() - cancelledAt < 1000) {
    state = (await client.getJob(jobId)).state;
    if (state === 'JOB_STATE_CANCELLED') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(state, 'JOB_STATE_CANCELLED', `job ${jobId} still ${state} after 1 s`);
  client.close();
});

test('kill -9 in the middle of `hyperface generate --address`, restart, re-run: every sample once, bytes as an uninterrupted run', async () => {
  const dir = tempDir();
  const npy = join(dir, 'ids.npy');
  const { encodeNpyFloat32 } = await import('@hyperface/sdk');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(npy, encodeNpyFloat32(lcgIdentities(6, DIM, 11), 6, DIM));
  const args = (addr: string, out: string): string[] => [CLI, 'generate', '--address', addr, '--embeddings', npy, '--images-per-identity', '5', '--seed', '3', '--out', out, '--json'];

  // Uninterrupted reference on the shared daemon.
  await run(process.execPath, args(d.address, join(dir, 'ref')));

  const jobsDir = tempDir();
  const victim = await spawnDaemon(['--data-dir', jobsDir, '--data-root', '/', '--log-level', 'warn']);
  await victim.client.waitForReady({ timeoutMs: 300_000 });
  const out = join(dir, 'run');
  const cli = execFile(process.execPath, args(victim.address, out));
  // Wait until some, not all, samples are on disk, then kill the daemon hard.
  for (;;) {
    let rows = 0;
    try {
      rows = readFileSync(join(out, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean).length;
    } catch {
      rows = 0;
    }
    if (rows >= 3) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  victim.child.kill('SIGKILL');
  await victim.exited;
  await new Promise((r) => cli.on('exit', r));
  victim.client.close();

  const again = await spawnDaemon(['--data-dir', jobsDir, '--data-root', '/', '--log-level', 'warn']);
  try {
    await again.client.waitForReady({ timeoutMs: 300_000 });
    await run(process.execPath, args(again.address, out));
  } finally {
    again.child.kill('SIGTERM');
    await again.exited;
    again.client.close();
  }
  const rows = readFileSync(join(out, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { identity: number; sample: number; file: string });
  const keys = rows.map((r) => `${r.identity}/${r.sample}`);
  assert.equal(new Set(keys).size, keys.length, 'no duplicates');
  assert.equal(keys.length, 30, 'no sample lost');
  for (const id of readdirSync(join(dir, 'ref')).filter((f) => /^\d+$/.test(f))) {
    for (const f of readdirSync(join(dir, 'ref', id))) {
      assert.deepEqual(readFileSync(join(out, id, f)), readFileSync(join(dir, 'ref', id, f)), `${id}/${f} equals the uninterrupted run`);
    }
  }
});

test('fuzz: malformed, empty, huge, NaN, wrong-dimension and undecodable inputs get their status; the daemon keeps serving', async () => {
  const c = new HyperfaceClient({ address: d.address, retry: { maxAttempts: 1 } });
  const nan = toTensor(new Float32Array(2 * DIM).fill(Number.NaN), [2, DIM]);
  const cases: [string, AsyncIterable<unknown> | Promise<unknown>, string[]][] = [
    ['pack empty', c.pack({}), ['INVALID_ARGUMENT']],
    ['pack huge N', c.pack({ identities: 4_000_000_000, dim: 3, gallery: { none: true } }), ['INVALID_ARGUMENT']],
    ['pack dim too big', c.pack({ identities: 10, dim: 100_000, gallery: { none: true } }), ['INVALID_ARGUMENT']],
    ['pack NaN alpha', c.pack({ identities: 10, dim: 3, alpha: Number.NaN, gallery: { none: true } }), ['INVALID_ARGUMENT']],
    ['pack negative lr', c.pack({ identities: 10, dim: 3, learningRate: -1, gallery: { none: true } }), ['INVALID_ARGUMENT']],
    ['pack NaN gallery', c.pack({ identities: 10, gallery: { embeddings: nan } }), ['INVALID_ARGUMENT']],
    ['pack wrong-dim gallery', c.pack({ identities: 10, dim: 5, gallery: { embeddings: toTensor(new Float32Array(6).fill(1), [2, 3]) } }), ['INVALID_ARGUMENT']],
    ['pack unknown recognizer', c.pack({ identities: 10, recognizer: 'nope' }), ['NOT_FOUND']],
    ['generate empty', c.generate({}), ['INVALID_ARGUMENT']],
    ['generate NaN identities', c.generate({ embeddings: nan, imagesPerIdentity: 1 }), ['INVALID_ARGUMENT']],
    ['generate wrong dim', c.generate({ embeddings: toTensor(new Float32Array(12).fill(1), [4, 3]), imagesPerIdentity: 1 }), ['INVALID_ARGUMENT']],
    ['generate truncated tensor', c.generate({ embeddings: { shape: [4, 3], data: Buffer.alloc(7) }, imagesPerIdentity: 1 }), ['INVALID_ARGUMENT']],
    ['generate bad pack job', c.generate({ packJobId: 'nope', imagesPerIdentity: 1 }), ['NOT_FOUND']],
    ['generate K too big', c.generate({ embeddings: toTensor(lcgIdentities(1, DIM, 1), [1, DIM]), imagesPerIdentity: 1_000_000 }), ['INVALID_ARGUMENT']],
    ['generate jpeg quality', c.generate({ embeddings: toTensor(lcgIdentities(1, DIM, 1), [1, DIM]), imagesPerIdentity: 1, jpegQuality: 1000 }), ['INVALID_ARGUMENT']],
    ['verify empty', c.evaluateVerification({}), ['INVALID_ARGUMENT']],
    ['verify missing bin', c.evaluateVerification({ binPath: '/nonexistent.bin' }), ['NOT_FOUND', 'INVALID_ARGUMENT']],
    ['verify odd rows', c.evaluateVerification({ embeddings: { embeddings: toTensor(new Float32Array(9), [3, 3]), issame: [true] } }), ['INVALID_ARGUMENT']],
    ['verify NaN', c.evaluateVerification({ embeddings: { embeddings: toTensor(new Float32Array(6).fill(Number.NaN), [2, 3]), issame: [true] } }), ['INVALID_ARGUMENT']],
    ['dataset empty', c.evaluateDataset({}), ['INVALID_ARGUMENT']],
    ['dataset missing', c.evaluateDataset({ datasetPath: '/nonexistent-dataset' }), ['NOT_FOUND', 'INVALID_ARGUMENT', 'FAILED_PRECONDITION']],
    ['model empty', c.getModel(''), ['INVALID_ARGUMENT']],
    ['job unknown', c.cancelJob('nope'), ['NOT_FOUND']],
    ['jobs page too big', c.listJobs({ pageSize: 100_000 }), ['INVALID_ARGUMENT']],
    ['jobs bad token', c.listJobs({ pageToken: 'zz' }), ['INVALID_ARGUMENT']],
    ['watch unknown', c.watchJob('nope'), ['NOT_FOUND']],
  ];
  const results = await Promise.all(cases.map(async ([name, call, expected]) => [name, await codeOf(call), expected] as const));
  for (const [name, got, expected] of results) assert.ok(expected.includes(got), `${name}: got ${got}, expected ${expected.join(' or ')}`);

  // Embed: every bad item answered in-stream, the stream survives.
  const responses = [];
  for await (const r of c.embed([
    { id: 'empty' },
    { id: 'junk', image: { encoded: Buffer.from([0xff, 0xd8, 0xff, 0, 1, 2]) } },
    { id: 'raw-short', image: { raw: { height: 100, width: 100, channels: 3, data: Buffer.alloc(3) } } },
    { id: 'raw-channels', image: { raw: { height: 2, width: 2, channels: 7, data: Buffer.alloc(28) } } },
    { id: 'unknown-model', recognizer: 'nope', image: { raw: { height: 8, width: 8, channels: 3, data: Buffer.alloc(192) } }, aligned: true },
  ])) responses.push(r);
  assert.deepEqual(responses.map((r) => [r.id, r.error?.code]), [
    ['empty', 'INVALID_ARGUMENT'],
    ['junk', 'INVALID_ARGUMENT'],
    ['raw-short', 'INVALID_ARGUMENT'],
    ['raw-channels', 'INVALID_ARGUMENT'],
    ['unknown-model', 'NOT_FOUND'],
  ]);
  // A message over the 4 MiB limit.
  assert.equal(await codeOf(c.pack({ identities: 10, gallery: { embeddings: { shape: [1200, 1024], data: Buffer.alloc(1200 * 1024 * 4) } } })), 'RESOURCE_EXHAUSTED');
  assert.equal(await c.health(), 'SERVING');
  c.close();
});
