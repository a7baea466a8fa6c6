import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../shared/logging.js';
import { JobManager } from './manager.js';
import * as z from 'zod';
import { jobKind, type JobEvent } from './types.js';
import type { PackProgressInfo } from '../packing/index.js';
import type { GenerateProgressInfo } from '../generation/events.js';

const metrics = { minAngleDeg: 0, meanNnAngleDeg: 0, maxCosine: 0, meanGalleryDistance: 0, loss: 0, packingLoss: 0, galleryLoss: 0 };
const packProgress = (iteration: number): PackProgressInfo => ({ iteration, iterations: 5, metrics, bestMinAngleDeg: 0, elapsedSeconds: 0, etaSeconds: -1, phase: '' });
const generateProgress = (done: number): GenerateProgressInfo => ({ done, total: 2, elapsedSeconds: 0, etaSeconds: -1, facesPerSecond: 0, skipped: 0 });

// Job kinds for these tests: the core runs any registered kind, its request parsed by the kind's schema.
const packLike = jobKind('pack', z.looseObject({ n: z.number().optional() }));
const generateLike = jobKind('generate', z.looseObject({}));

function manager(dataDir = mkdtempSync(join(tmpdir(), 'jobs-'))): JobManager {
  return new JobManager({ dataDir, maxConcurrentJobs: 2, log: createLogger('silent') });
}

async function collect(it: AsyncIterable<JobEvent>): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

test('a job runs, its events are replayed in order (progress throttled, the last kept) and end with the terminal state', async () => {
  const jobs = manager();
  await jobs.open();
  jobs.register(packLike, async (ctx) => {
    for (let i = 0; i < 5; i++) await ctx.emit('pack', { progress: packProgress(i) });
    return { ok: true };
  });
  const job = await jobs.start(packLike, { n: 1 });
  const finished = await jobs.waitFor(job.id);
  assert.equal(finished.state, 'succeeded');
  assert.deepEqual(finished.result, { ok: true });
  const events = await collect(jobs.watch(job.id));
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i), 'sequence numbers are contiguous');
  // A burst of progress events is throttled in time: the first goes out, the last is kept.
  assert.deepEqual(events.flatMap((e) => (e.channel === 'pack' && 'progress' in e.payload ? [e.payload.progress.iteration] : [])), [0, 4]);
  const last = events.at(-1)!;
  assert.equal(last.channel === 'job' && last.payload.state, 'succeeded');
  const tail = await collect(jobs.watch(job.id, events.length - 2));
  assert.equal(tail.length, 2, 'from_seq skips what the caller has seen');
});

test('a watcher attached while the job runs sees every later event live', async () => {
  const jobs = manager();
  await jobs.open();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  jobs.register(generateLike, async (ctx) => {
    await ctx.emit('generate', { progress: generateProgress(1) });
    await gate;
    await ctx.emit('generate', { progress: generateProgress(2) });
    return {};
  });
  const job = await jobs.start(generateLike, {});
  const watching = collect(jobs.watch(job.id));
  setTimeout(release, 20);
  const events = await watching;
  assert.deepEqual(
    events.flatMap((e) => (e.channel === 'generate' && 'progress' in e.payload ? [e.payload.progress.done] : [])),
    [1, 2],
  );
});

test('cancel stops a running job, is idempotent on finished jobs, and the concurrency limit answers RESOURCE_EXHAUSTED', async () => {
  const jobs = manager();
  await jobs.open();
  jobs.register(packLike, (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))));
  const a = await jobs.start(packLike, {});
  const b = await jobs.start(packLike, {});
  await assert.rejects(jobs.start(packLike, {}), { code: 'RESOURCE_EXHAUSTED' });
  assert.equal((await jobs.cancel(a.id)).state, 'cancelled');
  assert.equal((await jobs.cancel(a.id)).state, 'cancelled');
  await jobs.cancel(b.id);
  assert.deepEqual(jobs.list({ state: 'cancelled' }).map((j) => j.id).sort(), [a.id, b.id].sort());
  await assert.rejects(async () => jobs.get('nope'), { code: 'NOT_FOUND' });
});

test('a failed job keeps the public message of a known error and hides unexpected ones', async () => {
  const jobs = manager();
  await jobs.open();
  const { InvalidArgumentError } = await import('../../shared/errors.js');
  jobs.register(packLike, async () => {
    throw new InvalidArgumentError({ field: 'dim', description: 'too big' });
  });
  jobs.register(generateLike, async () => {
    throw new Error('secret internal detail');
  });
  const known = await jobs.waitFor((await jobs.start(packLike, {})).id);
  assert.equal(known.state, 'failed');
  assert.equal(known.errorCode, 'INVALID_ARGUMENT');
  assert.match(known.error ?? '', /dim: too big/);
  const unknown = await jobs.waitFor((await jobs.start(generateLike, {})).id);
  assert.equal(unknown.errorCode, 'INTERNAL');
  assert.doesNotMatch(unknown.error ?? '', /secret/);
});

