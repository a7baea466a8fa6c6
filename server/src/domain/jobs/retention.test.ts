import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expiredJobs, startRetention } from './retention.js';
import { JobManager } from './manager.js';
import { createLogger } from '../../shared/logging.js';
import * as z from 'zod';
import { jobKind, type JobRecord, type JobState } from './types.js';

const packLike = jobKind('pack', z.looseObject({ i: z.number().optional() }));

const rec = (id: string, state: JobState, updatedAtMs: number): JobRecord => ({ id, kind: 'pack', state, createdAtMs: updatedAtMs, updatedAtMs, progress: 1, resumes: 0, request: {} });

test('expiredJobs: finished jobs beyond the newest maxCount or older than maxAge; unfinished ones never', () => {
  const now = 1_000_000;
  const records = [rec('old', 'succeeded', now - 50_000), rec('mid', 'failed', now - 2000), rec('new', 'cancelled', now - 1000), rec('run', 'running', now - 90_000), rec('q', 'queued', now - 90_000)];
  assert.deepEqual(expiredJobs(records, { maxAgeMs: 0, maxCount: 2 }, now), ['old']);
  assert.deepEqual(expiredJobs(records, { maxAgeMs: 10_000, maxCount: 0 }, now), ['old']);
  assert.deepEqual(expiredJobs(records, { maxAgeMs: 1500, maxCount: 0 }, now).sort(), ['mid', 'old']);
  assert.deepEqual(expiredJobs(records, { maxAgeMs: 0, maxCount: 0 }, now), []);
  // A finished pack job whose result a running job reads is kept.
  const reader = { ...rec('gen', 'running', now), request: { identitiesPath: '/data/jobs/old/result.npy' } };
  assert.deepEqual(expiredJobs([...records, reader], { maxAgeMs: 10_000, maxCount: 0 }, now), []);
});

test('a sweep removes expired jobs with their folders, keeps a watched one until its watcher leaves', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hf-retention-'));
  const jobs = new JobManager({ dataDir, maxConcurrentJobs: 4, log: createLogger('silent') });
  jobs.register(packLike, async (ctx) => {
    await ctx.emit('pack', { progress: { iteration: 1 } } as never);
    return {};
  });
  await jobs.open();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await jobs.start(packLike, { i })).id);
  for (const id of ids) await jobs.waitFor(id);
  // A watcher that has read one event and not finished.
  const watch = jobs.watch(ids[0]!);
  await watch.next();
  const retention = startRetention(jobs, { maxAgeMs: 0, maxCount: 1 }, 60_000, createLogger('silent'));
  try {
    assert.deepEqual(await retention.sweep(), [ids[1]]);
    assert.equal(existsSync(jobs.dirOf(ids[1]!)), false);
    assert.ok(existsSync(jobs.dirOf(ids[0]!)), 'watched: kept');
    await watch.return(undefined);
    assert.deepEqual(await retention.sweep(), [ids[0]]);
    assert.deepEqual(jobs.list().map((j) => j.id), [ids[2]]);
    assert.deepEqual(readdirSync(join(dataDir, 'jobs')), [ids[2]], 'nothing half-removed left');
  } finally {
    retention.stop();
  }
});
