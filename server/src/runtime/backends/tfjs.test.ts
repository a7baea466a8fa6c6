import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FailedPreconditionError, InvalidArgumentError } from '../../shared/errors.js';
import { builtinModels, validateModelEntry } from '../models/config.js';
import type { ModelConfigEntry } from '../models/config.js';
import { createOnnxRecognizer } from './onnx.js';
import { createTfjsRecognizer } from './tfjs.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const demo = join(repoRoot, 'node_modules/@vladmandic/face-api/demo/sample1.jpg');

function builtin(name: string): ModelConfigEntry {
  const e = builtinModels().find((m) => m.name === name);
  assert.ok(e, `builtin ${name}`);
  return e;
}

/** The builtin's model files declared by a user as a tfjs model (the builtins themselves run on onnx). */
function declaredTfjs(name: string): ModelConfigEntry {
  const e = builtin(name);
  return { ...e, backend: 'tfjs', input: { ...e.input, layout: 'NHWC' }, tfjs: { format: name === 'faceapi' ? 'face-api' : 'graph-model' } };
}

// Runs @vladmandic/human's own Node (wasm) pipeline in a child process: detect + mesh crop +
// faceres description. Returns the crop it fed faceres (0–1 floats rounded to uint8) and its descriptor.
const HUMAN_SCRIPT = String.raw`const http = require('node:http'); const fs = require('node:fs'); const path = require('node:path');
const sharp = require('sharp');
const root = process.cwd();
const humanDir = path.join(root, 'node_modules/@vladmandic/human');
const H = require(path.join(humanDir, 'dist/human.node-wasm.js'));
const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/';
(async () => {
  const server = http.createServer((req, res) => { const f = path.join(humanDir, 'models', path.basename(req.url)); fs.readFile(f, (e, b) => { if (e) { res.statusCode = 404; res.end(); } else res.end(b); }); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const human = new H.Human({ backend: 'wasm', wasmPath: wasmDir, modelBasePath: 'http://127.0.0.1:' + server.address().port + '/', debug: false, cacheModels: false,
    face: { enabled: true, detector: { return: true, rotation: false, maxDetected: 1 }, mesh: { enabled: true }, iris: { enabled: false }, emotion: { enabled: false }, description: { enabled: true }, antispoof: { enabled: false }, liveness: { enabled: false }, attention: { enabled: false } },
    body: { enabled: false }, hand: { enabled: false }, object: { enabled: false }, gesture: { enabled: false }, segmentation: { enabled: false }, filter: { enabled: false } });
  await human.load();
  const img = process.argv[1];
  const { data, info } = await sharp(img).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const t = human.tf.tensor4d(new Float32Array(data), [1, info.height, info.width, 3], 'float32');
  const res = await human.detect(t);
  const face = res.face[0];
  const crop = face.tensor; 
  const vals = await crop.data();
  const u8 = Buffer.alloc(vals.length); for (let i = 0; i < vals.length; i++) u8[i] = Math.max(0, Math.min(255, Math.round(vals[i] * 255)));
  process.stdout.write(JSON.stringify({ backend: human.tf.getBackend(), shape: crop.shape, embedding: face.embedding, crop: u8.toString('base64'), box: face.box }));
  server.close();
})();
`;

interface HumanResult { backend: string; shape: number[]; embedding: number[]; crop: string }

void test("faceres, declared as tfjs and as the builtin (converted to onnx), reproduces @vladmandic/human's own descriptor on the same crop (cosine >= 0.999)", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', HUMAN_SCRIPT, demo], { cwd: repoRoot, maxBuffer: 64 << 20 });
  const ref = JSON.parse(stdout) as HumanResult;
  assert.equal(ref.embedding.length, 1024);
  const size = ref.shape[0] ?? 0;
  assert.equal(ref.shape[1], size);
  for (const rec of [await createTfjsRecognizer(declaredTfjs('faceres')), await createOnnxRecognizer(builtin('faceres'))]) {
    try {
      assert.equal(rec.info.dim, 1024);
      const out = await rec.embed({ data: new Uint8Array(Buffer.from(ref.crop, 'base64')), count: 1, size });
      let dot = 0;
      let nn = 0;
      ref.embedding.forEach((v, i) => {
        dot += v * (out[i] ?? 0);
        nn += v * v;
      });
      const cos = dot / Math.sqrt(nn);
      assert.ok(cos >= 0.999, `${rec.info.backend}: cosine ${cos}`);
    } finally {
      await rec.dispose();
    }
  }
});

void test('tfjs faceapi recognizer: 128-d unit rows at any crop size and batch', async () => {
  const rec = await createTfjsRecognizer(declaredTfjs('faceapi'));
  try {
    assert.equal(rec.info.dim, 128);
    assert.ok(['wasm', 'tensorflow', 'cpu'].includes(rec.info.provider));
    const n = 3;
    const s = 112;
    const data = new Uint8Array(n * s * s * 3).map((_, i) => (i * 31 + Math.floor(i / (s * s * 3)) * 97) % 256);
    const out = await rec.embed({ data, count: n, size: s });
    assert.equal(out.length, n * 128);
    for (let r = 0; r < n; r++) {
      const row = out.subarray(r * 128, (r + 1) * 128);
      const norm = Math.hypot(...row);
      assert.ok(Math.abs(norm - 1) < 1e-4, `row ${r} norm ${norm}`);
    }
    await assert.rejects(rec.embed({ data: new Uint8Array(10), count: 1, size: s }), InvalidArgumentError);
  } finally {
    await rec.dispose();
  }
});

void test('tfjs: a broken model file fails with FAILED_PRECONDITION naming the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hf-tfjs-'));
  try {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{"format": "graph-model"');
    const entry = validateModelEntry({ name: 'broken', kind: 'recognizer', backend: 'tfjs', files: [file] }, 'models[0]');
    await assert.rejects(createTfjsRecognizer(entry), (e: unknown) => e instanceof FailedPreconditionError && e.message.includes(file));
    const missing = validateModelEntry({ name: 'missing', kind: 'recognizer', backend: 'tfjs', files: [join(dir, 'nope.json')] }, 'models[0]');
    await assert.rejects(createTfjsRecognizer(missing), (e: unknown) => e instanceof FailedPreconditionError && e.message.includes('nope.json'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