test('after a restart, unfinished jobs resume with their checkpoint and a resume count', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobs-'));
  const first = manager(dir);
  await first.open();
  let saved = false;
  first.register(packLike, async (ctx) => {
    await ctx.saveCheckpoint(Uint8Array.of(7, 7));
    saved = true;
    await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stop'))));
  });
  const job = await first.start(packLike, { n: 3 });
  // Until the checkpoint is saved (atomic writes fsync the file and its folder: slow under load).
  while (!saved) await new Promise((r) => setTimeout(r, 10));
  await first.shutdown(1000); // like SIGTERM: the job stays resumable
  assert.equal(first.get(job.id).state, 'queued');

  const second = manager(dir);
  let seen: Uint8Array | null = null;
  // Kinds are registered before open(): their schemas parse the stored requests.
  second.register(packLike, async (ctx) => {
    seen = await ctx.loadCheckpoint();
    assert.equal(ctx.resumes, 1);
    assert.deepEqual(ctx.request, { n: 3 });
    return { resumed: true };
  });
  const unfinished = await second.open();
  assert.deepEqual(unfinished.map((j) => j.id), [job.id]);
  second.resumeUnfinished(unfinished);
  const done = await second.waitFor(job.id);
  assert.equal(done.state, 'succeeded');
  assert.deepEqual(Array.from(seen ?? []), [7, 7]);
});

test('records are parsed on load: a corrupt record, an unfinished one with an old request or an unknown kind is FAILED with the reason, never skipped', async () => {
  const { existsSync, mkdirSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'jobs-'));
  const put = (id: string, text: string): void => {
    mkdirSync(join(dir, 'jobs', id), { recursive: true });
    writeFileSync(join(dir, 'jobs', id, 'job.json'), text);
  };
  const record = (id: string, kind: string, state: string, request: unknown): string => JSON.stringify({ id, kind, state, createdAtMs: 1, updatedAtMs: 1, progress: 0, resumes: 0, request });
  put('corrupt', '{"id": "corrupt", "kind": "pa');
  put('old', record('old', 'pack', 'running', { n: 'three' }));
  put('alien', record('alien', 'train', 'queued', {}));
  put('done', record('done', 'pack', 'succeeded', { whatever: true }));
  put('fine', record('fine', 'pack', 'queued', { n: 2 }));
  const jobs = manager(dir);
  jobs.register(packLike, async () => ({}));
  const unfinished = await jobs.open();
  assert.deepEqual(unfinished.map((j) => j.id), ['fine'], 'only the parsable unfinished job resumes');
  assert.equal(jobs.list().length, 5, 'every record is listed');
  const corrupt = jobs.get('corrupt');
  assert.equal(corrupt.state, 'failed');
  assert.equal(corrupt.errorCode, 'DATA_LOSS');
  assert.match(corrupt.error ?? '', /job record \(job\.json\) is unreadable/);
  assert.ok(existsSync(join(dir, 'jobs', 'corrupt', 'job.json.unreadable')), 'the damaged file is kept');
  const old = jobs.get('old');
  assert.equal(old.state, 'failed');
  assert.equal(old.errorCode, 'FAILED_PRECONDITION');
  assert.match(old.error ?? '', /stored request of this pack job does not match[^]*n: /);
  assert.match(jobs.get('alien').error ?? '', /no train jobs in this daemon/);
  assert.equal(jobs.get('done').state, 'succeeded', 'a finished job keeps its stored request as it is');
  assert.deepEqual(jobs.requestOf(packLike, 'fine'), { n: 2 });
  // The verdicts are persisted: the next start lists the same failures.
  const again = manager(dir);
  again.register(packLike, async () => ({}));
  await again.open();
  assert.equal(again.get('old').state, 'failed');
  assert.equal(again.get('corrupt').state, 'failed');
});

test('a job that outlives the shutdown grace is FAILED at once and not resumed; the watchdog marker fails the jobs it names', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jobs-'));
  const jobs = manager(dataDir);
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  // Ignores its abort signal: stands in for any run stuck in work that cannot be interrupted.
  jobs.register(packLike, () => (started(), new Promise(() => undefined)));
  await jobs.open();
  const stuck = await jobs.start(packLike, { n: 1 });
  await running;
  await jobs.shutdown(50);
  assert.equal(jobs.get(stuck.id).state, 'failed');
  assert.match(jobs.get(stuck.id).error ?? '', /did not stop within shutdown\.graceMs \(50 ms\)/);
  const reopened = manager(dataDir);
  reopened.register(packLike, async () => ({}));
  assert.deepEqual(await reopened.open(), [], 'nothing to resume');
  assert.equal(reopened.get(stuck.id).state, 'failed');

  // A job left running (the process was killed) is resumed, unless the watchdog named it.
  const other = mkdtempSync(join(tmpdir(), 'jobs-'));
  const first = manager(other);
  let go!: () => void;
  const on = new Promise<void>((r) => (go = r));
  first.register(packLike, () => (go(), new Promise(() => undefined)));
  await first.open();
  const a = await first.start(packLike, { n: 1 });
  await on;
  const b = manager(other);
  b.register(packLike, async () => ({}));
  const unfinished = await b.open({ jobs: [a.id], reason: 'the main thread did not run for 31000 ms' });
  assert.deepEqual(unfinished, []);
  assert.equal(b.get(a.id).state, 'failed');
  assert.match(b.get(a.id).error ?? '', /watchdog ended the process while this job ran \(the main thread did not run for 31000 ms\)/);
});
