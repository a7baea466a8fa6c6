// Issue 19 item 3: Generate's privacy guard through the real daemon (SDK) and the CLI. The "real"
// identities are the recognizer's embeddings of faces rendered before with the same seed: the first
// attempt of every sample reproduces one of them exactly, so the guard must reject it and resample.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromTensor, toTensor } from '@hyperface/sdk';
import { encodeNpyFloat32 } from '@hyperface/sdk/npy';
import { CLI, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { codeOf, lcgIdentities } from '../helpers/calls.js';

const run = promisify(execFile);
let d: TestDaemon;
before(async () => {
  d = await startTestDaemon();
  await d.daemon.ready;
});
after(async () => {
  await d.stop();
});

const DIM = 1024; // faceres, the builtin generator's space
const N = 3;
const K = 2;
const ids = lcgIdentities(N, DIM, 17);

const cosine = (a: Float32Array, b: Float32Array, bo: number): number => {
  let s = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i]! * b[bo + i]!;
    na += a[i]! ** 2;
    nb += b[bo + i]! ** 2;
  }
  return s / Math.sqrt(na * nb);
};

void test('generate --exclude: faces within the angle of a real identity are rejected, resampled or dropped, and counted', async () => {
  const base = { embeddings: toTensor(ids, [N, DIM]), imagesPerIdentity: K, seed: 5, includeEmbedding: true, format: 'IMAGE_FORMAT_RAW' as const };
  const real: Float32Array[] = [];
  for await (const ev of d.client.generate(base)) if (ev.sample) real.push(fromTensor(ev.sample.embedding).data);
  assert.equal(real.length, N * K);
  const dir = tempDir();
  const realFile = join(dir, 'real.npy');
  const stacked = new Float32Array(real.length * DIM);
  real.forEach((r, i) => stacked.set(r, i * DIM));
  writeFileSync(realFile, encodeNpyFloat32(stacked, real.length, DIM));

  const angle = 20;
  const out = join(dir, 'guarded');
  const samples: { embedding: Float32Array; rejected: number; attempts: number }[] = [];
  let summary: { rejectedNearReal: string | number; droppedNearReal: string | number; samples: string | number; excludeMinAngleDeg: number } | undefined;
  for await (const ev of d.client.generate({ ...base, excludePath: realFile, excludeMinAngleDeg: angle, outputDir: out, datasetFormat: 'DATASET_FORMAT_IMAGEFOLDER' })) {
    if (ev.sample) samples.push({ embedding: fromTensor(ev.sample.embedding).data, rejected: ev.sample.rejectedNearReal, attempts: ev.sample.attempts });
    if (ev.summary) summary = ev.summary;
  }
  assert.ok(summary);
  assert.equal(summary.excludeMinAngleDeg, angle);
  const limit = Math.cos((angle * Math.PI) / 180);
  for (const s of samples) {
    for (let r = 0; r < real.length; r++) assert.ok(cosine(s.embedding, stacked, r * DIM) <= limit + 1e-6, 'a written face is within the angle of a real identity');
    assert.ok(s.rejected >= 1 && s.attempts === s.rejected + 1, `rejected ${s.rejected}, attempts ${s.attempts}`);
  }
  assert.equal(Number(summary.samples) + Number(summary.droppedNearReal), N * K);
  assert.equal(Number(summary.rejectedNearReal), samples.reduce((a, s) => a + s.rejected, 0) + Number(summary.droppedNearReal) * 5);
  const manifest = readFileSync(join(out, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { rejected_near_real: number });
  assert.equal(manifest.length, samples.length);
  assert.ok(manifest.every((m) => m.rejected_near_real >= 1));

  // An angle nothing can meet: every sample is dropped (never written), each after 1 + max_retries tries.
  let dropped: typeof summary | undefined;
  for await (const ev of d.client.generate({ ...base, excludePath: realFile, excludeMinAngleDeg: 179, maxRetries: 1 })) {
    assert.equal(ev.sample, undefined, 'no face may come back');
    if (ev.summary) dropped = ev.summary;
  }
  assert.equal(Number(dropped!.samples), 0);
  assert.equal(Number(dropped!.droppedNearReal), N * K);
  assert.equal(Number(dropped!.rejectedNearReal), N * K * 2);

  // Bad input names the field.
  writeFileSync(join(dir, 'dim7.npy'), encodeNpyFloat32(new Float32Array(14).fill(0.5), 2, 7));
  const nan = Float32Array.from(stacked);
  nan[3] = Number.NaN;
  writeFileSync(join(dir, 'nan.npy'), encodeNpyFloat32(nan, real.length, DIM));
  const err = async (req: Partial<Parameters<typeof d.client.generate>[0]>) => {
    try {
      for await (const _ of d.client.generate({ ...base, ...req })) void _;
      return 'OK';
    } catch (e) {
      return `${(e as { code: string }).code} ${(e as Error).message}`;
    }
  };
  assert.match(await err({ excludePath: join(dir, 'nan.npy') }), /INVALID_ARGUMENT.*exclude_path.*row 0 contains NaN/);
  assert.match(await err({ excludePath: realFile, excludeMinAngleDeg: 180 }), /INVALID_ARGUMENT.*exclude_min_angle_deg/);
  assert.match(await err({ excludePath: join(dir, 'dim7.npy') }), /INVALID_ARGUMENT.*exclude_path.*7 dimensions/);
  assert.equal(await codeOf(d.client.generate({ ...base, excludePath: join(dir, 'missing.npy') })), 'NOT_FOUND');

  // The CLI: --exclude / --exclude-min-angle, counts in the --json summary.
  writeFileSync(join(dir, 'ids.npy'), encodeNpyFloat32(ids, N, DIM));
  const { stdout } = await run(
    process.execPath,
    [CLI, 'generate', '--embeddings', join(dir, 'ids.npy'), '--images-per-identity', String(K), '--seed', '5', '--out', join(dir, 'cli'), '--exclude', realFile, '--exclude-min-angle', String(angle), '--json', '--quiet', '--address', d.address],
    { timeout: 600_000 },
  );
  const s = JSON.parse(stdout.trim().split('\n').pop()!) as { rejected_near_real: number; dropped_near_real: number; exclude_min_angle_deg: number; samples: number };
  assert.equal(s.exclude_min_angle_deg, angle);
  assert.ok(s.rejected_near_real >= s.samples && s.samples + s.dropped_near_real === N * K);
});
