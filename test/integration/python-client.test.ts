// The Python SDK (sdk/python) against a real daemon: installed offline into a fresh virtualenv
// over Debian's python3 (python3-grpcio, python3-protobuf, python3-numpy, protobuf-compiler-grpc:
// scripts/ci-system-deps.sh), its stubs generated from proto/ by the package build; then
// check_stream.py checks health, packs a few identities and streams Generate (raw images) through
// HyperfaceStream, asserting shapes, dtypes, labels and counts.
//
// Two generators: a tiny onnx-decoder built here (16-d, 32 px) so the gRPC path is checked apart
// from the builtin generator, and the daemon's default generator (builtin, in the default
// recognizer's space). Either one failing to load fails its tests: nothing here is skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildOnnxModel } from '@hyperface/server/runtime/compute/onnx-graph';
import { spawnDaemon, stopChild, tempDir, type ChildDaemon } from '../helpers/daemon.js';
import { installPythonSdk, PYTHON_SDK } from '../helpers/python-sdk.js';

const run = promisify(execFile);
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const D = 16;
const Z = 4;
const S = 32;

/** Deterministic [B, D] (+ noise [B, Z]) → Tanh(MatMul) → [B, 3, S, S] decoder in [-1, 1]. */
function tinyDecoder(): Uint8Array {
  let state = 12345;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  };
  const w = new Float32Array((D + Z) * 3 * S * S).map(() => next() * 2);
  return buildOnnxModel({
    inputs: [
      { name: 'id_feature', dtype: 'float32', shape: ['B', D] },
      { name: 'noise', dtype: 'float32', shape: ['B', Z] },
    ],
    outputs: [{ name: 'image', dtype: 'float32', shape: ['B', 3, S, S] }],
    initializers: [
      { name: 'W', dims: [D + Z, 3 * S * S], data: w },
      { name: 'shape', dims: [4], data: BigInt64Array.from([-1n, 3n, BigInt(S), BigInt(S)]) },
    ],
    nodes: [
      { op: 'Concat', inputs: ['id_feature', 'noise'], outputs: ['x'], attributes: { axis: 1 } },
      { op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] },
      { op: 'Tanh', inputs: ['h'], outputs: ['t'] },
      { op: 'Reshape', inputs: ['t', 'shape'], outputs: ['image'] },
    ],
  });
}

let dir = '';
/** The virtualenv's python, with the `hyperface` package installed. */
let py = '';
let d: ChildDaemon | undefined;

interface ModelRow {
  name: string;
  kind: string;
  state: string;
  error?: string;
  default?: boolean;
}

