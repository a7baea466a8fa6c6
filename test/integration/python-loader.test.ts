// HyperfaceStream the way PyTorch users train, through the pip-installed package (a fresh virtualenv
// over Debian's python3-torch, python3-grpcio, ...: scripts/ci-system-deps.sh) against a real daemon
// (builtin generator): DataLoader with 2 workers under fork and spawn, each (identity, sample) exactly
// once; two ranks over torch.distributed (gloo, 127.0.0.1) with disjoint and complete label sets and
// equal step counts; 20 plain fork-DataLoader epochs from a parent that used gRPC (no hang); an
// epoch interrupted and resumed from its saved position; calls and workers
// waiting their turn at a daemon with one job slot; the client's RESOURCE_EXHAUSTED retries against
// a refusing gRPC server. The checks are sdk/python/tests/check_loader.py,
// check_fork.py and check_retry.py; missing torch or a builtin generator that does not load fails: nothing is skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnDaemon, stopChild, tempDir, waitGeneratorReady, type ChildDaemon } from '../helpers/daemon.js';
import { installPythonSdk, PYTHON_SDK, SYSTEM_PYTHON } from '../helpers/python-sdk.js';

const run = promisify(execFile);
let dir = '';
let py = '';
let d: ChildDaemon | undefined;

before(async () => {
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', 'import torch, numpy, grpc'], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`${SYSTEM_PYTHON} cannot import torch/numpy/grpc (run scripts/ci-system-deps.sh): ${String((error as { stderr?: Buffer }).stderr ?? error).trim().split('\n').pop()}`);
  }
  dir = tempDir('hf-pyloader-');
  const [venvPython, daemon] = await Promise.all([
    installPythonSdk(dir),
    spawnDaemon(['--data-dir', join(dir, 'data'), '--data-root', dir, '--models-load', 'faceres,builtin'], { HYPERFACE_LOG_LEVEL: 'warn' }),
  ]);
  py = venvPython;
  d = daemon;
  await waitGeneratorReady(d.client);
});

after(() => stopChild(d, dir));

/** Runs a check script of sdk/python/tests with the venv's python; its last stdout line is JSON. */
async function check(script: string, args: string[], timeout = 240_000): Promise<Record<string, unknown>> {
  try {
    // From the temp dir, so `hyperface` can only come from the virtualenv.
    const { stdout } = await run(py, [join(PYTHON_SDK, 'tests', script), ...args], { cwd: dir, timeout, maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${script} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${(e.stderr ?? '').slice(-6000)}\ndaemon:\n${d?.stderr().slice(-3000) ?? ''}`);
  }
}

test('sharding plan: every rank and worker split, equal ranks, one rank per identity, resume order = uninterrupted order', { timeout: 60_000 }, async () => {
  const out = await check('check_loader.py', ['plan']);
  assert.equal(out.ok, true);
  assert.ok((out.cases as number) >= 200);
});

test('DataLoader(num_workers=2) under fork and spawn: every (identity, sample) exactly once, no env var, parent channel still works', { timeout: 240_000 }, async () => {
  const out = await check('check_loader.py', ['workers', '--address', d!.address]);
  assert.equal(out.ok, true);
  assert.equal(out.faces, 30);
  assert.deepEqual([(out.fork as { batches: number }).batches, (out.spawn as { batches: number }).batches], [8, 8]);
});

test('plain DataLoader(num_workers=2) under fork: 20 epochs from a parent that packed through the same client and runs a busy thread, 20 forked right after it closed its client: no hang, every face once', { timeout: 420_000 }, async () => {
  // grpcio < 1.56 ran its Python fork handler inside fork(), before CPython reset the GIL: with a
  // parent thread waiting for the GIL, the worker hung forever; a fork while gRPC core shut down
  // after the last channel closed left a worker without progress until its deadline (hyperface/forking.py).
  const out = await check('check_fork.py', ['stress', '--address', d!.address, '--n', '20'], 400_000);
  assert.equal(out.ok, true);
  assert.equal(out.epochs, 20);
});

test('grpc used before hyperface was imported: StreamLoader falls back to forkserver workers; imported first: fork', { timeout: 60_000 }, async () => {
  const out = await check('check_fork.py', ['fallback']);
  assert.equal(out.ok, true);
});

test('two ranks over torch.distributed (gloo, 127.0.0.1): disjoint, complete label sets, equal steps (padding and drop_last)', { timeout: 240_000 }, async () => {
  const out = await check('check_loader.py', ['ranks', '--address', d!.address]);
  assert.equal(out.ok, true);
  const labels = out.labels as number[][];
  assert.equal(labels.length, 2);
  assert.deepEqual([...labels[0]!, ...labels[1]!].sort((a, b) => a - b), [...Array(12).keys()]);
});

test('an epoch resumed from a saved state_dict continues without repeating or skipping faces (2 workers and in-process)', { timeout: 240_000 }, async () => {
  const out = await check('check_loader.py', ['resume', '--address', d!.address]);
  assert.equal(out.ok, true);
  assert.deepEqual(out.workers_2, { faces: 27, resumed_after: 12 });
  assert.deepEqual(out.workers_0, { faces: 27, resumed_after: 12 });
});

test('a daemon with limits.maxConcurrentJobs = 1: a second call waits for the slot within its deadline, 2 DataLoader workers take turns', { timeout: 240_000 }, async () => {
  const busy = await spawnDaemon(['--data-dir', join(dir, 'data-busy'), '--data-root', dir, '--models-load', 'builtin'], {
    HYPERFACE_LOG_LEVEL: 'warn',
    HYPERFACE_LIMITS_MAX_CONCURRENT_JOBS: '1',
  });
  try {
    await busy.client.waitForReady({ service: 'hyperface.v1.ModelService', timeoutMs: 180_000 });
    const out = await check('check_loader.py', ['busy', '--address', busy.address]);
    assert.equal(out.ok, true);
    assert.equal((out.second as { faces: number }).faces, 2);
    assert.equal(out.faces, 18);
  } finally {
    busy.client.close();
    busy.child.kill('SIGTERM');
    await busy.exited;
  }
});

test('client retries RESOURCE_EXHAUSTED after the server delay (grpc-retry-pushback-ms, retry-after-ms) within the deadline', { timeout: 60_000 }, async () => {
  const out = await check('check_retry.py', []);
  assert.equal(out.ok, true);
  assert.equal((out.pushback as { calls: number }).calls, 3);
  assert.equal((out.no_delay as { calls: number }).calls, 1);
});
