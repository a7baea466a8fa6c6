import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createOnnxRecognizer } from '../backends/onnx.js';
import { createTfjsRecognizer } from '../backends/tfjs.js';
import type { ModelConfigEntry } from '../models/config.js';
import { PreprocessPool } from '../pool/pool.js';
import type { FaceBatch, Recognizer } from '../models/types.js';

const demoDir = fileURLToPath(new URL('../../../../node_modules/@vladmandic/face-api/demo/', import.meta.url));
const pool = new PreprocessPool({ workers: 2, maxQueue: 64 });
after(() => pool.close());

/** Every face of the six face-api demo photos, aligned to `size`. */
async function demoFaces(size: number): Promise<FaceBatch> {
  const crops: Uint8Array[] = [];
  for (let i = 1; i <= 6; i++) {
    const r = await pool.prepare({ encoded: new Uint8Array(await readFile(join(demoDir, `sample${i}.jpg`))), aligned: false, largestFace: false, flip: false, size });
    for (const f of r.faces) crops.push(f.crop);
  }
  const data = new Uint8Array(crops.length * size * size * 3);
  crops.forEach((c, i) => data.set(c, i * size * size * 3));
  return { data, count: crops.length, size };
}

function cosines(a: Float32Array, b: Float32Array, dim: number): number[] {
  const out: number[] = [];
  for (let r = 0; r * dim < a.length; r++) {
    let d = 0;
    let na = 0;
    let nb = 0;
    for (let i = r * dim; i < (r + 1) * dim; i++) {
      d += (a[i] ?? 0) * (b[i] ?? 0);
      na += (a[i] ?? 0) ** 2;
      nb += (b[i] ?? 0) ** 2;
    }
    out.push(d / Math.sqrt(na * nb));
  }
  return out;
}

const raw = { colorOrder: 'RGB' as const, scale: 1, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
const faceres: ModelConfigEntry = {
  name: 'faceres',
  kind: 'recognizer',
  backend: 'tfjs',
  files: ['builtin:@vladmandic/human/models/faceres.json'],
  input: { size: 224, layout: 'NHWC', ...raw },
  output: { name: 'global_pooling/Mean', dim: 1024 },
  providers: ['cpu'],
  options: {},
};
const faceapi: ModelConfigEntry = {
  name: 'faceapi',
  kind: 'recognizer',
  backend: 'tfjs',
  files: ['builtin:@vladmandic/face-api/model/face_recognition_model-weights_manifest.json'],
  input: { size: 150, layout: 'NHWC', ...raw },
  output: { dim: 128 },
  providers: ['cpu'],
  options: {},
};

let faces224: FaceBatch;
let faces150: FaceBatch;
before(async () => {
  faces224 = await demoFaces(224);
  faces150 = await demoFaces(150);
});

async function parity(entry: ModelConfigEntry, faces: FaceBatch): Promise<number[]> {
  assert.ok(faces.count >= 15, `the demo photos give ${faces.count} faces`);
  const recognizers: Recognizer[] = [];
  try {
    const tfjs = await createTfjsRecognizer(entry);
    recognizers.push(tfjs);
    // The converted graph takes NCHW directly (no transpose in the graph).
    const onnx = await createOnnxRecognizer({ ...entry, backend: 'onnx', input: { ...entry.input, layout: 'NCHW' } });
    recognizers.push(onnx);
    assert.equal(onnx.info.backend, 'onnx');
    assert.equal(onnx.info.dim, tfjs.info.dim);
    return cosines(await onnx.embed(faces), await tfjs.embed(faces), onnx.info.dim);
  } finally {
    for (const r of recognizers) await r.dispose();
  }
}

void test('faceres converted to ONNX gives the tfjs embeddings on the demo photos (cosine >= 0.9999)', async () => {
  const cos = await parity(faceres, faces224);
  for (const [i, c] of cos.entries()) assert.ok(c >= 0.9999, `face ${i}: cosine ${c}`);
});

void test("face-api's ResNet-34 rebuilt in ONNX gives face-api's descriptors on the demo photos (cosine >= 0.9999)", async () => {
  const cos = await parity(faceapi, faces150);
  for (const [i, c] of cos.entries()) assert.ok(c >= 0.9999, `face ${i}: cosine ${c}`);
});
