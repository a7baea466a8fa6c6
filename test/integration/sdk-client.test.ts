// The SDK's channel behaviour through real calls: grpc-js retries (UNAVAILABLE only), round-robin
// over several daemons, metadata on every call and per call, health through grpc.health.v1's own
// proto, DEADLINE_EXCEEDED for timeouts and CANCELLED for aborts, and requests whose numbers do not
// fit their fields refused before anything is sent. Plain grpc-js health servers stand in where a
// test must count or fail calls; a daemon where a test needs a real long-running stream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, ServerCredentials, status, type Metadata, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { CancelledError, DeadlineExceededError, HyperfaceClient, InvalidArgumentError, UnavailableError, type HyperfaceError } from '@hyperface/sdk';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

interface FakeHealth {
  address: string;
  calls: number;
  metadata: Metadata[];
  /** Answers the n-th call (1-based): a status name, an error code to fail with, or 'hang'. */
  answer: (n: number) => string | number;
  server: Server;
}

async function fakeHealth(answer: FakeHealth['answer']): Promise<FakeHealth> {
  const server = new Server();
  const fake = { calls: 0, metadata: [], answer, server } as unknown as FakeHealth;
  server.addService(healthService, {
    check(call: ServerUnaryCall<{ service: string }, unknown>, cb: sendUnaryData<{ status: string }>) {
      fake.calls++;
      fake.metadata.push(call.metadata);
      const a = fake.answer(fake.calls);
      if (a === 'hang') return;
      if (typeof a === 'number') cb({ code: a, details: `failing call ${fake.calls}` });
      else cb(null, { status: a });
    },
    watch() {},
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  fake.address = `127.0.0.1:${port}`;
  return fake;
}

const fakes: FakeHealth[] = [];
let d: TestDaemon;

before(async () => {
  d = await startTestDaemon({}, { models: false });
});

after(async () => {
  for (const f of fakes) f.server.forceShutdown();
  await d.stop();
});

async function fake(answer: FakeHealth['answer']): Promise<FakeHealth> {
  const f = await fakeHealth(answer);
  fakes.push(f);
  return f;
}

async function failure(p: Promise<unknown> | (() => Promise<unknown>)): Promise<HyperfaceError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (error) {
    return error as HyperfaceError;
  }
  assert.fail('expected the call to fail');
}

test('UNAVAILABLE is retried by grpc-js with backoff; other codes and maxAttempts 1 are not', async () => {
  const f = await fake((n) => (n <= 2 ? status.UNAVAILABLE : 'SERVING'));
  const c = new HyperfaceClient({ address: f.address, retry: { maxAttempts: 4, initialBackoffMs: 10, maxBackoffMs: 50 } });
  assert.equal(await c.health(), 'SERVING');
  assert.equal(f.calls, 3, 'two failed attempts, then the answer');
  f.answer = () => status.INTERNAL;
  f.calls = 0;
  assert.equal((await failure(c.health())).code, 'INTERNAL');
  assert.equal(f.calls, 1, 'INTERNAL is not retried');
  c.close();
  f.answer = () => status.UNAVAILABLE;
  f.calls = 0;
  const once = new HyperfaceClient({ address: f.address, retry: { maxAttempts: 1 } });
  assert.ok((await failure(once.health())) instanceof UnavailableError);
  assert.equal(f.calls, 1);
  once.close();
});

test('several addresses are balanced round-robin by grpc-js', async () => {
  const a = await fake(() => 'SERVING');
  const b = await fake(() => 'SERVING');
  const c = new HyperfaceClient({ addresses: [a.address, b.address] });
  // Until both subchannels are connected, round_robin uses the ready one: wait for both.
  const until = Date.now() + 10_000;
  while ((a.calls === 0 || b.calls === 0) && Date.now() < until) await c.health();
  a.calls = b.calls = 0;
  for (let i = 0; i < 20; i++) await c.health();
  c.close();
  assert.equal(a.calls, 10, `calls ${a.calls} / ${b.calls}`);
  assert.equal(b.calls, 10);
});

test('client headers, per-call headers and the bearer token are sent as metadata', async () => {
  const f = await fake(() => 'SERVING');
  const c = new HyperfaceClient({ address: f.address, token: 't0k', headers: { 'x-tenant': 'lab', 'x-trace': 'client' } });
  await c.health('', { headers: { 'x-trace': 'call', 'x-request-id': '42' } });
  c.close();
  const md = f.metadata[0]!;
  assert.deepEqual(md.get('x-tenant'), ['lab']);
  assert.deepEqual(md.get('x-trace'), ['call']);
  assert.deepEqual(md.get('x-request-id'), ['42']);
  assert.deepEqual(md.get('authorization'), ['Bearer t0k']);
});

test('health speaks grpc.health.v1 as published: SERVING, NOT_SERVING, SERVICE_UNKNOWN, and NOT_FOUND for an unknown service', async () => {
  assert.equal(await d.client.health(), 'SERVING');
  const f = await fake((n) => (n === 1 ? 'NOT_SERVING' : 'SERVICE_UNKNOWN'));
  const c = new HyperfaceClient({ address: f.address });
  assert.equal(await c.health('x'), 'NOT_SERVING');
  assert.equal(await c.health('x'), 'SERVICE_UNKNOWN');
  c.close();
  assert.equal((await failure(d.client.health('no.such.Service'))).code, 'NOT_FOUND');
});

test('a timeout is DEADLINE_EXCEEDED (timeoutMs or AbortSignal.timeout), an abort is CANCELLED', async () => {
  const f = await fake(() => 'hang');
  const c = new HyperfaceClient({ address: f.address });
  assert.ok((await failure(c.health('', { timeoutMs: 100 }))) instanceof DeadlineExceededError);
  assert.ok((await failure(c.health('', { signal: AbortSignal.timeout(100) }))) instanceof DeadlineExceededError);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  assert.ok((await failure(c.health('', { signal: ac.signal }))) instanceof CancelledError);
  assert.ok((await failure(c.waitForReady({ signal: AbortSignal.timeout(50) }))) instanceof DeadlineExceededError);
  c.close();

  // A long Pack stream on the daemon: AbortSignal.timeout → DEADLINE_EXCEEDED, abort() → CANCELLED.
  const request = { identities: 500, dim: 64, gallery: { none: true }, iterations: 1_000_000, seed: 1 };
  const drain = async (signal: AbortSignal): Promise<void> => {
    for await (const _ of d.client.pack(request, { signal })) void _;
  };
  const timedOut = await failure(() => drain(AbortSignal.timeout(300)));
  assert.ok(timedOut instanceof DeadlineExceededError, `${timedOut.name}: ${timedOut.message}`);
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 300);
  const aborted = await failure(() => drain(stop.signal));
  assert.ok(aborted instanceof CancelledError, `${aborted.name}: ${aborted.message}`);
  const deadline = await failure(() => (async () => {
    for await (const _ of d.client.pack(request, { timeoutMs: 300 })) void _;
  })());
  assert.ok(deadline instanceof DeadlineExceededError, `${deadline.name}: ${deadline.message}`);
});

