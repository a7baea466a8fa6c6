import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtomicFileWriter, isTempName, writeFileAtomic } from './fs-atomic.js';

const base = mkdtempSync(join(tmpdir(), 'hf-atomic-'));
test.after(() => rmSync(base, { recursive: true, force: true }));

void test('writeFileAtomic replaces a symlink at the target instead of writing through it, and leaves no temporary file', async () => {
  const victim = join(base, 'victim');
  writeFileSync(victim, 'keep');
  const target = join(base, 'out.txt');
  symlinkSync(victim, target);
  await writeFileAtomic(target, 'new');
  assert.equal(readFileSync(victim, 'utf8'), 'keep');
  assert.ok(lstatSync(target).isFile());
  assert.equal(readFileSync(target, 'utf8'), 'new');
  assert.deepEqual(readdirSync(base).filter(isTempName), []);
});

void test('AtomicFileWriter: nothing at the target until commit; abort leaves nothing', async () => {
  const path = join(base, 'streamed.bin');
  const w = await AtomicFileWriter.open(path);
  await w.write(new Uint8Array([1, 2, 3]));
  assert.deepEqual(readdirSync(base).filter((f) => f === 'streamed.bin'), []);
  await w.commit();
  assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
  const a = await AtomicFileWriter.open(join(base, 'aborted.bin'));
  await a.write(new Uint8Array([4]));
  await a.abort();
  assert.deepEqual(readdirSync(base).filter((f) => f.includes('aborted')), []);
});
