// Dataset quality takes its reference identity embeddings from identities.npy (or references_path)
// only when they are in the space of the recognizer that embeds the dataset: the recognizer recorded
// in the sidecar must be that one (issue 12 item 5c); width alone is not enough.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeNpyFloat32 } from '@hyperface/sdk/npy';
import { InvalidArgumentError } from '../../shared/errors.js';
import type { FaceBatch } from '../../runtime/models/types.js';
import { evaluateDataset } from './dataset.js';
import { PathPolicy } from '../files/paths.js';

const DIM = 4;
const embedder = {
  async embedAligned(_recognizer: string | undefined, batch: FaceBatch): Promise<Float32Array> {
    const out = new Float32Array(batch.count * DIM);
    const px = batch.size * batch.size;
    for (let n = 0; n < batch.count; n++) {
      for (let i = 0; i < px; i++) for (let c = 0; c < 3; c++) out[n * DIM + c]! += batch.data[(n * px + i) * 3 + c]! / px - 128;
      out[n * DIM + 3] = 10;
    }
    return out;
  },
};

async function dataset(root: string, sidecar: Record<string, unknown> | undefined): Promise<string> {
  const ds = join(root, 'ds');
  for (let id = 0; id < 3; id++) {
    mkdirSync(join(ds, String(id)), { recursive: true });
    for (let k = 0; k < 2; k++) {
      const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 90 * id, g: 50 + 20 * k, b: 220 - 70 * id } } }).png().toBuffer();
      writeFileSync(join(ds, String(id), `${k}.png`), png);
    }
  }
  // References of the right width, but pointing away from the faces: usable or not changes the metric.
  const refs = Float32Array.from({ length: 3 * DIM }, (_, i) => (i % DIM === (i / DIM + 1) % 3 ? 1 : 0));
  writeFileSync(join(ds, 'identities.npy'), encodeNpyFloat32(refs, 3, DIM));
  if (sidecar) writeFileSync(join(ds, 'identities.json'), JSON.stringify(sidecar));
  return ds;
}

void test('identities.npy recorded for another recognizer is not used as the reference; the same one is', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hf-refs-'));
  const ds = await dataset(root, { kind: 'hyperface.pack', recognizer: 'other' });
  const other = await evaluateDataset({ path: ds }, { embedder, paths: new PathPolicy('/'), defaultRecognizer: 'gen' }, { imageSize: 16 });
  assert.notEqual(other.dataset.reference_source, 'reference');
  assert.match(other.dataset.reference_note ?? '', /made for recognizer other/);
  const explicitGen = await evaluateDataset({ path: ds }, { embedder, paths: new PathPolicy('/') }, { imageSize: 16, recognizer: 'other' });
  assert.equal(explicitGen.dataset.reference_source, 'reference');
  assert.equal(explicitGen.dataset.reference_note, undefined);
  // Pure geometry (no recognizer recorded) is in no recognizer's space.
  writeFileSync(join(ds, 'identities.json'), JSON.stringify({ kind: 'hyperface.pack', recognizer: null }));
  const geometry = await evaluateDataset({ path: ds }, { embedder, paths: new PathPolicy('/'), defaultRecognizer: 'gen' }, { imageSize: 16 });
  assert.notEqual(geometry.dataset.reference_source, 'reference');
  // An explicit references_path made for another recognizer is the caller's mistake.
  writeFileSync(join(ds, 'identities.json'), JSON.stringify({ kind: 'hyperface.pack', recognizer: 'other' }));
  await assert.rejects(evaluateDataset({ path: ds }, { embedder, paths: new PathPolicy('/'), defaultRecognizer: 'gen' }, { imageSize: 16, referencesPath: join(ds, 'identities.npy') }), InvalidArgumentError);
});

void test('identities.npy without a sidecar is matched by width, and says so', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hf-refs-'));
  const ds = await dataset(root, undefined);
  const out = await evaluateDataset({ path: ds }, { embedder, paths: new PathPolicy('/'), defaultRecognizer: 'gen' }, { imageSize: 16 });
  assert.equal(out.dataset.reference_source, 'reference');
  assert.match(out.dataset.reference_note ?? '', /no sidecar/);
});
