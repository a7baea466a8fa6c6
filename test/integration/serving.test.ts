// On-demand serving (issue 20), through the SDK against a real daemon on port 0: small Generate
// calls are interactive requests (no job), wait in a bounded fair queue instead of being refused,
// are batched across callers without changing a byte, honour their deadline while queued; the SDK
// retries RESOURCE_EXHAUSTED after the daemon's pushback; retention removes old job records but
// never a job a client is watching.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Metadata, Server, ServerCredentials, status, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { HyperfaceClient, toTensor, type HyperfaceError } from '@hyperface/sdk';
import { startTestDaemon } from '../helpers/daemon.js';
import { codeOf, lcgIdentities } from '../helpers/calls.js';

const DIM = 1024;

function request(identitySeed: number, seed: number, k = 4) {
  return { embeddings: toTensor(lcgIdentities(1, DIM, identitySeed), [1, DIM]), imagesPerIdentity: k, seed, format: 'IMAGE_FORMAT_RAW' as const };
}

/** The raw bytes of every face of one interactive call, and its accepted/summary job ids. */
async function faces(client: HyperfaceClient, req: ReturnType<typeof request>, timeoutMs?: number): Promise<{ images: Buffer[]; acceptedId?: string; summaryId?: string }> {
  const images: Buffer[] = [];
  let acceptedId: string | undefined;
  let summaryId: string | undefined;
  for await (const ev of client.generate(req, timeoutMs !== undefined ? { timeoutMs } : {})) {
    if (ev.accepted) acceptedId = ev.accepted.jobId;
    if (ev.sample) images.push(Buffer.from(ev.sample.image!.raw!.data));
    if (ev.summary) summaryId = ev.summary.jobId;
  }
  return { images, acceptedId, summaryId };
}

/** Opens a Generate of `k` raw faces and stops reading after its first face: the request keeps its slot (backpressure). */
async function holdSlot(client: HyperfaceClient, k = 256): Promise<{ release(): Promise<void> }> {
  const it = client.generate(request(99, 1, k))[Symbol.asyncIterator]();
  for (;;) {
    const { value, done } = await it.next();
    if (done) throw new Error('the holding stream ended early');
    if (value.sample) break;
  }
  return { release: async () => void (await it.return?.(undefined)) };
}

test('an interactive Generate is not a job, and its faces are byte-identical alone and batched with 63 other callers; 64 concurrent clients get 0 errors', async () => {
  const t = await startTestDaemon({ 'metrics.listen': '127.0.0.1:0', 'models.load': ['builtin'] });
  try {
    await t.client.waitForReady({ timeoutMs: 120_000 });
    const alone = await faces(t.client, request(1, 7));
    assert.equal(alone.images.length, 4);
    assert.equal(alone.acceptedId, '', 'no job id: not a job');
    assert.equal(alone.summaryId, '');
    // 64 clients, each its own channel, at once; client 0 repeats the request above.
    const clients = Array.from({ length: 64 }, () => new HyperfaceClient({ address: t.address }));
    try {
      const outcomes = await Promise.all(
        clients.map(async (c, i) => {
          try {
            return await faces(c, i === 0 ? request(1, 7) : request(100 + i, i));
          } catch (error) {
            return (error as HyperfaceError).code;
          }
        }),
      );
      const errors = outcomes.filter((o) => typeof o === 'string');
      assert.deepEqual(errors, [], '0 errors');
      const loaded = outcomes[0] as { images: Buffer[] };
      assert.equal(loaded.images.length, 4);
      for (let k = 0; k < 4; k++) assert.ok(loaded.images[k]!.equals(alone.images[k]!), `face ${k}: same bytes alone and batched`);
    } finally {
      for (const c of clients) c.close();
    }
    // The faces of different calls were rendered together (mean generator batch above one call's 4).
    const metrics = await (await fetch(`http://127.0.0.1:${t.daemon.metricsPort}/metrics`)).text();
    const sum = Number(/hyperface_batch_size_sum\{[^}]*model="builtin"[^}]*\} (\S+)/.exec(metrics)?.[1]);
    const count = Number(/hyperface_batch_size_count\{[^}]*model="builtin"[^}]*\} (\S+)/.exec(metrics)?.[1]);
    assert.equal(sum, 65 * 4, 'every face went through the batcher');
    assert.ok(sum / count > 4, `mean generator batch ${sum / count} > 4 faces`);
    assert.match(metrics, /hyperface_request_queue_wait_seconds_count\{[^}]*\} 65\n/);
    assert.match(metrics, /hyperface_request_queue_depth\{[^}]*\} 0\n/);
    // Nothing persisted: no job record, no job folder.
    assert.equal((await t.client.listJobs()).jobs.length, 0);
    assert.deepEqual(readdirSync(join(t.dataDir, 'jobs')), []);
  } finally {
    await t.stop();
  }
});

