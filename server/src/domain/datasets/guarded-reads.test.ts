// Dataset and benchmark reads on behalf of a job stop when the job's signal aborts (between chunks
// and between files), and only regular files inside the guard's root are opened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, PermissionDeniedError } from '../../shared/errors.js';
import { FileGuard, ownPath } from '../files/safe-files.js';
import { openBin, writeBin } from './insightface-bin.js';
import { openDatasetReader } from './reader.js';
import { openDatasetWriter } from './writer.js';

const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);

void test('an aborted job signal stops dataset reads and .bin image reads', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hf-guarded-'));
  const w = await openDatasetWriter(ownPath(join(root, 'ds')), 'imagefolder');
  for (let k = 0; k < 3; k++) await w.write({ identity: 0, sample: k, seed: k, encoded: png, ext: 'png', cosine: 0 });
  await w.close();
  const ctl = new AbortController();
  const files = new FileGuard(root);
  const reader = await openDatasetReader(ownPath(join(root, 'ds')), { files, signal: ctl.signal });
  assert.deepEqual(Array.from(await reader.read(reader.entries[0]!)), Array.from(png));
  ctl.abort();
  await assert.rejects(reader.read(reader.entries[1]!), CancelledError);
  await reader.close();

  const bin = join(root, 'b.bin');
  await writeBin(bin, [new Uint8Array(300).fill(1), new Uint8Array(300).fill(2)], [true]);
  const binCtl = new AbortController();
  const bench = await openBin(ownPath(bin), { files, signal: binCtl.signal });
  assert.equal((await bench.image(0)).length, 300);
  binCtl.abort();
  await assert.rejects(bench.image(1), CancelledError);
  await bench.close();
});

void test('a dataset folder whose images link out of the guard root is refused when read', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'hf-outside-'));
  writeFileSync(join(outside, 'x.png'), png);
  const root = mkdtempSync(join(tmpdir(), 'hf-guarded-'));
  const w = await openDatasetWriter(ownPath(join(root, 'ds')), 'imagefolder');
  await w.write({ identity: 0, sample: 0, seed: 0, encoded: png, ext: 'png', cosine: 0 });
  await w.close();
  symlinkSync(join(outside, 'x.png'), join(root, 'ds', '000000', '0001.png'));
  const reader = await openDatasetReader(ownPath(join(root, 'ds')), { files: new FileGuard(root) });
  const linked = reader.entries.find((e) => e.sample === 0 && e.file.endsWith('0000.png'));
  assert.ok(linked);
  await reader.read(linked);
  // Without a manifest the folder scan lists both; with the manifest only the written one.
  const unlisted = { ...linked, file: '000000/0001.png' };
  await assert.rejects(reader.read(unlisted), PermissionDeniedError);
  await reader.close();
});
