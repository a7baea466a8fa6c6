import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelArguments, channelTarget } from './channel.js';
import { checkRequest } from './validate.js';
import { InvalidArgumentError } from './errors.js';

test('the service config declares round_robin and a retryPolicy for UNAVAILABLE and RESOURCE_EXHAUSTED (the latter waits out the server pushback)', () => {
  const args = channelArguments({ retry: { maxAttempts: 3, initialBackoffMs: 50, maxBackoffMs: 800 } });
  const config = JSON.parse(args['grpc.service_config'] as string) as { loadBalancingConfig: unknown[]; methodConfig: { name: unknown[]; retryPolicy: Record<string, unknown> }[] };
  assert.deepEqual(config.loadBalancingConfig, [{ round_robin: {} }]);
  assert.deepEqual(config.methodConfig[0]!.name, [{}]);
  assert.deepEqual(config.methodConfig[0]!.retryPolicy, { maxAttempts: 3, initialBackoff: '0.050s', maxBackoff: '0.800s', backoffMultiplier: 2, retryableStatusCodes: ['UNAVAILABLE', 'RESOURCE_EXHAUSTED'] });
  // One attempt = no retry policy at all (grpc-js rejects maxAttempts < 2).
  const none = JSON.parse(channelArguments({ retry: { maxAttempts: 1 } })['grpc.service_config'] as string) as { methodConfig: unknown[] };
  assert.deepEqual(none.methodConfig, []);
});

test('keepalive and raw channel options reach the channel arguments, raw options last', () => {
  const args = channelArguments({ keepalive: { timeMs: 10_000, timeoutMs: 2000, permitWithoutCalls: true }, maxReceiveMessageBytes: 1024, channelOptions: { 'grpc.keepalive_time_ms': 30_000, 'grpc.primary_user_agent': 'me' } });
  assert.equal(args['grpc.keepalive_time_ms'], 30_000);
  assert.equal(args['grpc.keepalive_timeout_ms'], 2000);
  assert.equal(args['grpc.keepalive_permit_without_calls'], 1);
  assert.equal(args['grpc.max_receive_message_length'], 1024);
  assert.equal(args['grpc.primary_user_agent'], 'me');
});

test('several IP addresses become one ipv4:/ipv6: target; host names must use dns:///', () => {
  assert.equal(channelTarget({ address: 'dns:///svc.local:50051' }), 'dns:///svc.local:50051');
  assert.equal(channelTarget({ addresses: ['127.0.0.1:1', '10.0.0.2:2'] }), 'ipv4:127.0.0.1:1,10.0.0.2:2');
  assert.equal(channelTarget({ addresses: ['[::1]:1', '[::1]:2'] }), 'ipv6:[::1]:1,[::1]:2');
  assert.throws(() => channelTarget({ addresses: ['a.local:1', 'b.local:2'] }), /dns:\/\//);
  assert.throws(() => channelTarget({}), /address/);
});

test('numbers that do not fit their proto field are InvalidArgumentErrors with field paths', () => {
  const bad = (request: object): string[] => {
    try {
      checkRequest('PackRequest', request);
      return [];
    } catch (error) {
      assert.ok(error instanceof InvalidArgumentError);
      return error.fieldViolations.map((v) => v.field);
    }
  };
  assert.deepEqual(bad({ identities: 10, dim: 16, seed: 3 }), []);
  assert.deepEqual(bad({ identities: -1 }), ['identities']);
  assert.deepEqual(bad({ identities: 2 ** 32 }), ['identities']);
  assert.deepEqual(bad({ identities: 1.5, dim: Number.NaN }), ['identities', 'dim']);
  assert.deepEqual(bad({ identities: '7' }), ['identities']);
  assert.deepEqual(bad({ identities: 4, gallery: { builtinSize: -3 } }), ['gallery.builtin_size']);
  assert.deepEqual(bad({ identities: 4, alpha: 1e39 }), ['alpha']);
  // uint64 seed: a safe integer, a decimal string or a bigint within range.
  assert.deepEqual(bad({ identities: 4, seed: '18446744073709551615' }), []);
  assert.deepEqual(bad({ identities: 4, seed: 2n ** 63n }), []);
  assert.deepEqual(bad({ identities: 4, seed: -1 }), ['seed']);
  assert.deepEqual(bad({ identities: 4, seed: 2 ** 60 }), ['seed']);
  assert.deepEqual(bad({ identities: 4, seed: '18446744073709551616' }), ['seed']);
});
