// One error map, one error tree: the statuses the interceptors send (UNAUTHENTICATED,
// RESOURCE_EXHAUSTED with its retry delay) go through transport/errors.ts like every handler's, and
// a client receives the same class the daemon threw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HyperfaceClient, InvalidArgumentError, ResourceExhaustedError, UnauthenticatedError, HyperfaceError } from '@hyperface/sdk';
import * as server from '@hyperface/server/shared/errors';
import { startTestDaemon, tempDir } from '../helpers/daemon.js';

test('the daemon and the SDK share one error tree: a daemon error is an instance of the class its client receives', () => {
  const e = new server.InvalidArgumentError({ field: 'identities', description: 'must be >= 2' });
  assert.ok(e instanceof InvalidArgumentError && e instanceof HyperfaceError);
  assert.equal(e.code, 'INVALID_ARGUMENT');
  assert.equal(e.grpcCode, 3);
  assert.deepEqual(e.fieldViolations, [{ field: 'identities', description: 'must be >= 2' }]);
  const r = new server.ResourceExhaustedError('busy', 250);
  assert.ok(r instanceof ResourceExhaustedError);
  assert.equal(r.retryDelayMs, 250);
  assert.ok(new server.UnauthenticatedError() instanceof UnauthenticatedError);
});

test('interceptor statuses come out of the one error map: UNAUTHENTICATED and RESOURCE_EXHAUSTED with its retry delay', async () => {
  const dir = tempDir();
  const tokenFile = join(dir, 'tokens');
  writeFileSync(tokenFile, 'tok\n');
  const d = await startTestDaemon({ 'auth.tokenFile': tokenFile, 'limits.maxCallsPerClient': 1 }, { models: false });
  const anon = new HyperfaceClient({ address: d.address });
  const client = new HyperfaceClient({ address: d.address, token: 'tok' });
  try {
    const unauth = await anon.listJobs().then(() => assert.fail('served without a token'), (e: unknown) => e);
    assert.ok(unauth instanceof UnauthenticatedError, String(unauth));
    assert.match(unauth.message, /missing bearer token/);

    await client.waitForReady({ service: 'hyperface.v1.PackingService', timeoutMs: 30_000 });
    // One call held open (a long Pack), so the next one is over limits.maxCallsPerClient = 1.
    const stream = client.pack({ identities: 64, dim: 8, gallery: { none: true }, iterations: 1_000_000, progressEvery: 1 })[Symbol.asyncIterator]();
    await stream.next();
    const busy = await client.listJobs().then(() => assert.fail('a second concurrent call was served'), (e: unknown) => e);
    assert.ok(busy instanceof ResourceExhaustedError, String(busy));
    assert.equal(busy.retryDelayMs, 1000, 'the retry delay travels in the google.rpc details');
    assert.match(busy.message, /limits\.maxCallsPerClient = 1/);
    await stream.return?.();
  } finally {
    anon.close();
    client.close();
    await d.stop();
  }
});
