// Issue 19 item 2: the leakage audit of a generated dataset, through the CLI (in-process daemon, so
// the EvaluateDataset RPC's leakage_path): `demo --leakage PHOTO_DIR` puts the section in the demo's
// report, `eval dataset DIR --leakage FILE.npy --json` carries a `leakage` object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeNpyMatrix, encodeNpyFloat32 } from '@hyperface/sdk/npy';
import { CLI, tempDir } from '../helpers/daemon.js';

const run = promisify(execFile);
const lastJson = (stdout: string): Record<string, unknown> => JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;

interface Side {
  recognizer: string;
  real_identities: number;
  nearest: { identity: number; real: number; real_label: string; cosine: number }[];
  distribution: { max: number; mean: number };
  thresholds: { far: number; cosine: number; method: string; share_above: number; images_above: number }[];
  closest_pairs: { identity: number; real_label: string; cosine: number }[];
}
interface Leakage {
  source: string;
  generator: Side;
  judge: Side | null;
  judge_note?: string;
}

void test('leakage: demo --leakage (real photos, generator and judge, pictures side by side) and eval dataset --leakage FILE.npy --json', { timeout: 900_000 }, async () => {
  const out = tempDir('hf-leak-');
  const demo = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');
  const faces = join(out, 'real');
  mkdirSync(faces);
  for (let i = 1; i <= 6; i++) copyFileSync(join(demo, `sample${i}.jpg`), join(faces, `sample${i}.jpg`));
  const dataDir = join(out, '.hyperface-data');
  const { stdout } = await run(
    process.execPath,
    [CLI, 'demo', '--out', out, '--identities', '4', '--images-per-identity', '2', '--gallery-size', '24', '--pack-seconds', '3', '--leakage', faces, '--json'],
    { maxBuffer: 1 << 24 },
  );
  const summary = lastJson(stdout) as { report: string; quality: { leakage: Leakage } };
  const l = summary.quality.leakage;
  assert.equal(l.generator.recognizer, 'faceres');
  assert.equal(l.generator.real_identities, 6);
  assert.ok(l.judge, `judge side: ${l.judge_note}`);
  assert.equal(l.generator.nearest.length, 4);
  assert.deepEqual(l.generator.thresholds.map((t) => t.far), [1e-3, 1e-4]);
  assert.match(l.generator.thresholds[0]!.method, /largest impostor cosine among 15 pairs of 6 real identities/);
  for (const side of [l.generator, l.judge]) {
    assert.ok(side.closest_pairs.length === 8 && side.closest_pairs[0]!.real_label.startsWith('sample'));
    assert.ok(side.closest_pairs[0]!.cosine >= side.closest_pairs[7]!.cosine);
  }
  const html = readFileSync(summary.report, 'utf8');
  assert.match(html, /<h2>Leakage: synthetic faces vs real identities<\/h2>/);
  // each closest pair: the synthetic face and the real photo, as pictures
  const leakPart = html.slice(html.indexOf('<h2>Leakage'));
  assert.ok((leakPart.match(/<img src="data:image\//g) ?? []).length >= 2 * 8 * 2, 'pictures on both sides, both recognizers');

  // The packed identities themselves as the "real" set: every synthetic identity's nearest real row is its own.
  const ids = decodeNpyMatrix(readFileSync(join(out, 'identities.npy')));
  const res = await run(process.execPath, [CLI, 'eval', 'dataset', join(out, 'dataset'), '--data-dir', dataDir, '--leakage', join(out, 'identities.npy'), '--json'], { maxBuffer: 1 << 24 });
  const q = lastJson(res.stdout) as { leakage: Leakage };
  assert.equal(q.leakage.judge, null);
  assert.match(q.leakage.judge_note!, /one recognizer/);
  assert.equal(q.leakage.generator.real_identities, ids.rows);
  const own = q.leakage.generator.nearest.filter((n) => n.real === n.identity).length;
  assert.ok(own >= 3, `only ${own} of 4 synthetic identities nearest to their own packed row`);

  // Bad input: a dimension mismatch names the field.
  writeFileSync(join(out, 'dim7.npy'), encodeNpyFloat32(new Float32Array(14).fill(0.5), 2, 7));
  const bad = await run(process.execPath, [CLI, 'eval', 'dataset', join(out, 'dataset'), '--data-dir', dataDir, '--leakage', join(out, 'dim7.npy'), '--json']).then(
    () => '',
    (e: { stderr: string }) => e.stderr,
  );
  assert.match(bad, /INVALID_ARGUMENT: leakage_path/);
});
