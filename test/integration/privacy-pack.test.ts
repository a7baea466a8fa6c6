// Issue 19 item 1: fixed identities in packing, through the real daemon (SDK) and the CLI.
//  * exclusion of the real faces in @vladmandic/face-api's demo photos, embedded by the daemon;
//  * the forced conflict: the builtin gallery excluded while the regulariser pulls toward it;
//  * extend: new identities among fixed existing ones;
//  * bad input: INVALID_ARGUMENT naming the field, no job created.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { collectPack, decodeNpyMatrix } from '@hyperface/sdk';
import { toTensor } from '@hyperface/sdk/tensor';
import { encodeNpyFloat32 } from '@hyperface/sdk/npy';
import { CLI, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { codeOf, lcgIdentities, unitRows as unit } from '../helpers/calls.js';

const run = promisify(execFile);
let d: TestDaemon;
let faces: string;
before(async () => {
  d = await startTestDaemon();
  await d.daemon.ready;
  // The six demo photos of face-api: real people, one face each taken as the largest.
  const demo = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');
  faces = join(tempDir(), 'real-faces');
  mkdirSync(faces);
  for (let i = 1; i <= 6; i++) copyFileSync(join(demo, `sample${i}.jpg`), join(faces, `sample${i}.jpg`));
});
after(async () => {
  await d.stop();
});

/** Brute-force smallest angle, degrees, between the rows of a and b. */
function minCross(a: Float32Array, na: number, b: Float32Array, nb: number, dim: number): number {
  const ua = unit(a, na, dim);
  const ub = unit(b, nb, dim);
  let best = -1;
  for (let i = 0; i < na; i++)
    for (let j = 0; j < nb; j++) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += ua[i * dim + c]! * ub[j * dim + c]!;
      best = Math.max(best, s);
    }
  return (Math.acos(Math.min(1, best)) * 180) / Math.PI;
}
const jobDir = (id: string) => join(d.dataDir, 'jobs', id);

