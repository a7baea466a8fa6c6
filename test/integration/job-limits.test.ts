// Job limits (issue 13): a job that keeps crashing the daemon is failed after limits.maxJobAttempts
// instead of being resumed forever; admission under limits.maxConcurrentJobs is atomic, also for
// jobs resumed after a restart; a client deadline cancels its job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HyperfaceClient } from '@hyperface/sdk';
import { spawnDaemon, tempDir, type ChildDaemon } from '../helpers/daemon.js';

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
const LONG_PACK = { identities: 2000, dim: 64, gallery: { none: true }, iterations: 10_000_000, checkpointEvery: 1_000_000 };

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
    assert.equal(await waitForState(d.client, id, ['JOB_STATE_RUNNING', 'JOB_STATE_FAILED']), 'JOB_STATE_RUNNING');
    await d.client.cancelJob(id);
  } finally {
    d.child.kill('SIGTERM');
    await d.exited;
    d.client.close();
  }
});
