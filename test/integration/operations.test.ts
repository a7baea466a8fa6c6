// Operations: bearer-token auth with open health probes, per-client call limits, Prometheus
// metrics, data-root confinement of request paths, strict config errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HyperfaceClient, type HyperfaceError, encodeNpyFloat32 } from '@hyperface/sdk';
import { loadConfig } from '@hyperface/server/config/load';
import { startTestDaemon, tempDir } from '../helpers/daemon.js';

async function codeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'OK';
  } catch (error) {
    return (error as HyperfaceError).code;
  }
}
async function drain(it: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of it) void _;
}

test('bearer tokens: UNAUTHENTICATED without a valid token, health stays open, metrics are served', async () => {
  const dir = tempDir();
  const tokenFile = join(dir, 'tokens');
  writeFileSync(tokenFile, '# one token per line\ns3cret-token\n');
  const d = await startTestDaemon({ 'auth.tokenFile': tokenFile, 'metrics.listen': '127.0.0.1:0' }, { models: false });
  try {
    assert.equal(await d.client.health(), 'SERVING', 'health is open without a token');
    assert.equal(await codeOf(() => d.client.listJobs()), 'UNAUTHENTICATED');
    const wrong = new HyperfaceClient({ address: d.address, token: 'nope' });
    assert.equal(await codeOf(() => wrong.listJobs()), 'UNAUTHENTICATED');
    wrong.close();
    const right = new HyperfaceClient({ address: d.address, token: 's3cret-token' });
    await d.client.waitForReady({ service: 'hyperface.v1.PackingService', timeoutMs: 30_000 });
    await drain(right.pack({ identities: 6, dim: 3, gallery: { none: true }, iterations: 50 }));
    assert.ok(Array.isArray((await right.listJobs()).jobs));
    right.close();
    const text = await (await fetch(`http://127.0.0.1:${d.daemon.metricsPort}/metrics`)).text();
    assert.match(text, /rpc_server_call_duration(_seconds)?_bucket\{[^}]*rpc_method="Pack"/);
    assert.match(text, /rpc_grpc_status_code="16"/, 'UNAUTHENTICATED calls are counted');
    assert.match(text, /hyperface_jobs\{[^}]*state="succeeded"[^}]*\} 1/);
  } finally {
    await d.stop();
  }
});

test('request paths are confined to the data root (no .., no symlink escape)', async () => {
  const root = tempDir();
  const outside = tempDir();
  writeFileSync(join(outside, 'g.npy'), encodeNpyFloat32(new Float32Array(6).fill(1), 2, 3));
  mkdirSync(join(root, 'sub'));
  symlinkSync(outside, join(root, 'sub', 'link'));
  writeFileSync(join(root, 'ok.npy'), encodeNpyFloat32(Float32Array.of(1, 0, 0, 0, 1, 0), 2, 3));
  const d = await startTestDaemon({ dataRoot: root }, { models: false });
  try {
    await d.client.waitForReady({ service: 'hyperface.v1.PackingService', timeoutMs: 30_000 });
    assert.equal(await codeOf(() => drain(d.client.pack({ identities: 4, dim: 3, gallery: { npyPath: '../' + outside.split('/').pop() + '/g.npy' } }))), 'PERMISSION_DENIED');
    assert.equal(await codeOf(() => drain(d.client.pack({ identities: 4, dim: 3, gallery: { npyPath: join(outside, 'g.npy') } }))), 'PERMISSION_DENIED');
    assert.equal(await codeOf(() => drain(d.client.pack({ identities: 4, dim: 3, gallery: { npyPath: 'sub/link/g.npy' } }))), 'PERMISSION_DENIED');
    assert.equal(await codeOf(() => drain(d.client.pack({ identities: 4, dim: 3, iterations: 20, gallery: { npyPath: 'ok.npy' } }))), 'OK');
  } finally {
    await d.stop();
  }
});

test('config is strict: unknown keys and environment variables are errors that name them', async () => {
  const dir = tempDir();
  const file = join(dir, 'c.yaml');
  writeFileSync(file, 'listen: 127.0.0.1:0\nlimits:\n  maxIdentitiez: 5\n');
  await assert.rejects(loadConfig({ file }), /limits\.maxIdentitiez: unknown setting/);
  await assert.rejects(loadConfig({ env: { HYPERFACE_LISTN: 'x' } }), /HYPERFACE_LISTN: unknown/);
  await assert.rejects(loadConfig({ env: { HYPERFACE_LIMITS_MAX_IDENTITIES: 'many' } }), /expected a number/);
  const ok = await loadConfig({ env: { HYPERFACE_LIMITS_MAX_IDENTITIES: '1000' }, overrides: { 'compute.device': 'gpu' } });
  assert.equal(ok.limits.maxIdentities, 1000);
  assert.equal(ok.compute.device, 'gpu');
});

test('traces: a span per RPC and per job are exported over OTLP/HTTP', async () => {
  const { createServer } = await import('node:http');
  const bodies: string[] = [];
  const collector = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('latin1')));
    req.on('end', () => {
      bodies.push(`${req.url} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const port = (collector.address() as { port: number }).port;
  const d = await startTestDaemon({ 'telemetry.otlpEndpoint': `http://127.0.0.1:${port}/v1/traces` }, { models: false });
  try {
    await d.client.waitForReady({ service: 'hyperface.v1.PackingService', timeoutMs: 30_000 });
    await drain(d.client.pack({ identities: 6, dim: 3, gallery: { none: true }, iterations: 20 }));
  } finally {
    await d.stop(); // flushes the batch span processor
    collector.close();
  }
  const all = bodies.join('\n');
  assert.match(all, /\/v1\/traces/);
  assert.match(all, /\/hyperface\.v1\.PackingService\/Pack/);
  assert.match(all, /job pack/);
});
