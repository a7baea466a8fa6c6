import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../logging.js';
import { JobManager } from './manager.js';
import type { JobEvent } from './types.js';

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
  jobs.register('pack', async (ctx) => {
    for (let i = 0; i < 5; i++) await ctx.emit('pack', { progress: { iteration: i } });
    return { ok: true };
  });
  const job = await jobs.start('pack', { n: 1 });
  const finished = await jobs.waitFor(job.id);
  assert.equal(finished.state, 'succeeded');
  assert.deepEqual(finished.result, { ok: true });
  const events = await collect(jobs.watch(job.id));
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i), 'sequence numbers are contiguous');
  // A burst of progress events is throttled in time: the first goes out, the last is kept.
  assert.deepEqual(events.filter((e) => e.channel === 'pack').map((e) => (e.payload as { progress: { iteration: number } }).progress.iteration), [0, 4]);
  assert.equal((events.at(-1)!.payload as { state: string }).state, 'succeeded');
  const tail = await collect(jobs.watch(job.id, events.length - 2));
  assert.equal(tail.length, 2, 'from_seq skips what the caller has seen');
});

test('a watcher attached while the job runs sees every later event live', async () => {
  const jobs = manager();
  await jobs.open();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  jobs.register('generate', async (ctx) => {
    await ctx.emit('generate', { progress: { done: 1 } });
    await gate;
    await ctx.emit('generate', { progress: { done: 2 } });
    return {};
  });
  const job = await jobs.start('generate', {});
  const watching = collect(jobs.watch(job.id));
  setTimeout(release, 20);
  const events = await watching;
  assert.deepEqual(
    events.filter((e) => e.channel === 'generate').map((e) => (e.payload as { progress: { done: number } }).progress.done),
    [1, 2],
  );
});

test('cancel stops a running job, is idempotent on finished jobs, and the concurrency limit answers RESOURCE_EXHAUSTED', async () => {
  const jobs = manager();
  await jobs.open();
  jobs.register('pack', (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))));
  const a = await jobs.start('pack', {});
  const b = await jobs.start('pack', {});
  await assert.rejects(jobs.start('pack', {}), { code: 'RESOURCE_EXHAUSTED' });
  assert.equal((await jobs.cancel(a.id)).state, 'cancelled');
  assert.equal((await jobs.cancel(a.id)).state, 'cancelled');
  await jobs.cancel(b.id);
  assert.deepEqual(jobs.list({ state: 'cancelled' }).map((j) => j.id).sort(), [a.id, b.id].sort());
  await assert.rejects(async () => jobs.get('nope'), { code: 'NOT_FOUND' });
});

test('a failed job keeps the public message of a known error and hides unexpected ones', async () => {
  const jobs = manager();
  await jobs.open();
  const { InvalidArgumentError } = await import('../../errors.js');
  jobs.register('pack', async () => {
    throw new InvalidArgumentError({ field: 'dim', description: 'too big' });
  });
  jobs.register('generate', async () => {
    throw new Error('secret internal detail');
  });
  const known = await jobs.waitFor((await jobs.start('pack', {})).id);
  assert.equal(known.state, 'failed');
  assert.equal(known.errorCode, 'INVALID_ARGUMENT');
  assert.match(known.error ?? '', /dim: too big/);
  const unknown = await jobs.waitFor((await jobs.start('generate', {})).id);
  assert.equal(unknown.errorCode, 'INTERNAL');
  assert.doesNotMatch(unknown.error ?? '', /secret/);
});

test('after a restart, unfinished jobs resume with their checkpoint and a resume count', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobs-'));
  const first = manager(dir);
  await first.open();
  let saved = false;
  first.register('pack', async (ctx) => {
    await ctx.saveCheckpoint(Uint8Array.of(7, 7));
    saved = true;
    await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stop'))));
  });
  const job = await first.start('pack', { n: 3 });
  // Until the checkpoint is saved (atomic writes fsync the file and its folder: slow under load).
  while (!saved) await new Promise((r) => setTimeout(r, 10));
  await first.shutdown(1000); // like SIGTERM: the job stays resumable
  assert.equal(first.get(job.id).state, 'queued');

  const second = manager(dir);
  const unfinished = await second.open();
  assert.deepEqual(unfinished.map((j) => j.id), [job.id]);
  let seen: Uint8Array | null = null;
  second.register('pack', async (ctx) => {
    seen = await ctx.loadCheckpoint();
    assert.equal(ctx.resumes, 1);
    assert.deepEqual(ctx.request, { n: 3 });
    return { resumed: true };
  });
  second.resumeUnfinished(unfinished);
  const done = await second.waitFor(job.id);
  assert.equal(done.state, 'succeeded');
  assert.deepEqual(Array.from(seen ?? []), [7, 7]);
});
