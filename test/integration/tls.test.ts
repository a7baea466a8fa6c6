// TLS and mTLS from config: certificates made with openssl in the test; a TLS client with the
// CA works, a plaintext client does not, and with tls.clientCa a client without a certificate is
// refused while one with a CA-signed certificate is served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HyperfaceClient } from '@hyperface/sdk';
import { startTestDaemon, tempDir } from '../helpers/daemon.js';

function makePki(dir: string): void {
  const ossl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=hyperface-test-ca');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  for (const name of ['server', 'client']) {
    ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name === 'server' ? 'localhost' : 'client'}`);
    ossl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', 'san.ext');
  }
}

async function health(client: HyperfaceClient): Promise<string> {
  try {
    return await client.health('', { timeoutMs: 3000 });
  } catch (error) {
    return (error as { code: string }).code;
  } finally {
    client.close();
  }
}

test('TLS: a client trusting the CA is served; plaintext is not', async () => {
  const dir = tempDir();
  makePki(dir);
  const d = await startTestDaemon({ 'tls.cert': join(dir, 'server.pem'), 'tls.key': join(dir, 'server.key') }, { models: false });
  try {
    const address = `localhost:${d.daemon.port}`;
    assert.equal(await health(new HyperfaceClient({ address, tls: { ca: join(dir, 'ca.pem') }, retry: { maxAttempts: 1 } })), 'SERVING');
    assert.equal(await health(new HyperfaceClient({ address, retry: { maxAttempts: 1 } })), 'UNAVAILABLE');
  } finally {
    d.client.close();
    await d.daemon.shutdown();
  }
});

test('mTLS: with tls.clientCa a client needs a certificate signed by that CA', async () => {
  const dir = tempDir();
  makePki(dir);
  const d = await startTestDaemon({ 'tls.cert': join(dir, 'server.pem'), 'tls.key': join(dir, 'server.key'), 'tls.clientCa': join(dir, 'ca.pem') }, { models: false });
  try {
    const address = `localhost:${d.daemon.port}`;
    assert.equal(await health(new HyperfaceClient({ address, tls: { ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client.key') }, retry: { maxAttempts: 1 } })), 'SERVING');
    assert.equal(await health(new HyperfaceClient({ address, tls: { ca: join(dir, 'ca.pem') }, retry: { maxAttempts: 1 } })), 'UNAVAILABLE');
  } finally {
    d.client.close();
    await d.daemon.shutdown();
  }
});
