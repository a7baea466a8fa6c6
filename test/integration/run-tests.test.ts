// scripts/run-tests.mjs, the README's test runner: a skipped test fails the run unless
// test/skips.json lists it, and the allowlist is printed with its reasons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/daemon.js';

const RUNNER = fileURLToPath(new URL('../../../scripts/run-tests.mjs', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

function project(): string {
  const dir = tempDir('hf-runner-');
  mkdirSync(join(dir, 'test', 'dist'), { recursive: true });
  writeFileSync(
    join(dir, 'test', 'dist', 'sample.test.js'),
    `import { test } from 'node:test';
test('runs', () => {});
test('needs a GPU', (t) => { t.skip('no GPU here'); });
`,
  );
  return dir;
}

function runIn(dir: string, skips: object): { status: number | null; out: string } {
  const file = join(dir, 'skips.json');
  writeFileSync(file, JSON.stringify(skips));
  // NODE_TEST_CONTEXT would make the nested `node --test` think it runs inside this test file.
  const { NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
  const r = spawnSync(process.execPath, [RUNNER, 'integration'], { cwd: dir, env: { ...env, HYPERFACE_TEST_SKIPS: file }, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('a skip that test/skips.json does not list fails the run, naming the test', () => {
  const r = runIn(project(), { skips: [] });
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /skipped without an entry in test\/skips\.json/);
  assert.match(r.out, /sample\.test\.js › needs a GPU \(no GPU here\)/);
});

test('a listed skip passes, and the allowlist is printed with its reasons', () => {
  const r = runIn(project(), { skips: [{ file: 'sample.test', test: 'needs a GPU', reason: 'the CI machine has no GPU' }] });
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /Allowed skips/);
  assert.match(r.out, /sample\.test › needs a GPU\n\s+the CI machine has no GPU/);
  assert.match(r.out, /1 of them skipped in this run: needs a GPU/);
});

test('the repository allowlist gives every entry a reason', async () => {
  const { readFile } = await import('node:fs/promises');
  const list = JSON.parse(await readFile(fileURLToPath(new URL('../../../test/skips.json', import.meta.url)), 'utf8')) as { skips: { file: string; test: string; reason: string }[] };
  for (const s of list.skips) assert.ok(s.file && s.test && s.reason.length > 20, JSON.stringify(s));
});

test('npm test starts with the system-package check, which names what is missing and fails when it cannot install', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts.test!, /^bash scripts\/ci-system-deps\.sh && /);
  // A PATH without apt-get, kubectl, openssl or protoc: the script must stop and say what is missing.
  const bin = tempDir('hf-path-');
  for (const tool of ['bash', 'id']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  const r = spawnSync('/usr/bin/bash', [join(REPO, 'scripts/ci-system-deps.sh')], { env: { PATH: bin }, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /ERROR: missing .*protobuf-compiler-grpc.*kubernetes-client.*openssl/);
});
