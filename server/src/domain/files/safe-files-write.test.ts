// FileGuard, write side: writable / writableTarget / openWrite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileGuard } from './safe-files.js';
import { InvalidArgumentError, PermissionDeniedError } from '../../shared/errors.js';

const base = mkdtempSync(join(tmpdir(), 'hf-guard-'));
test.after(() => rmSync(base, { recursive: true, force: true }));
const root = join(base, 'root');
const outside = join(base, 'outside');
mkdirSync(join(root, 'real'), { recursive: true });
mkdirSync(outside);
writeFileSync(join(outside, 'victim'), 'keep');
symlinkSync(join(root, 'real'), join(root, 'alias'));
symlinkSync(join(outside, 'victim'), join(root, 'real', 'link.rec'));
writeFileSync(join(root, 'afile'), 'x');
execFileSync('mkfifo', [join(root, 'fifo')]);

void test('writable: a link anywhere below the root, or a path outside it, is PERMISSION_DENIED; what does not exist yet is fine', async () => {
  const g = new FileGuard(root);
  await g.writable(join(root, 'real', 'new', 'deeper.npy'), 'f');
  await assert.rejects(g.writable(join(root, 'alias', 'x.npy'), 'f'), PermissionDeniedError);
  await assert.rejects(g.writable(join(root, 'real', 'link.rec'), 'f'), PermissionDeniedError);
  await assert.rejects(g.writable(join(outside, 'x'), 'f'), PermissionDeniedError);
  await assert.rejects(g.writable(join(root, 'afile', 'x'), 'f'), InvalidArgumentError);
  await assert.rejects(g.writable(join(root, 'fifo'), 'f'), InvalidArgumentError);
});

void test('a root of / (the in-process CLI) checks only the leaf: a linked system folder on the way is fine', async () => {
  const g = new FileGuard('/');
  await g.writable(join(root, 'alias', 'x.npy'), 'f');
  await assert.rejects(g.writable(join(root, 'real', 'link.rec'), 'f'), PermissionDeniedError);
});

void test('writableTarget: a folder where a file goes, or a path under a file, is INVALID_ARGUMENT', async () => {
  const g = new FileGuard(root);
  await g.writableTarget(join(root, 'real', 'out.npy'), 'f', 'file');
  await g.writableTarget(join(root, 'real'), 'f', 'folder');
  await assert.rejects(g.writableTarget(join(root, 'real'), 'f', 'file'), InvalidArgumentError);
  await assert.rejects(g.writableTarget(join(root, 'afile'), 'f', 'folder'), InvalidArgumentError);
  await assert.rejects(g.writableTarget(join(root, 'afile', 'x', 'y.npy'), 'f', 'file'), InvalidArgumentError);
});

void test('openWrite: O_NOFOLLOW and regular files only, a FIFO does not block', async () => {
  const g = new FileGuard(root);
  await assert.rejects(g.openWrite(join(root, 'real', 'link.rec'), constants.O_WRONLY | constants.O_APPEND, 'f'), PermissionDeniedError);
  assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'keep');
  await assert.rejects(g.openWrite(join(root, 'fifo'), constants.O_WRONLY, 'f'), InvalidArgumentError);
  const fh = await g.openWrite(join(root, 'real', 'ok.log'), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 'f');
  await fh.write('line\n');
  await fh.close();
  assert.equal(readFileSync(join(root, 'real', 'ok.log'), 'utf8'), 'line\n');
});