test('queue full → RESOURCE_EXHAUSTED with a retry delay; a deadline that expires while queued → DEADLINE_EXCEEDED; the SDK retries after the pushback', async () => {
  const t = await startTestDaemon({ 'models.load': ['builtin'], 'limits.maxConcurrentRequests': 1, 'limits.maxQueuedRequests': 1 });
  const noRetry = new HyperfaceClient({ address: t.address, retry: { maxAttempts: 1 } });
  try {
    await t.client.waitForReady({ timeoutMs: 120_000 });
    const holder = await holdSlot(t.client);
    // Waits in the queue (the one place) until its deadline passes.
    const started = Date.now();
    assert.equal(await codeOf(noRetry.generate(request(2, 2), { timeoutMs: 600 })), 'DEADLINE_EXCEEDED');
    assert.ok(Date.now() - started >= 550, 'it waited, it was not refused');
    // The place it left is free again: one request waits, the next is refused at once.
    const queued = faces(t.client, request(3, 3));
    await sleep(100);
    let refused: HyperfaceError | undefined;
    const t0 = Date.now();
    try {
      await faces(noRetry, request(4, 4));
    } catch (error) {
      refused = error as HyperfaceError;
    }
    assert.equal(refused?.code, 'RESOURCE_EXHAUSTED');
    assert.ok(Date.now() - t0 < 1500, 'refused at once, not after a wait');
    assert.match(refused.message, /limits\.maxQueuedRequests = 1/);
    assert.ok((refused.retryDelayMs ?? 0) > 0, 'carries a retry delay');
    // The retrying client is refused too, waits the pushback, and gets in once the slot frees.
    const retried = faces(t.client, request(5, 5));
    await sleep(30);
    await holder.release();
    assert.equal((await queued).images.length, 4);
    assert.equal((await retried).images.length, 4, 'retried after the pushback and served');
  } finally {
    noRetry.close();
    await t.stop();
  }
});

test('retention removes old finished job records (count policy) but not a job a client is watching, until it stops watching', async () => {
  const t = await startTestDaemon({ 'jobs.retention.maxCount': 2, 'jobs.retention.intervalMs': 100 }, { models: false });
  const pack = async (seed: number): Promise<string> => {
    let id = '';
    for await (const ev of t.client.pack({ identities: 4, dim: 3, gallery: { none: true }, iterations: 20, seed })) if (ev.accepted) id = ev.accepted.jobId;
    return id;
  };
  try {
    const watched = await pack(1);
    // A long history (3000 state events before the terminal one) so that a watcher that stops
    // reading leaves its WatchJob stream open on the daemon.
    const log = join(t.dataDir, 'jobs', watched, 'events.jsonl');
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]!) as { payload: Record<string, unknown> };
    const filler = Array.from({ length: 3000 }, (_, seq) => JSON.stringify({ seq, channel: 'job', payload: { ...last.payload, state: 'running', error: 'x'.repeat(200) } }));
    writeFileSync(log, [...filler, JSON.stringify({ ...last, seq: 3000 })].join('\n') + '\n');
    const watch = t.client.watchJob(watched)[Symbol.asyncIterator]();
    assert.equal((await watch.next()).done, false);
    const others: string[] = [];
    for (let i = 2; i <= 5; i++) others.push(await pack(i));
    await sleep(500);
    const ids = new Set((await t.client.listJobs()).jobs.map((j) => j.id));
    assert.ok(ids.has(watched), 'the watched job is kept');
    assert.ok(existsSync(join(t.dataDir, 'jobs', watched)), 'with its folder');
    assert.deepEqual(others.filter((id) => ids.has(id)), others.slice(-2), 'the newest two are kept, the older removed');
    for (const id of others.slice(0, 2)) assert.equal(existsSync(join(t.dataDir, 'jobs', id)), false, `${id}: folder removed`);
    assert.equal(await codeOf(t.client.getJob(others[0]!)), 'NOT_FOUND');
    // No half-removed folder is left behind.
    assert.deepEqual(readdirSync(join(t.dataDir, 'jobs')).filter((n) => n.startsWith('.')), []);
    await watch.return?.(undefined);
    await sleep(500);
    assert.equal(await codeOf(t.client.getJob(watched)), 'NOT_FOUND', 'removed once nobody watches it');
    // ListJobs pages with a cursor.
    const first = await t.client.listJobs({ pageSize: 1 });
    assert.equal(first.jobs.length, 1);
    const second = await t.client.listJobs({ pageSize: 1, pageToken: first.nextPageToken });
    assert.equal(second.jobs.length, 1);
    assert.notEqual(second.jobs[0]!.id, first.jobs[0]!.id);
    assert.equal(second.nextPageToken, '');
  } finally {
    await t.stop();
  }
});