/** The daemon's models, polled until none is loading or warming (or the deadline passes). */
async function settledModels(deadlineMs: number): Promise<ModelRow[]> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const rows = (await d!.client.listModels()).map((m) => ({ name: m.name, kind: String(m.kind), state: String(m.state), error: m.error, default: m.isDefault }));
    if (rows.every((m) => !/LOADING|WARMING/.test(m.state)) || Date.now() > until) return rows;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function writeConfig(): string {
  const path = join(dir, 'config.yaml');
  const lines = ['models:', '  entries:', '    - name: tiny-decoder', '      kind: generator', '      backend: onnx-decoder', `      files: [${JSON.stringify(join(dir, 'tiny-decoder.onnx'))}]`, `      options: { imageSize: ${S} }`];
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Spawns the daemon; resolves once GenerationService's health is known (models loaded) or it exited. */
async function start(config: string): Promise<{ daemon: ChildDaemon; exit?: string }> {
  const daemon = await spawnDaemon(['--config', config, '--data-dir', join(dir, 'data'), '--data-root', dir], { HYPERFACE_LOG_LEVEL: 'warn' });
  const stop = new AbortController();
  const exited = daemon.exited.then((code) => `exited with ${code}: ${daemon.stderr().slice(-2000)}`);
  const ready = daemon.client.waitForReady({ service: 'hyperface.v1.ModelService', timeoutMs: 180_000, signal: stop.signal }).then(
    () => undefined,
    (error: Error) => `not ready: ${error.message}`,
  );
  const exit = await Promise.race([exited, ready]);
  stop.abort();
  if (exit) daemon.client.close();
  return { daemon, exit };
}

before(async () => {
  dir = tempDir('hf-pyclient-');
  writeFileSync(join(dir, 'tiny-decoder.onnx'), tinyDecoder());
  const started = await start(writeConfig());
  // The onnx-decoder generator must load: a daemon that refuses it fails every test here.
  if (started.exit) throw new Error(`daemon with the tiny onnx-decoder generator did not start: ${started.exit}`);
  d = started.daemon;
});

after(() => stopChild(d, dir));

test('sdk/python installs offline into a fresh virtualenv: HyperfaceClient and HyperfaceStream from `hyperface`, stubs built from proto/', { timeout: 360_000 }, async () => {
  py = await installPythonSdk(dir);
  const code = [
    'import json, hyperface',
    'from hyperface import HyperfaceClient, HyperfaceStream',
    'from hyperface.v1 import generation_pb2, packing_pb2_grpc',
    'print(json.dumps({"file": hyperface.__file__, "raw": generation_pb2.IMAGE_FORMAT_RAW, "stream": HyperfaceStream.__name__, "client": HyperfaceClient.__name__}))',
  ].join('\n');
  // Run from elsewhere, so `hyperface` can only come from the virtualenv.
  const { stdout } = await run(py, ['-c', code], { cwd: dir });
  const out = JSON.parse(stdout) as { file: string; raw: number; stream: string; client: string };
  assert.ok(out.file.startsWith(join(dir, 'venv')), `hyperface imported from ${out.file}`);
  assert.equal(out.raw, 3);
  assert.deepEqual([out.client, out.stream], ['HyperfaceClient', 'HyperfaceStream']);
});

async function checkStream(args: string[]): Promise<Record<string, unknown>> {
  try {
    assert.ok(py, 'the Python SDK was not installed (see the first test)');
    const { stdout } = await run(py, [join(PYTHON_SDK, 'tests', 'check_stream.py'), '--address', d!.address, ...args], { cwd: dir, timeout: 240_000 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`check_stream.py failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}\ndaemon:\n${d!.stderr().slice(-4000)}`);
  }
}

test('check_stream.py --pack-only: Pack (16-d, gallery none) with streamed rows, from Python', { timeout: 120_000 }, async () => {
  const out = await checkStream(['--dim', String(D), '--identities', '6', '--pack-only']);
  assert.equal(out.ok, true);
  assert.equal(out.health, 'SERVING');
  assert.equal(out.identities, 6);
  assert.equal(out.dim, D);
});

test('check_stream.py: pack → Generate raw → IterableDataset batches (tiny onnx-decoder generator)', { timeout: 300_000 }, async () => {
  const out = await checkStream(['--dim', String(D), '--generator', 'tiny-decoder', '--identities', '5', '--k', '3', '--batch', '4']);
  assert.equal(out.ok, true);
  assert.equal(out.faces, 15);
  assert.equal(out.batches, 4);
  assert.deepEqual(out.image_shape, [S, S, 3]);
});

test('examples/ts/stream-faces.ts compiles and streams raw batches (tiny onnx-decoder generator)', { timeout: 180_000 }, async () => {
  const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));
  const tsDir = join(EXAMPLES, 'ts');
  // As documented in the example: compile to examples/ts/dist (gitignored), where @hyperface/sdk
  // resolves from the repository's node_modules.
  await run(process.execPath, [tsc, '-p', tsDir]);
  const { stdout } = await run(process.execPath, [join(tsDir, 'dist', 'stream-faces.js'), '--address', d!.address, '--dim', String(D), '--generator', 'tiny-decoder', '--identities', '3', '--k', '4', '--batch', '5'], { timeout: 120_000 });
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const summary = lines.pop()!;
  assert.equal(summary.ok, true);
  assert.equal(summary.faces, 12);
  assert.deepEqual(lines.map((l) => l.faces), [5, 5, 2]);
  assert.deepEqual(lines[0]!.shape, [5, S, S, 3]);
});

test('check_stream.py with the default generator in the default recognizer space (dim = 0, builtin gallery), backpressure', { timeout: 300_000 }, async () => {
  const models = await settledModels(120_000);
  const generator = models.find((m) => /GENERATOR/.test(m.kind) && m.default) ?? models.find((m) => /GENERATOR/.test(m.kind) && m.name === 'builtin');
  // The builtin generator ships with the daemon: not loading it is a failure, not a reason to skip.
  assert.ok(generator && /READY/.test(generator.state), `default generator not ready: ${generator ? `${generator.name} ${generator.state} ${generator.error ?? ''}` : 'none registered'}`);
  // --backpressure-k 100: a reader that stops after 3 of 400 faces must stop the daemon well before the end.
  const out = await checkStream(['--identities', '4', '--k', '3', '--batch', '5', '--gallery-size', '16', '--backpressure-k', '100']);
  assert.equal(out.ok, true);
  assert.equal(out.faces, 12);
  assert.equal(out.generator, generator.name);
  assert.ok(typeof out.rendered_ahead === 'number' && out.rendered_ahead < 360, `rendered ahead ${String(out.rendered_ahead)}`);
});
