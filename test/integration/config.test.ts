// Configuration as a user meets it: relative model paths resolve against the config file's folder
// (not the working directory), and job files default to a per-user state folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@hyperface/server/config/load';
import { buildOnnxModel } from '@hyperface/server/runtime/compute/onnx-graph';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI, spawnDaemon, tempDir } from '../helpers/daemon.js';

const run = promisify(execFile);

const S = 16;
const D = 8;

/** A 16x16 → 8-d projection recognizer. */
function tinyRecognizer(): Uint8Array {
  const w = new Float32Array(3 * S * S * D).map((_, i) => Math.sin(i * 0.37) * 0.05);
  return buildOnnxModel({
    inputs: [{ name: 'data', dtype: 'float32', shape: ['N', 3, S, S] }],
    outputs: [{ name: 'fc1', dtype: 'float32', shape: ['N', D] }],
    initializers: [{ name: 'w', dims: [3 * S * S, D], data: w }],
    nodes: [
      { op: 'Flatten', inputs: ['data'], outputs: ['flat'], attributes: { axis: 1 } },
      { op: 'MatMul', inputs: ['flat', 'w'], outputs: ['fc1'] },
    ],
  });
}

test('a relative model path in a config file resolves against the file, not the cwd; jobs land in $XDG_STATE_HOME/hyperface', { timeout: 120_000 }, async () => {
  const confDir = tempDir('hf-conf-');
  mkdirSync(join(confDir, 'models'));
  writeFileSync(join(confDir, 'models', 'tiny.onnx'), tinyRecognizer());
  const config = join(confDir, 'hyperface.yaml');
  writeFileSync(config, ['models:', '  builtin: false', '  entries:', '    - name: tiny', '      kind: recognizer', '      backend: onnx', '      files: [models/tiny.onnx]', `      input: { size: ${S} }`, ''].join('\n'));
  const cwd = tempDir('hf-cwd-');
  const state = tempDir('hf-xdg-');
  const d = await spawnDaemon(['--config', config, '--data-root', '/'], { XDG_STATE_HOME: state }, { cwd });
  try {
    await d.client.waitForReady({ service: 'hyperface.v1.RecognitionService', timeoutMs: 60_000 });
    const tiny = (await d.client.listModels()).find((m) => m.name === 'tiny');
    assert.equal(tiny?.state, 'MODEL_STATE_READY', `${JSON.stringify(tiny)}\n${d.stderr()}`);
    assert.equal(tiny?.dim, D);
    // A job, to see where the job files go.
    for await (const _ of d.client.pack({ identities: 4, dim: 3, gallery: { none: true }, iterations: 10 })) void _;
    assert.ok(readdirSync(join(state, 'hyperface', 'jobs')).length >= 1, 'job files under $XDG_STATE_HOME/hyperface/jobs');
    assert.deepEqual(readdirSync(cwd), [], 'nothing written into the working directory');
  } finally {
    d.child.kill('SIGTERM');
    await d.exited;
    d.client.close();
  }
});

test('default dataDir: $XDG_STATE_HOME/hyperface when it is absolute, else ~/.local/state/hyperface; a setting wins', async () => {
  assert.equal((await loadConfig({ env: { XDG_STATE_HOME: '/var/tmp/st' } })).dataDir, '/var/tmp/st/hyperface');
  assert.equal((await loadConfig({ env: {} })).dataDir, join(homedir(), '.local', 'state', 'hyperface'));
  assert.equal((await loadConfig({ env: { XDG_STATE_HOME: 'relative/st' } })).dataDir, join(homedir(), '.local', 'state', 'hyperface'), 'XDG: a relative path is ignored');
  assert.equal((await loadConfig({ env: { XDG_STATE_HOME: '/var/tmp/st', HYPERFACE_DATA_DIR: '/srv/hf' } })).dataDir, '/srv/hf');
});

