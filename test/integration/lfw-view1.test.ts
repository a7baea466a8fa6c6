// Issue 18 item 4: LFW View 1 (pairsDevTrain.txt / pairsDevTest.txt) is a development split whose
// protocol picks the threshold on DevTrain and reports once on DevTest. The service runs the
// 10-fold View 2 protocol only, so a View 1 file is refused with a message that says why, instead of
// being scored as ten stratified folds inside one file and labelled "lfw".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';

const run = promisify(execFile);
let d: TestDaemon;
before(async () => {
  d = await startTestDaemon({}, { models: false });
});
after(async () => {
  await d.stop();
});

function view1(dir: string, name: string, perClass: number): string {
  const lines = [String(perClass)];
  for (let i = 0; i < perClass; i++) lines.push(`Person_${i} 1 2`);
  for (let i = 0; i < perClass; i++) lines.push(`Person_${i} 1 Other_${i} 1`);
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

void test('LFW View 1 pairsDevTest.txt is refused with INVALID_ARGUMENT naming the protocol (SDK and CLI)', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'images'));
  const pairs = view1(dir, 'pairsDevTest.txt', 5);
  let err: (Error & { code?: string }) | null = null;
  try {
    for await (const ev of d.client.evaluateVerification({ lfw: { pairsPath: pairs, imageDir: join(dir, 'images') } })) void ev;
  } catch (e) {
    err = e as Error & { code?: string };
  }
  assert.equal(err?.code, 'INVALID_ARGUMENT');
  assert.match(err.message, /View 1/);
  assert.match(err.message, /DevTrain/);
  assert.match(err.message, /pairs\.txt/);

  const cli = await run(process.execPath, [CLI, 'eval', 'verify', '--pairs', pairs, '--images', join(dir, 'images'), '--address', d.address]).then(
    () => null,
    (e: { code: number; stderr: string }) => e,
  );
  assert.ok(cli, 'the CLI must fail');
  assert.notEqual(cli.code, 0);
  assert.match(cli.stderr, /View 1.*DevTrain/s);
});
