// Job limits (issue 13): a job that keeps crashing the daemon is failed after limits.maxJobAttempts
// instead of being resumed forever; admission under limits.maxConcurrentJobs is atomic, also for
// jobs resumed after a restart; a client deadline cancels its job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HyperfaceClient, HyperfaceError } from '@hyperface/sdk';
import { spawnDaemon, startTestDaemon, tempDir, type ChildDaemon } from '../helpers/daemon.js';

async function waitForState(client: HyperfaceClient, id: string, states: string[], timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let state = '';
  while (Date.now() < deadline) {
    state = (await client.getJob(id)).state;
    if (states.includes(state)) return state;
    await sleep(50);
  }
  return state;
}

async function startDetached(client: HyperfaceClient, request: Parameters<HyperfaceClient['pack']>[0]): Promise<string> {
  for await (const ev of client.pack({ ...request, detach: true })) if (ev.accepted) return ev.accepted.jobId;
  throw new Error('no accepted event');
}

async function kill9(d: ChildDaemon): Promise<void> {
  d.child.kill('SIGKILL');
  await d.exited;
  d.client.close();
}

// A pure-geometry Pack that runs for minutes unless interrupted.
const LONG_PACK = { identities: 256, dim: 16, gallery: { none: true }, iterations: 10_000_000, checkpointEvery: 1_000_000 };

test('a job that takes the daemon down on every run is FAILED after limits.maxJobAttempts (3) runs, and the daemon stays up', async () => {
  const dataDir = tempDir();
  const args = ['--data-dir', dataDir, '--models-builtin', 'false', '--log-level', 'warn'];
  let d = await spawnDaemon(args);
  const id = await startDetached(d.client, LONG_PACK);
  // Three runs, each ended by kill -9 while RUNNING (what a crash of the process looks like).
  for (let run = 1; run <= 3; run++) {
    if (run > 1) d = await spawnDaemon(args);
    assert.equal(await waitForState(d.client, id, ['JOB_STATE_RUNNING']), 'JOB_STATE_RUNNING', `run ${run} started`);
    await kill9(d);
  }
  d = await spawnDaemon(args);
  try {
    await d.client.waitForReady({ timeoutMs: 30_000 });
    const job = await d.client.getJob(id);
    assert.equal(job.state, 'JOB_STATE_FAILED', 'not resumed a fourth time');
    assert.match(job.error, /3 times/);
    assert.match(job.error, /limits\.maxJobAttempts/);
    assert.equal(await d.client.health(), 'SERVING');
    // The daemon still works.
    let ok = false;
    for await (const ev of d.client.pack({ identities: 4, dim: 3, gallery: { none: true }, iterations: 50 })) if (ev.result) ok = true;
    assert.ok(ok);
  } finally {
    d.child.kill('SIGTERM');
    await d.exited;
    d.client.close();
  }
});

test('a graceful restart (SIGTERM) does not count as a failed attempt', async () => {
  const dataDir = tempDir();
  const args = ['--data-dir', dataDir, '--models-builtin', 'false', '--log-level', 'warn', '--limits-max-job-attempts', '1'];
  let d = await spawnDaemon(args);
  const id = await startDetached(d.client, LONG_PACK);
  assert.equal(await waitForState(d.client, id, ['JOB_STATE_RUNNING']), 'JOB_STATE_RUNNING');
  d.child.kill('SIGTERM');
  assert.equal(await d.exited, 0);
  d.client.close();
  d = await spawnDaemon(args);
  try {
    const state = await waitForState(d.client, id, ['JOB_STATE_RUNNING', 'JOB_STATE_FAILED']);
    assert.equal(state, 'JOB_STATE_RUNNING', state === 'JOB_STATE_FAILED' ? (await d.client.getJob(id)).error : '');
    await d.client.cancelJob(id);
  } finally {
    d.child.kill('SIGTERM');
    await d.exited;
    d.client.close();
  }
});

