// The README's main job and the CLI as users run it: `hyperface demo` end to end on the embedded
// defaults (in-process daemon), `hyperface pack` for pure geometry read back by NumPy, and
// `hyperface eval dataset --json` keys; errors are one line on stderr with a non-zero exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, tempDir } from '../helpers/daemon.js';

const run = promisify(execFile);
const lastJson = (stdout: string): Record<string, unknown> => JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;

test('hyperface demo: pack → generate → evaluate on the embedded models, then eval dataset --json on its output', { timeout: 600_000 }, async () => {
  const out = tempDir('hf-demo-');
  const { stdout } = await run(process.execPath, [CLI, 'demo', '--out', out, '--identities', '6', '--images-per-identity', '2', '--gallery-size', '24', '--pack-seconds', '5', '--json'], { maxBuffer: 1 << 24 });
  const summary = lastJson(stdout) as { samples: number; pack: { min_angle_deg: number }; report: string; quality: Record<string, number> };
  assert.equal(summary.samples, 12);
  assert.ok(summary.pack.min_angle_deg > 0);
  assert.ok(existsSync(join(out, 'identities.npy')));
  assert.ok(readFileSync(summary.report, 'utf8').includes('<svg'), 'the HTML report has its plots');
  const manifest = readFileSync(join(out, 'dataset', 'manifest.jsonl'), 'utf8').trim().split('\n');
  assert.equal(manifest.length, 12);
  for (const key of ['identity', 'sample', 'seed', 'file', 'cosine']) assert.ok(key in (JSON.parse(manifest[0]!) as object), key);
  assert.ok(existsSync(join(out, 'dataset', '000000', '0000.png')));
  for (const key of ['identities', 'samples', 'identity_consistency_mean', 'nearest_impostor_mean', 'judge_consistency_mean', 'verification_eer']) assert.ok(key in summary.quality, key);
  assert.ok(summary.quality.identity_consistency_mean! > 0.3, `consistency ${summary.quality.identity_consistency_mean}`);

  const res = await run(process.execPath, [CLI, 'eval', 'dataset', join(out, 'dataset'), '--data-dir', join(out, '.hyperface-data'), '--report', join(out, 'report2'), '--json'], { maxBuffer: 1 << 24 });
  const q = lastJson(res.stdout);
  assert.equal(q.identities, 6);
  assert.equal(q.samples, 12);
  assert.ok(existsSync(join(out, 'report2', 'report.html')));
  // Generate copied the pack's sidecar next to the dataset's identities.npy, so evaluation checked
  // the recorded recognizer instead of matching the references by width alone.
  assert.equal((JSON.parse(readFileSync(join(out, 'dataset', 'identities.json'), 'utf8')) as { recognizer: string }).recognizer, 'faceres');
  assert.equal(q.reference_note, undefined, `reference note: ${String(q.reference_note)}`);
});

test('hyperface pack --dim: pure geometry, a .npy NumPy reads with unit rows, and a JSON sidecar', async () => {
  const dir = tempDir();
  const out = join(dir, 'cross.npy');
  const { stdout } = await run(process.execPath, [CLI, 'pack', '--identities', '16', '--dim', '8', '--gallery', 'none', '--mode', 'fast', '--seed', '1', '--out', out, '--data-dir', join(dir, 'data'), '--json']);
  const s = lastJson(stdout) as { min_angle_deg: number; shape: number[] };
  assert.deepEqual(s.shape, [16, 8]);
  assert.ok(Math.abs(s.min_angle_deg - 90) < 0.5, `cross-polytope in 8-d: ${s.min_angle_deg}`);
  const py = await run('python3', ['-c', `import numpy as np; a=np.load('${out}'); print(a.dtype, a.shape, float(np.abs(np.linalg.norm(a, axis=1) - 1).max()) < 1e-5)`]);
  assert.equal(py.stdout.trim(), 'float32 (16, 8) True');
  const sidecar = JSON.parse(readFileSync(join(dir, 'cross.json'), 'utf8')) as Record<string, unknown>;
  assert.ok(JSON.stringify(sidecar).includes('"seed"'));
});

test('CLI errors: one line on stderr and a non-zero exit', async () => {
  const fail = async (args: string[]): Promise<{ code: number; stderr: string }> => {
    try {
      await run(process.execPath, [CLI, ...args]);
      return { code: 0, stderr: '' };
    } catch (error) {
      const e = error as { code: number; stderr: string };
      return { code: e.code, stderr: e.stderr };
    }
  };
  const usage = await fail(['pack', '--identities', '10']);
  assert.equal(usage.code, 2);
  assert.equal(usage.stderr.trim().split('\n').length, 1, usage.stderr);
  assert.match(usage.stderr, /--out FILE\.npy is required/);
  const dir = tempDir();
  const invalid = await fail(['pack', '--identities', '1', '--dim', '3', '--gallery', 'none', '--out', join(dir, 'x.npy'), '--data-dir', join(dir, 'd')]);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /^hyperface pack: INVALID_ARGUMENT: identities/);
  const unreachable = await fail(['models', '--address', '127.0.0.1:1']);
  assert.notEqual(unreachable.code, 0);
});
