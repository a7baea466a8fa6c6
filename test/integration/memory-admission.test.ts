// Memory admission (issue 13, item 9): a job's memory is estimated from its shape before it is
// accepted, and what would not fit limits.memoryBudgetBytes is refused with RESOURCE_EXHAUSTED
// naming the estimate and the budget; decoded images are capped by limits.maxImagePixels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { HyperfaceClient, type HyperfaceError } from '@hyperface/sdk';
import { spawnDaemon, startTestDaemon, tempDir } from '../helpers/daemon.js';

const GiB = 1024 ** 3;

async function codeAndMessage(it: AsyncIterable<unknown>): Promise<{ code: string; message: string }> {
  try {
    for await (const _ of it) void _;
    return { code: 'OK', message: '' };
  } catch (error) {
    const e = error as HyperfaceError;
    return { code: e.code, message: e.message };
  }
}

test('Pack 1,000,000 × 512 is refused up front with the estimate and the budget; what fits is admitted, and the budget is shared by running jobs', async () => {
  const t = await startTestDaemon({ 'limits.memoryBudgetBytes': GiB }, { models: false });
  try {
    const started = Date.now();
    const big = await codeAndMessage(t.client.pack({ identities: 1_000_000, dim: 512, gallery: { none: true } }));
    assert.equal(big.code, 'RESOURCE_EXHAUSTED', big.message);
    assert.ok(Date.now() - started < 2000, 'refused up front');
    assert.match(big.message, /GiB/);
    assert.match(big.message, /1000000 × 512/);
    assert.match(big.message, /limits\.memoryBudgetBytes = 1\.0 GiB/);
    assert.equal((await t.client.listJobs()).jobs.length, 0, 'no job was created');
    // Two jobs of ~0.65 GiB estimated each fit one after the other but not together.
    let first = '';
    for await (const ev of t.client.pack({ identities: 50_000, dim: 512, gallery: { none: true }, iterations: 10_000_000, detach: true })) {
      if (ev.accepted) first = ev.accepted.jobId;
      break;
    }
    assert.ok(first);
    // Seen without the SDK's retries (they would wait out the 5 s retry delay up to 3 times).
    const noRetry = new HyperfaceClient({ address: t.address, retry: { maxAttempts: 1 } });
    const second = await codeAndMessage(noRetry.pack({ identities: 50_000, dim: 512, gallery: { none: true }, iterations: 10, detach: true }));
    noRetry.close();
    assert.equal(second.code, 'RESOURCE_EXHAUSTED', second.message);
    assert.match(second.message, /in use by running jobs/);
    await t.client.cancelJob(first);
    const small = await codeAndMessage(t.client.pack({ identities: 8, dim: 3, gallery: { none: true }, iterations: 20 }));
    assert.equal(small.code, 'OK', small.message);
  } finally {
    await t.stop();
  }
});

test('the default budget is derived from the machine memory', async () => {
  const t = await startTestDaemon({}, { models: false });
  try {
    const budget = t.daemon.config.limits.memoryBudgetBytes;
    assert.equal(budget, 0, '0 = automatic');
    const r = await codeAndMessage(t.client.pack({ identities: 2_000_000, dim: 4096, gallery: { none: true } }));
    assert.equal(r.code, 'RESOURCE_EXHAUSTED', r.message);
    assert.match(r.message, /limits\.memoryBudgetBytes = \d+(\.\d)? GiB \(automatic/);
  } finally {
    await t.stop();
  }
});

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

test('a 64-Mpixel image is refused (INVALID_ARGUMENT naming limits.maxImagePixels) before it is decoded: RSS does not jump', async () => {
  const png = await sharp({ create: { width: 8000, height: 8000, channels: 3, background: { r: 120, g: 110, b: 100 } } }).png({ compressionLevel: 9 }).toBuffer();
  const d = await spawnDaemon(['--data-dir', tempDir(), '--log-level', 'warn', '--models-load', 'faceres']);
  try {
    await d.client.waitForReady({ service: 'hyperface.v1.RecognitionService', timeoutMs: 300_000 });
    const tiny = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();
    // Warm the pool's workers with a small image, then measure.
    for await (const _ of d.client.embed([{ image: { encoded: tiny }, aligned: true }])) void _;
    await sleep(300);
    const before = rssMiB(d.child.pid!);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(d.child.pid!))), 20);
    const responses = [];
    for await (const r of d.client.embed([{ image: { encoded: png } }, { image: { raw: { width: 8000, height: 8000, channels: 1, data: Buffer.alloc(8) } } }])) responses.push(r);
    clearInterval(sampler);
    assert.equal(responses[0]!.error?.code, 'INVALID_ARGUMENT', JSON.stringify(responses[0]!.error));
    assert.match(responses[0]!.error.message, /8000x8000.*limits\.maxImagePixels/);
    assert.equal(responses[1]!.error?.code, 'INVALID_ARGUMENT');
    assert.ok(peak - before < 150, `RSS ${before.toFixed(0)} → peak ${peak.toFixed(0)} MiB`);
    assert.equal(await d.client.health(), 'SERVING');
  } finally {
    d.child.kill('SIGTERM');
    await d.exited;
    d.client.close();
  }
});