test('numbers that do not fit their fields are refused with INVALID_ARGUMENT before anything is sent', async () => {
  const f = await fake(() => 'SERVING');
  // Nothing listens here: a request that were sent would fail UNAVAILABLE, not INVALID_ARGUMENT.
  const nowhere = new HyperfaceClient({ address: '127.0.0.1:9', retry: { maxAttempts: 1 } });
  const consume = async (it: AsyncIterable<unknown>): Promise<void> => {
    for await (const _ of it) void _;
  };
  const pack = await failure(() => consume(nowhere.pack({ identities: -1, dim: 16 })));
  assert.ok(pack instanceof InvalidArgumentError, `${pack.name}: ${pack.message}`);
  assert.deepEqual(pack.fieldViolations.map((v) => v.field), ['identities']);
  const gen = await failure(() => consume(nowhere.generate({ embeddingsPath: 'x.npy', imagesPerIdentity: 2 ** 32 })));
  assert.ok(gen instanceof InvalidArgumentError, `${gen.name}: ${gen.message}`);
  const list = await failure(nowhere.listJobs({ pageSize: 1.5 }));
  assert.ok(list instanceof InvalidArgumentError, `${list.name}: ${list.message}`);
  const watch = await failure(() => consume(nowhere.watchJob('j', -3)));
  assert.deepEqual(watch.fieldViolations.map((v) => v.field), ['from_seq']);
  nowhere.close();
  // Embed: the bad request is refused and the stream ends with that error.
  const embed = await failure(() => consume(d.client.embed([{ recognizer: 'x', image: { raw: { height: -4, width: 2, channels: 3, data: Buffer.alloc(0) } } }])));
  assert.ok(embed instanceof InvalidArgumentError, `${embed.name}: ${embed.message}`);
  assert.equal(f.calls, 0);
  // A daemon-side check is still there for what fits the field: identities = 1 is the daemon's to refuse.
  const daemonSide = await failure(() => consume(d.client.pack({ identities: 1, dim: 16 })));
  assert.ok(daemonSide instanceof InvalidArgumentError);
});