test('the SDK retries RESOURCE_EXHAUSTED after exactly the delay the server sends (grpc-retry-pushback-ms), not when told -1, and not past the deadline', async () => {
  // A plain grpc-js server that refuses with a given pushback, so the attempts can be timed.
  const attempts: number[] = [];
  let pushback = '400';
  const refusals = 1;
  const server = new Server();
  server.addService(healthService, {
    check(_call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<{ status: string }>) {
      attempts.push(Date.now());
      if (attempts.length > refusals) return cb(null, { status: 'SERVING' });
      const metadata = new Metadata();
      metadata.set('grpc-retry-pushback-ms', pushback);
      cb({ code: status.RESOURCE_EXHAUSTED, details: 'busy', metadata });
    },
    watch() {},
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const client = new HyperfaceClient({ address: `127.0.0.1:${port}` });
  try {
    assert.equal(await client.health(), 'SERVING');
    assert.equal(attempts.length, 2);
    assert.ok(attempts[1]! - attempts[0]! >= 380, `retried after ${attempts[1]! - attempts[0]!} ms (pushback 400)`);
    // -1: the server says waiting will not help.
    attempts.length = 0;
    pushback = '-1';
    assert.equal(await codeOf(client.health()), 'RESOURCE_EXHAUSTED');
    assert.equal(attempts.length, 1, 'not retried');
    // A delay longer than what is left of the deadline: the call ends at its deadline.
    attempts.length = 0;
    pushback = '5000';
    const t0 = Date.now();
    assert.equal(await codeOf(client.health('', { timeoutMs: 500 })), 'DEADLINE_EXCEEDED');
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(attempts.length, 1);
  } finally {
    client.close();
    server.forceShutdown();
  }
});

test('callers are served round-robin: a token with a backlog of queued calls does not hold back another token\'s call', async () => {
  const t = await startTestDaemon({ 'models.load': ['builtin'], 'auth.tokens': ['token-a', 'token-b'], 'limits.maxConcurrentRequests': 1 });
  const a = new HyperfaceClient({ address: t.address, token: 'token-a' });
  const b = new HyperfaceClient({ address: t.address, token: 'token-b' });
  try {
    await a.waitForReady({ timeoutMs: 120_000 });
    const holder = await holdSlot(a);
    const done: string[] = [];
    const calls = [1, 2, 3, 4].map((i) => faces(a, request(10 + i, i)).then(() => done.push(`a${i}`)));
    await sleep(300);
    calls.push(faces(b, request(20, 1)).then(() => done.push('b1')));
    await sleep(200);
    await holder.release();
    await Promise.all(calls);
    assert.deepEqual(done, ['a1', 'b1', 'a2', 'a3', 'a4']);
  } finally {
    a.close();
    b.close();
    await t.stop();
  }
});
