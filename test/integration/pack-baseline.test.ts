// Pack's unoptimised baselines (issue 14 item 4): `random` (uniform on the sphere) and
// `random-gallery` (gallery rows drawn without packing), both seeded, through the SDK and the CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectPack, decodeNpyMatrix, type HyperfaceError } from '@hyperface/sdk';
import { toTensor } from '@hyperface/sdk/tensor';
import { encodeNpyFloat32 } from '@hyperface/sdk/npy';
import { CLI, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { unitRows } from '../helpers/calls.js';

const run = promisify(execFile);
let d: TestDaemon;
before(async () => {
  d = await startTestDaemon({}, { models: false });
});
after(async () => {
  await d.stop();
});

const G = 40;
const D = 8;
const gallery = Float32Array.from({ length: G * D }, (_, k) => Math.sin(k * 12.9898) * 43758.5453 % 1);

void test('pack --mode random: seeded unit rows, no optimisation step', async () => {
  const req = { identities: 50, dim: D, gallery: { none: true }, mode: 'PACK_MODE_RANDOM' as const, streamEmbeddings: true };
  const a = await collectPack(d.client.pack({ ...req, seed: 3 }));
  const b = await collectPack(d.client.pack({ ...req, seed: 3 }));
  const c = await collectPack(d.client.pack({ ...req, seed: 4 }));
  assert.equal(a.result.iterationsRun, 0);
  assert.deepEqual(Buffer.from(a.embeddings!.data.buffer), Buffer.from(b.embeddings!.data.buffer));
  assert.notDeepEqual(Buffer.from(a.embeddings!.data.buffer), Buffer.from(c.embeddings!.data.buffer));
  const x = a.embeddings!.data;
  for (let r = 0; r < 50; r++) {
    let s = 0;
    for (let k = 0; k < D; k++) s += x[r * D + k]! ** 2;
    assert.ok(Math.abs(s - 1) < 1e-5);
  }
  // a packed run from the same seed separates the identities much better than the baseline
  const packed = await collectPack(d.client.pack({ ...req, mode: 'PACK_MODE_PAPER', iterations: 200, seed: 3 }));
  assert.ok(packed.result.metrics!.minAngleDeg > a.result.metrics!.minAngleDeg + 5, `${a.result.metrics!.minAngleDeg} vs packed ${packed.result.metrics!.minAngleDeg}`);
});

void test('pack --mode random-gallery: distinct gallery rows drawn by the seed; no gallery is INVALID_ARGUMENT', async () => {
  const req = { identities: 12, dim: D, gallery: { embeddings: toTensor(gallery, [G, D]) }, mode: 'PACK_MODE_RANDOM_GALLERY' as const, streamEmbeddings: true };
  const a = await collectPack(d.client.pack({ ...req, seed: 1 }));
  const b = await collectPack(d.client.pack({ ...req, seed: 2 }));
  const unit = unitRows(gallery, G, D);
  const rowsOf = (x: Float32Array) =>
    Array.from({ length: 12 }, (_, r) => {
      const hit = Array.from({ length: G }, (_, g) => g).find((g) => Array.from({ length: D }, (_, k) => Math.abs(unit[g * D + k]! - x[r * D + k]!)).every((e) => e < 1e-6));
      assert.ok(hit !== undefined, `row ${r} is not a gallery row`);
      return hit;
    });
  const ra = rowsOf(a.embeddings!.data);
  assert.equal(new Set(ra).size, 12, 'drawn without replacement');
  assert.notDeepEqual(ra, rowsOf(b.embeddings!.data));
  const err = await collectPack(d.client.pack({ ...req, gallery: { none: true } })).then(
    () => null,
    (e: HyperfaceError) => e,
  );
  assert.equal(err?.code, 'INVALID_ARGUMENT');
  assert.match(err.message, /gallery/);
});

void test('hyperface pack --mode random and random-gallery from the CLI', async () => {
  const dir = tempDir();
  const gal = join(dir, 'g.npy');
  writeFileSync(gal, encodeNpyFloat32(gallery, G, D));
  for (const mode of ['random', 'random-gallery']) {
    const out = join(dir, `${mode}.npy`);
    const args = [CLI, 'pack', '--identities', '10', '--dim', String(D), '--gallery', mode === 'random' ? 'none' : gal, '--mode', mode, '--seed', '7', '--out', out, '--address', d.address, '--json'];
    const { stdout } = await run(process.execPath, args);
    const s = JSON.parse(stdout.trim().split('\n').pop()!) as { min_angle_deg: number; shape: number[] };
    assert.deepEqual(s.shape, [10, D]);
    const m = decodeNpyMatrix(new Uint8Array(readFileSync(out)));
    assert.equal(m.rows, 10);
  }
});