test('admission is atomic: 50 simultaneous Packs against limits.maxConcurrentJobs = 4 run 4 at once, the rest get RESOURCE_EXHAUSTED', async () => {
  const t = await startTestDaemon({ 'limits.maxConcurrentJobs': 4 }, { models: false });
  try {
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        try {
          for await (const ev of t.client.pack({ ...LONG_PACK, seed: i, detach: true })) if (ev.accepted) return 'accepted';
          return 'no event';
        } catch (error) {
          return (error as HyperfaceError).code;
        }
      }),
    );
    const accepted = outcomes.filter((o) => o === 'accepted').length;
    assert.equal(accepted, 4, JSON.stringify(outcomes));
    assert.equal(outcomes.filter((o) => o === 'RESOURCE_EXHAUSTED').length, 46);
    const { jobs } = await t.client.listJobs({ pageSize: 100 });
    assert.ok(jobs.filter((j) => j.state === 'JOB_STATE_RUNNING').length <= 4);
    for (const j of jobs) await t.client.cancelJob(j.id);
    // The slots come back: a new job is admitted.
    let ok = false;
    for await (const ev of t.client.pack({ identities: 4, dim: 3, gallery: { none: true }, iterations: 50 })) if (ev.result) ok = true;
    assert.ok(ok);
  } finally {
    await t.stop();
  }
});

test('after a restart, unfinished jobs resume through the same limit: the excess waits QUEUED and starts when a slot frees', async () => {
  const dataDir = tempDir();
  const base = ['--data-dir', dataDir, '--models-builtin', 'false', '--log-level', 'warn'];
  let d = await spawnDaemon([...base, '--limits-max-concurrent-jobs', '8']);
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push(await startDetached(d.client, { ...LONG_PACK, seed: i }));
  for (const id of ids) assert.equal(await waitForState(d.client, id, ['JOB_STATE_RUNNING']), 'JOB_STATE_RUNNING');
  d.child.kill('SIGTERM');
  assert.equal(await d.exited, 0);
  d.client.close();
  d = await spawnDaemon([...base, '--limits-max-concurrent-jobs', '2']);
  try {
    await d.client.waitForReady({ timeoutMs: 30_000 });
    const states = async (): Promise<string[]> => Promise.all(ids.map(async (id) => (await d.client.getJob(id)).state));
    let seen = await states();
    for (let i = 0; i < 20 && seen.filter((s) => s === 'JOB_STATE_RUNNING').length < 2; i++) {
      await sleep(100);
      seen = await states();
    }
    assert.equal(seen.filter((s) => s === 'JOB_STATE_RUNNING').length, 2, seen.join());
    assert.equal(seen.filter((s) => s === 'JOB_STATE_QUEUED').length, 4, seen.join());
    await sleep(500);
    seen = await states();
    assert.equal(seen.filter((s) => s === 'JOB_STATE_RUNNING').length, 2, `still 2 running: ${seen.join()}`);
    // A new request is refused while resumed jobs wait for a slot.
    await assert.rejects(startDetached(d.client, LONG_PACK), (e: HyperfaceError) => e.code === 'RESOURCE_EXHAUSTED');
    // Cancelling a queued one never starts it; cancelling a running one lets the next queued one run.
    const queued = ids.filter((_, i) => seen[i] === 'JOB_STATE_QUEUED');
    const running = ids.filter((_, i) => seen[i] === 'JOB_STATE_RUNNING');
    assert.equal((await d.client.cancelJob(queued[0]!)).state, 'JOB_STATE_CANCELLED');
    await d.client.cancelJob(running[0]!);
    assert.equal(await waitForState(d.client, queued[1]!, ['JOB_STATE_RUNNING'], 10_000), 'JOB_STATE_RUNNING');
    seen = await states();
    assert.equal(seen.filter((s) => s === 'JOB_STATE_RUNNING').length, 2, seen.join());
    assert.equal((await d.client.getJob(queued[0]!)).state, 'JOB_STATE_CANCELLED');
    for (const id of ids) await d.client.cancelJob(id);
  } finally {
    d.child.kill('SIGTERM');
    await d.exited;
    d.client.close();
  }
});

test('a client deadline cancels its job: a Pack with timeoutMs 3000 is CANCELLED shortly after', async () => {
  const t = await startTestDaemon({}, { models: false });
  try {
    let jobId = '';
    const started = Date.now();
    await assert.rejects(
      async () => {
        for await (const ev of t.client.pack(LONG_PACK, { timeoutMs: 3000 })) if (ev.accepted) jobId = ev.accepted.jobId;
      },
      (e: HyperfaceError) => e.code === 'DEADLINE_EXCEEDED',
    );
    assert.ok(jobId);
    assert.equal(await waitForState(t.client, jobId, ['JOB_STATE_CANCELLED'], 3000), 'JOB_STATE_CANCELLED');
    assert.ok(Date.now() - started < 6500, `cancelled ${Date.now() - started} ms after the call started`);
  } finally {
    await t.stop();
  }
});
