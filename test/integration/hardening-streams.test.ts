// Hardening round 2 (issue 23, item 5): clients that open server streams and never read them, and a
// WatchJob flood, against a child daemon. Each stalled stream is held by HTTP/2 flow control, so the
// daemon buffers a bounded amount per call; calls beyond limits.maxCallsPerClient are refused with
// RESOURCE_EXHAUSTED; health answers within 1 s throughout, RSS stays bounded, and once the clients
// go away the daemon serves new calls as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { HyperfaceClient, type HyperfaceError } from '@hyperface/sdk';
import { spawnDaemon, tempDir } from '../helpers/daemon.js';

const CALL_LIMIT = 48;
const RSS_BOUND_MIB = 768;

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

test('streams never read (slow readers) and a WatchJob flood: bounded memory, RESOURCE_EXHAUSTED past the call limit, health within 1 s, recovery', { timeout: 120_000 }, async () => {
  const d = await spawnDaemon(['--data-dir', tempDir(), '--models-builtin', 'false', '--log-level', 'error', '--limits-max-calls-per-client', String(CALL_LIMIT)]);
  // One attempt per call: the refusal itself is what is checked.
  const client = new HyperfaceClient({ address: d.address, retry: { maxAttempts: 1 } });
  const stop = new AbortController();
  try {
    // A long job that keeps writing progress events for the watchers to fall behind on.
    let jobId = '';
    for await (const ev of client.pack({ identities: 512, dim: 32, gallery: { none: true }, mode: 'PACK_MODE_FAST', iterations: 10_000_000, progressEvery: 1, detach: true })) {
      if (ev.accepted) {
        jobId = ev.accepted.jobId;
        break;
      }
    }
    assert.ok(jobId);
    const before = rssMiB(d.child.pid!);

    // Slow readers: each stream takes its first event, then is never read again.
    const stalled = Array.from({ length: CALL_LIMIT - 4 }, () => client.watchJob(jobId, 0, { signal: stop.signal })[Symbol.asyncIterator]());
    await Promise.all(stalled.map((it) => it.next()));

    // The flood: more watchers than the limit leaves room for. Those past it are refused.
    const flood = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const it = client.watchJob(jobId, 0, { signal: stop.signal })[Symbol.asyncIterator]();
        try {
          await it.next();
          return 'open';
        } catch (error) {
          return (error as HyperfaceError).code ?? String(error);
        }
      }),
    );
    const refused = flood.filter((c) => c === 'RESOURCE_EXHAUSTED').length;
    assert.ok(refused >= 40 - 4, `expected at least 36 refusals, got ${JSON.stringify(flood)}`);
    assert.deepEqual([...new Set(flood)].sort(), refused === 40 ? ['RESOURCE_EXHAUSTED'] : ['RESOURCE_EXHAUSTED', 'open']);

    // While all of them sit unread and the job keeps emitting: health within 1 s, memory bounded.
    let slowest = 0;
    let peak = 0;
    const until = Date.now() + 8_000;
    while (Date.now() < until) {
      const t = Date.now();
      assert.equal(await client.health('', { timeoutMs: 1000 }), 'SERVING');
      slowest = Math.max(slowest, Date.now() - t);
      peak = Math.max(peak, rssMiB(d.child.pid!));
      await sleep(200);
    }
    assert.ok(slowest < 1000, `health took ${slowest} ms`);
    assert.ok(peak < RSS_BOUND_MIB, `daemon RSS ${peak.toFixed(0)} MiB (was ${before.toFixed(0)} MiB before the streams)`);

    // The clients go away: their calls end and the slots free up.
    stop.abort();
    for (const it of stalled) await it.return?.(undefined).catch(() => undefined);
    await sleep(500);
    const again = await client.getJob(jobId, { timeoutMs: 5000 });
    assert.equal(again.state, 'JOB_STATE_RUNNING');
    const fresh = client.watchJob(jobId, 0, { timeoutMs: 5000 })[Symbol.asyncIterator]();
    assert.equal((await fresh.next()).done, false);
    await fresh.return?.(undefined);
    await client.cancelJob(jobId);
  } finally {
    stop.abort();
    client.close();
    d.client.close();
    d.child.kill('SIGKILL');
    await d.exited;
  }
});
