// One writer per folder (lease.ts) and the manifest reconciled with the disk at reopen (reconcile.ts).
import { ownPath } from '../files/safe-files.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, appendFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { openDatasetWriter, type DatasetSample } from './writer.js';
import { readManifest } from './manifest.js';
import { LEASE_FILE, readLease } from './lease.js';
import { FailedPreconditionError } from '../../shared/errors.js';

const base = mkdtempSync(join(tmpdir(), 'hf-lease-'));
test.after(() => rmSync(base, { recursive: true, force: true }));

/** A small but whole PNG-shaped payload (signature ... IEND chunk). */
function png(identity: number, sample: number): Uint8Array {
  const body = Uint8Array.from({ length: 40 + identity + sample }, (_, j) => (identity * 7 + sample + j) & 0xff);
  const iend = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
  return Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...body, ...iend]);
}
const sample = (identity: number, k: number): DatasetSample => ({ identity, sample: k, seed: identity * 10 + k, encoded: png(identity, k), ext: 'png' });

void test('a second writer on a folder with a live writer fails with FAILED_PRECONDITION naming the holder; after close it may write', async () => {
  const root = join(base, 'busy');
  const w = await openDatasetWriter(ownPath(root), 'imagefolder', { holder: 'job-a' });
  assert.equal((await readLease(root))?.holder, 'job-a');
  await assert.rejects(openDatasetWriter(ownPath(root), 'imagefolder', { holder: 'job-b' }), (e: Error) => e instanceof FailedPreconditionError && e.message.includes('job-a'));
  await w.close();
  assert.ok(!existsSync(join(root, LEASE_FILE)), 'released on close');
  const w2 = await openDatasetWriter(ownPath(root), 'imagefolder', { holder: 'job-b' });
  await w2.close();
});

void test('a lease left by a dead process (kill -9) is taken over; one with a live pid and a fresh heartbeat is not', async () => {
  const root = join(base, 'dead');
  const w = await openDatasetWriter(ownPath(root), 'imagefolder');
  await w.close();
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  const lease = (pid: number, heartbeatMs: number): string =>
    JSON.stringify({ holder: 'job-old', fingerprint: '', pid, host: hostname(), instance: 'another-daemon', heartbeatMs, ttlMs: 30_000 });
  writeFileSync(join(root, LEASE_FILE), lease(Number(dead), Date.now()));
  const w2 = await openDatasetWriter(ownPath(root), 'imagefolder', { holder: 'job-new' });
  assert.equal((await readLease(root))?.holder, 'job-new');
  await w2.close();
  // pid 1 is alive (and not us): a fresh heartbeat means a live writer, an expired one a dead writer.
  writeFileSync(join(root, LEASE_FILE), lease(1, Date.now()));
  await assert.rejects(openDatasetWriter(ownPath(root), 'imagefolder', { holder: 'job-new' }), /job-old/);
  writeFileSync(join(root, LEASE_FILE), lease(1, Date.now() - 60_000));
  await (await openDatasetWriter(ownPath(root), 'imagefolder', { holder: 'job-new' })).close();
});

void test('reopen reconciles the manifest with the disk: duplicate rows, missing and partial files are dropped and re-rendered', async () => {
  const root = join(base, 'reconcile');
  const w = await openDatasetWriter(ownPath(root), 'imagefolder');
  for (let k = 0; k < 5; k++) await w.write(sample(0, k));
  await w.close();
  const lines = readFileSync(join(root, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean);
  appendFileSync(join(root, 'manifest.jsonl'), `${lines[1]}\n${lines[2]}\n`); // doubled rows
  rmSync(join(root, '000000', '0003.png')); // missing file
  const partial = join(root, '000000', '0004.png');
  truncateSync(partial, statSync(partial).size - 5); // no IEND: a torn write
  writeFileSync(join(root, '000000', '.0009.png.tmp-1-ab'), 'junk');

  const w2 = await openDatasetWriter(ownPath(root), 'imagefolder');
  assert.equal(w2.count, 3);
  assert.ok(w2.has(0, 2) && !w2.has(0, 3) && !w2.has(0, 4));
  for (let k = 0; k < 5; k++) await w2.write(sample(0, k));
  await w2.close();
  const rows = (await readManifest(root)).rows;
  assert.deepEqual(rows.map((r) => r.sample).sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(new Uint8Array(readFileSync(partial)), png(0, 4));
  assert.ok(!existsSync(join(root, '000000', '.0009.png.tmp-1-ab')));
  // No recognizer scored these: the rows carry no cosine.
  assert.ok(rows.every((r) => !('cosine' in r)));
});

void test('two daemons taking over one dead lease at the same instant: exactly one wins', async () => {
  const { spawn } = await import('node:child_process');
  const leaseJs = new URL('./lease.js', import.meta.url).href;
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
  for (let round = 0; round < 4; round++) {
    const root = join(base, `race-${round}`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, LEASE_FILE), JSON.stringify({ holder: 'job-old', fingerprint: '', pid: dead, host: hostname(), instance: 'gone', heartbeatMs: Date.now(), ttlMs: 30_000 }));
    const startAt = Date.now() + 400;
    // Each child waits for the same instant, then takes the lease and holds it for a while.
    const script = (holder: string): string =>
      `const m = await import(${JSON.stringify(leaseJs)}); while (Date.now() < ${startAt}); ` +
      `try { const l = await m.acquireLease(${JSON.stringify(root)}, '${holder}', ''); process.stdout.write('won'); await new Promise((r) => setTimeout(r, 600)); await l.release(); } catch (e) { process.stdout.write('lost: ' + e.message); }`;
    const run = (holder: string): Promise<string> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script(holder)], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString()));
        child.on('exit', () => resolve(out));
      });
    const results = await Promise.all([run('job-a'), run('job-b')]);
    assert.equal(results.filter((r) => r === 'won').length, 1, `round ${round}: ${results.join(' | ')}`);
    assert.ok(results.some((r) => r.startsWith('lost: ') && /being written by job job-[ab]/.test(r)), results.join(' | '));
  }
});