test('a config file with many mistakes: `hyperface serve` names every one with its path and exits 1', async () => {
  const dir = tempDir('hf-conf-');
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    [
      'limits: { maxIdentitiez: 3 }',
      'models:',
      '  entries:',
      '    - { name: a, kind: recognizer, backend: onnx, files: [a.onnx], colour: red }',
      '    - { name: b, kind: recognizer, backend: onnxx }',
      '    - { name: c, kind: recognizer, backend: tfjs, files: [c.json], kserve: { url: "h:1" }, input: { size: 2 } }',
      '    - { name: d, kind: recognizer, backend: onnx-decoder }',
      '    - { name: e, kind: recognizer, backend: kserve-v2 }',
      '    - { name: a, kind: generator, backend: onnx-decoder, files: [g.onnx] }',
      '',
    ].join('\n'),
  );
  const failed = await run(process.execPath, [CLI, 'serve', '--config', file, '--print-config']).then(
    () => undefined,
    (error: unknown) => error as { code: number; stderr: string },
  );
  assert.ok(failed, 'the daemon refuses the file');
  assert.equal(failed.code, 1);
  for (const expected of [
    'limits.maxIdentitiez: unknown setting',
    'models.entries[0].colour: unknown key "colour"',
    'models.entries[1].backend: must be one of onnx, tfjs, kserve-v2, builtin, onnx-decoder, onnx-diffusion',
    'models.entries[2].kserve: unknown key "kserve" (only allowed with backend kserve-v2)',
    'models.entries[2].input.size: must be >= 8',
    'models.entries[3].kind: backend onnx-decoder cannot serve a recognizer',
    'models.entries[4].kserve: is required for backend kserve-v2',
    'models.entries[5].name: duplicate model name "a"',
  ]) {
    assert.ok(failed.stderr.includes(expected), `${expected}\n---\n${failed.stderr}`);
  }
});

test('relative auth.tokenFile and tls.* paths in a config file resolve against the file, not the cwd', { timeout: 60_000 }, async () => {
  const dir = tempDir('hf-cfg-rel-');
  const elsewhere = tempDir('hf-cwd-');
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'secrets', 'tokens.txt'), 'tok-rel-123\n');
  writeFileSync(join(dir, 'hyperface.yaml'), 'auth:\n  tokenFile: secrets/tokens.txt\ntls:\n  cert: certs/server.pem\n  key: certs/server.key\n');
  const config = await loadConfig({ file: join(dir, 'hyperface.yaml'), env: {} });
  assert.equal(config.auth.tokenFile, join(dir, 'secrets', 'tokens.txt'));
  assert.deepEqual([config.tls.cert, config.tls.key], [join(dir, 'certs', 'server.pem'), join(dir, 'certs', 'server.key')]);
  // A flag stays relative to the working directory.
  const flagged = await loadConfig({ file: join(dir, 'hyperface.yaml'), env: {}, overrides: { 'auth.tokenFile': 'mine.txt' } });
  assert.equal(flagged.auth.tokenFile, 'mine.txt');
  // Through the daemon, started from another folder: the token in the file next to the config works.
  writeFileSync(join(dir, 'hyperface.yaml'), 'auth:\n  tokenFile: secrets/tokens.txt\n');
  const d = await spawnDaemon(['--config', join(dir, 'hyperface.yaml'), '--data-root', elsewhere, '--models-builtin', 'false'], {}, { cwd: elsewhere });
  try {
    const { HyperfaceClient } = await import('@hyperface/sdk');
    const authed = new HyperfaceClient({ address: d.address, token: 'tok-rel-123' });
    assert.ok(Array.isArray((await authed.listJobs({}, { timeoutMs: 10_000 })).jobs));
    authed.close();
    await assert.rejects(d.client.listJobs({}, { timeoutMs: 10_000 }), /UNAUTHENTICATED|bearer/i);
  } finally {
    d.child.kill('SIGKILL');
    await d.exited;
    d.client.close();
  }
});

test('an unknown name in models.load is an error naming models.load[i]: `hyperface serve` exits 1 instead of serving no models', async () => {
  const dir = tempDir('hf-conf-');
  const file = join(dir, 'load.yaml');
  writeFileSync(file, ['listen: 127.0.0.1:0', `dataDir: ${join(dir, 'data')}`, 'models:', '  load: [faceres, facers]', ''].join('\n'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HYPERFACE_')));
  for (const args of [['--config', file], ['--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data2'), '--models-load', 'builtin,nope']]) {
    const failed = await run(process.execPath, [CLI, 'serve', ...args], { env, timeout: 60_000 }).then(
      (ok) => assert.fail(`the daemon started: ${ok.stdout}`),
      (error: unknown) => error as { code: number; stderr: string; stdout: string },
    );
    assert.equal(failed.code, 1, failed.stderr);
    assert.equal(failed.stdout, '', 'it never listened');
    const expected = args[0] === '--config' ? 'models.load[1]: no model named "facers"' : 'models.load[1]: no model named "nope"';
    assert.ok(failed.stderr.includes(expected), `${expected}\n---\n${failed.stderr}`);
  }
});