void test('exclude the real demo faces (image folder embedded by the daemon): the default angle holds and is reported', async () => {
  const out = await collectPack(
    d.client.pack({ identities: 16, gallery: { builtinSize: 40 }, exclude: { imageDir: faces }, iterations: 40, seed: 2, streamEmbeddings: true }),
  );
  const ex = out.result.exclusion!;
  assert.equal(ex.rows, 6);
  assert.match(ex.angleSource, /default: arccos of the recognizer's FAR 0.001 threshold .* largest impostor cosine among 15 pairs of 6 real identities/);
  assert.ok(ex.requiredMinAngleDeg > 0 && ex.requiredMinAngleDeg < 180);
  // Check against the daemon's own embedding of the photos (cached in the job folder).
  const real = decodeNpyMatrix(readFileSync(join(jobDir(out.jobId), 'exclude-embedded.npy')));
  const x = out.embeddings!;
  const brute = minCross(x.data, x.rows, real.data, real.rows, real.cols);
  assert.ok(brute >= ex.requiredMinAngleDeg - 1e-3, `${brute}° < ${ex.requiredMinAngleDeg}°`);
  assert.ok(Math.abs(brute - ex.minAngleDeg) < 1e-2, `${brute} vs reported ${ex.minAngleDeg}`);
});

void test('forced conflict: excluding the builtin gallery while the regulariser pulls toward it; the constraint holds, at a cost', async () => {
  const base = { identities: 12, alpha: 1, iterations: 60, seed: 5, streamEmbeddings: true, mode: 'PACK_MODE_PAPER' as const };
  const free = await collectPack(d.client.pack({ ...base, gallery: { builtinSize: 40 } }));
  // The job's cached gallery, copied out: requests cannot name files in the daemon's own data dir.
  const galleryFile = join(tempDir(), 'builtin-gallery.npy');
  copyFileSync(join(jobDir(free.jobId), 'gallery.npy'), galleryFile);
  const g = decodeNpyMatrix(readFileSync(galleryFile));
  // Without exclusion the points start on gallery rows and stay close to them.
  const freeAngle = minCross(free.embeddings!.data, 12, g.data, g.rows, g.cols);
  const angle = 45;
  assert.ok(freeAngle < angle, `unconstrained packing is ${freeAngle}° from the gallery`);
  const held = await collectPack(d.client.pack({ ...base, gallery: { npyPath: galleryFile }, exclude: { npyPath: galleryFile }, excludeMinAngleDeg: angle }));
  const brute = minCross(held.embeddings!.data, 12, g.data, g.rows, g.cols);
  assert.ok(brute >= angle - 1e-3, `constraint violated: ${brute}°`);
  assert.equal(held.result.exclusion!.requiredMinAngleDeg, angle);
  assert.match(held.result.exclusion!.angleSource, /given/);
  // The cost: the gallery distance can only grow (1 − cos 45° ≈ 0.29 at least).
  assert.ok(held.result.metrics!.meanGalleryDistance >= 1 - Math.cos((angle * Math.PI) / 180) - 1e-4);
  assert.ok(held.result.metrics!.meanGalleryDistance > free.result.metrics!.meanGalleryDistance);
  console.log(
    `forced conflict (faceres, N=12, G=${g.rows}, alpha 1, 60 paper steps): min angle ${free.result.metrics!.minAngleDeg.toFixed(2)}° → ${held.result.metrics!.minAngleDeg.toFixed(2)}°, ` +
      `mean gallery distance ${free.result.metrics!.meanGalleryDistance.toFixed(4)} → ${held.result.metrics!.meanGalleryDistance.toFixed(4)}, closest to gallery ${freeAngle.toFixed(2)}° → ${brute.toFixed(2)}°`,
  );
});

void test('an exclusion that cannot be met fails FAILED_PRECONDITION', async () => {
  const rows = 3000;
  const dense = lcgIdentities(rows, 3, 4);
  const dir = tempDir();
  writeFileSync(join(dir, 'dense.npy'), encodeNpyFloat32(dense, rows, 3));
  const code = await codeOf(collectPack(d.client.pack({ identities: 4, dim: 3, gallery: { none: true }, exclude: { npyPath: join(dir, 'dense.npy') }, excludeMinAngleDeg: 60, iterations: 10 })));
  assert.equal(code, 'FAILED_PRECONDITION');
  // The failed job keeps its best iterate in its checkpoint.
  const failed = (await d.client.listJobs({})).jobs.filter((j) => j.kind === 'JOB_KIND_PACK' && j.state === 'JOB_STATE_FAILED');
  assert.equal(failed.length, 1);
  assert.ok(existsSync(join(jobDir(failed[0]!.id), 'checkpoint.bin')), 'the best checkpoint is kept');
});

void test('inline exclusion and inline extension in one request: both reported, both checked by brute force', async () => {
  const D = 8;
  const ex = lcgIdentities(20, D, 31);
  const old = lcgIdentities(10, D, 32);
  const out = await collectPack(
    d.client.pack({ identities: 6, dim: D, gallery: { none: true }, exclude: { embeddings: toTensor(ex, [20, D]) }, excludeMinAngleDeg: 35, extend: { embeddings: toTensor(old, [10, D]) }, iterations: 100, seed: 1, streamEmbeddings: true }),
  );
  const x = out.embeddings!;
  assert.equal(x.rows, 6);
  assert.ok(minCross(x.data, 6, ex, 20, D) >= 35 - 1e-3);
  assert.ok(Math.abs(minCross(x.data, 6, ex, 20, D) - out.result.exclusion!.minAngleDeg) < 1e-2);
  assert.ok(Math.abs(minCross(x.data, 6, old, 10, D) - out.result.extension!.minAngleDeg) < 1e-2);
  assert.equal(out.result.extension!.rows, 10);
});

void test('bad exclusion sets are INVALID_ARGUMENT naming the field, and no job is created', async () => {
  const before = (await d.client.listJobs({})).jobs.length;
  const dir = tempDir();
  const rows = lcgIdentities(5, 8, 1);
  const nan = Float32Array.from(rows);
  nan[9] = Number.NaN;
  writeFileSync(join(dir, 'nan.npy'), encodeNpyFloat32(nan, 5, 8));
  writeFileSync(join(dir, 'dim7.npy'), encodeNpyFloat32(lcgIdentities(5, 7, 1), 5, 7));
  writeFileSync(join(dir, 'empty.npy'), encodeNpyFloat32(new Float32Array(0), 0, 8));
  const base = { identities: 6, dim: 8, gallery: { none: true }, mode: 'PACK_MODE_PAPER' as const, iterations: 5 };
  const cases: [string, Parameters<typeof d.client.pack>[0]][] = [
    ['exclude.npy_path', { ...base, exclude: { npyPath: join(dir, 'dim7.npy') } }],
    ['exclude.npy_path', { ...base, exclude: { npyPath: join(dir, 'nan.npy') } }],
    ['exclude.npy_path', { ...base, exclude: { npyPath: join(dir, 'empty.npy') } }],
    ['exclude.embeddings', { ...base, exclude: { embeddings: toTensor(nan, [5, 8]) } }],
    ['exclude.embeddings', { ...base, exclude: { embeddings: toTensor(lcgIdentities(5, 7, 1), [5, 7]) } }],
    ['extend.embeddings', { ...base, extend: { embeddings: toTensor(nan, [5, 8]) } }],
    ['exclude_min_angle_deg', { ...base, exclude: { embeddings: toTensor(rows, [5, 8]) }, excludeMinAngleDeg: 180 }],
    ['exclude_min_angle_deg', { ...base, exclude: { embeddings: toTensor(rows, [5, 8]) }, excludeMinAngleDeg: 200 }],
    ['mode', { ...base, mode: 'PACK_MODE_FAST', exclude: { embeddings: toTensor(rows, [5, 8]) } }],
  ];
  for (const [field, req] of cases) {
    const err = await collectPack(d.client.pack(req)).then(
      () => null,
      (e: unknown) => e as { code?: string; message?: string },
    );
    assert.ok(err, `${field}: accepted`);
    assert.equal(err.code, 'INVALID_ARGUMENT', `${field}: ${err.code} ${err.message}`);
    assert.ok(err.message?.includes(field), `${field} not named in: ${err.message}`);
  }
  const after = (await d.client.listJobs({})).jobs.length;
  assert.equal(after, before, 'a rejected request leaves no job behind');
});

void test('CLI: pack --exclude DIR --exclude-min-angle and pack --extend, --json; seeded extend reproducible', async () => {
  const dir = tempDir();
  const dataDir = join(dir, 'data');
  const ex = join(dir, 'ex.npy');
  const { stdout } = await run(
    process.execPath,
    [CLI, 'pack', '--identities', '8', '--gallery', 'none', '--exclude', faces, '--exclude-min-angle', '60', '--iterations', '30', '--out', ex, '--json', '--quiet', '--data-dir', dataDir],
    { timeout: 600_000 },
  );
  const s = JSON.parse(stdout) as { exclusion: { rows: number; min_angle_deg: number; required_min_angle_deg: number; angle_source: string }; shape: number[] };
  assert.equal(s.exclusion.rows, 6);
  assert.equal(s.exclusion.required_min_angle_deg, 60);
  assert.ok(s.exclusion.min_angle_deg >= 60 - 1e-3);
  const existing = join(dir, 'existing.npy');
  writeFileSync(existing, encodeNpyFloat32(lcgIdentities(40, 16, 3), 40, 16));
  const extend = async (out: string) => {
    const r = await run(process.execPath, [CLI, 'pack', '--identities', '10', '--dim', '16', '--extend', existing, '--iterations', '80', '--seed', '9', '--out', out, '--json', '--quiet', '--data-dir', dataDir], { timeout: 600_000 });
    return JSON.parse(r.stdout) as { shape: number[]; min_angle_deg: number; extension: { rows: number; min_angle_deg: number } };
  };
  const a = await extend(join(dir, 'new-a.npy'));
  const b = await extend(join(dir, 'new-b.npy'));
  assert.deepEqual(a.shape, [10, 16]);
  assert.equal(a.extension.rows, 40);
  const na = decodeNpyMatrix(readFileSync(join(dir, 'new-a.npy')));
  assert.equal(na.rows, 10, 'only the new rows are written');
  assert.deepEqual(readFileSync(join(dir, 'new-a.npy')), readFileSync(join(dir, 'new-b.npy')), 'a seeded extend is reproducible');
  const e = decodeNpyMatrix(readFileSync(existing));
  assert.ok(Math.abs(minCross(na.data, 10, e.data, 40, 16) - a.extension.min_angle_deg) < 1e-2);
  assert.ok(a.min_angle_deg > 0 && b.min_angle_deg === a.min_angle_deg);
});
