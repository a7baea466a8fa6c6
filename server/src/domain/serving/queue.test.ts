import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdmissionQueue, type QueueTicket } from './queue.js';
import { DeadlineExceededError, ResourceExhaustedError } from '../../shared/errors.js';

test('beyond maxRunning requests wait; only a full queue refuses, with a retry delay', async () => {
  const q = new AdmissionQueue({ maxRunning: 2, maxQueued: 2 });
  const a = await q.acquire('x');
  const b = await q.acquire('x');
  const waiting = [q.acquire('x'), q.acquire('y')];
  assert.equal(q.queued, 2);
  await assert.rejects(q.acquire('z'), (e: unknown) => e instanceof ResourceExhaustedError && e.retryAfterMs > 0 && /limits\.maxQueuedRequests = 2/.test(e.message));
  a.release();
  b.release();
  const [c, d] = (await Promise.all(waiting)) as [QueueTicket, QueueTicket];
  assert.equal(q.running, 2);
  c.release();
  c.release(); // idempotent
  d.release();
  assert.equal(q.running, 0);
});

test('round-robin across callers, FIFO within one: a caller with a backlog does not hold the others back', async () => {
  const q = new AdmissionQueue({ maxRunning: 1, maxQueued: 100 });
  const first = await q.acquire('busy');
  const order: string[] = [];
  // Each request runs (records itself) and finishes as soon as it is admitted.
  const run = (caller: string, name: string): Promise<void> => q.acquire(caller).then((t) => (order.push(name), t.release()));
  const all = [run('busy', 'busy1'), run('busy', 'busy2'), run('busy', 'busy3'), run('busy', 'busy4'), run('a', 'a1'), run('b', 'b1'), run('a', 'a2')];
  first.release();
  await Promise.all(all);
  assert.deepEqual(order, ['busy1', 'a1', 'b1', 'busy2', 'a2', 'busy3', 'busy4']);
});

test('a waiting request leaves the queue when its deadline passes, and its place is free again', async () => {
  const q = new AdmissionQueue({ maxRunning: 1, maxQueued: 1 });
  const held = await q.acquire('x');
  const ac = new AbortController();
  const waiting = q.acquire('y', ac.signal);
  ac.abort(new DeadlineExceededError());
  await assert.rejects(waiting, DeadlineExceededError);
  assert.equal(q.queued, 0);
  const next = q.acquire('z');
  held.release();
  (await next).release();
});

test('wait times are reported on admission', async () => {
  const waits: number[] = [];
  const q = new AdmissionQueue({ maxRunning: 1, maxQueued: 1, onAdmit: (s) => waits.push(s) });
  const a = await q.acquire('x');
  const b = q.acquire('x');
  await new Promise((r) => setTimeout(r, 30));
  a.release();
  (await b).release();
  assert.equal(waits.length, 2);
  assert.equal(waits[0], 0);
  assert.ok(waits[1]! >= 0.02, `${waits[1]}`);
});
