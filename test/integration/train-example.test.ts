// examples/train-pytorch end to end, in a tiny configuration so it cannot silently rot: a spawned
// daemon packs 8 identities, train.py streams their faces straight into one short epoch of training
// and exports the untrained and trained backbones to ONNX; evaluate.py starts its own daemon with
// both registered as `onnx` recognizers, writes a held-out synthetic .bin (other seeds) with the
// daemon's writer and runs `hyperface eval verify` for untrained, mynet and faceres.
// Needs Debian's python3-torch (scripts/ci-system-deps.sh, which `npm test` runs); fails when it is missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawnDaemon, stopChild, tempDir, waitGeneratorReady, type ChildDaemon } from '../helpers/daemon.js';
import { installPythonSdk } from '../helpers/python-sdk.js';

const run = promisify(execFile);
const PY = '/usr/bin/python3';
/** The virtualenv's python with sdk/python installed (the examples import `hyperface`). */
let venvPython = '';
const EXAMPLE = fileURLToPath(new URL('../../../examples/train-pytorch/', import.meta.url));

function torchMissing(): string {
  try {
    execFileSync(PY, ['-c', 'import torch, numpy, grpc'], { stdio: 'pipe' });
    return '';
  } catch (error) {
    return `${PY} cannot import torch/numpy/grpc: ${String((error as { stderr?: Buffer }).stderr ?? error).trim().split('\n').pop()}`;
  }
}

let dir = '';
let d: ChildDaemon | undefined;
before(async () => {
  // Missing torch or a builtin generator that does not load fails the test: nothing is skipped.
  const missing = torchMissing();
  if (missing) throw new Error(`${missing}: run scripts/ci-system-deps.sh`);
  dir = tempDir('hf-train-example-');
  venvPython = await installPythonSdk(dir);
  d = await spawnDaemon(['--data-dir', join(dir, 'data'), '--data-root', dir, '--models-load', 'faceres,builtin'], { HYPERFACE_LOG_LEVEL: 'warn' });
  await waitGeneratorReady(d.client);
});

after(() => stopChild(d, dir));

async function py(script: string, args: string[], timeout: number): Promise<string> {
  try {
    const { stdout } = await run(venvPython, [join(EXAMPLE, script), ...args], { timeout, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${script} failed: ${e.message}\n${e.stdout ?? ''}\n${(e.stderr ?? '').slice(-6000)}\ndaemon:\n${d?.stderr().slice(-3000) ?? ''}`);
  }
}

test('train.py (tiny: 8 identities x 8 faces, one epoch) → ONNX → evaluate.py on a held-out synthetic .bin', { timeout: 480_000 }, async () => {
  const out = join(dir, 'run');
  const trained = await py(
    'train.py',
    ['--address', d!.address, '--out', out, '--identities', '8', '--images-per-identity', '8', '--epochs', '1', '--batch-size', '16',
      '--gallery-size', '16', '--pack-iterations', '50', '--width', '8', '--shuffle-buffer', '64', '--threads', '1'],
    240_000,
  );
  const summary = JSON.parse(trained.trim().split('\n').pop()!) as { steps: number; pack_job: string };
  assert.equal(summary.steps, 4, '8 x 8 faces in batches of 16 = 4 steps');
  assert.ok(summary.pack_job);
  for (const f of ['untrained.onnx', 'model.onnx', 'checkpoint.pt', 'train.json']) assert.ok(existsSync(join(out, f)), f);
  const history = (JSON.parse(readFileSync(join(out, 'train.json'), 'utf8')) as { history: Array<{ loss: number }> }).history;
  assert.equal(history.length, 1);
  assert.ok(Number.isFinite(history[0]!.loss));

  const table = await py('evaluate.py', ['--run', out, '--identities', '8', '--k', '3', '--pairs', '40', '--gallery-size', '16', '--pack-iterations', '50'], 240_000);
  assert.match(table, /\| heldout \| mynet \|/);
  const results = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: Array<{ recognizer: string; accuracy_mean: number; pairs: number }> }).results;
  assert.deepEqual(results.map((r) => r.recognizer), ['untrained', 'mynet', 'faceres']);
  for (const r of results) {
    assert.equal(r.pairs, 40);
    assert.ok(r.accuracy_mean >= 0 && r.accuracy_mean <= 1, `${r.recognizer} accuracy ${r.accuracy_mean}`);
  }
  assert.ok(existsSync(join(out, 'heldout', 'bench.bin')));
});
