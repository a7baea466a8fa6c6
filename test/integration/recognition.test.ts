// Recognizers through the daemon: ListModels, the Embed stream (detection + alignment, aligned
// crops, per-item errors that do not end the stream), verification on a .bin written by our
// writer, and the CLI's `models --json` and `embed` against --address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { fromTensor, type EmbedRequest, type EmbedResponse__Output } from '@hyperface/sdk';
import { writeBin } from '@hyperface/server/domain/datasets/index';
import { CLI, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const demoDir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
let d: TestDaemon;

before(async () => {
  d = await startTestDaemon({ 'metrics.listen': '127.0.0.1:0' });
  await d.daemon.ready;
});
after(async () => {
  await d.stop();
});

test('ListModels shows the builtin recognizers ready, with their provider and dimension', async () => {
  const models = await d.client.listModels('MODEL_KIND_RECOGNIZER');
  const faceres = models.find((m) => m.name === 'faceres');
  assert.ok(faceres, 'faceres is registered');
  assert.equal(faceres.state, 'MODEL_STATE_READY');
  assert.equal(faceres.dim, 1024);
  assert.equal(faceres.isDefault, true);
  assert.ok(['wasm', 'tensorflow', 'cpu'].includes(faceres.provider), faceres.provider);
  assert.equal((await d.client.getModel('faceapi')).dim, 128);
  assert.equal(await d.client.health('hyperface.v1.RecognitionService'), 'SERVING');
});

test('Embed: detected faces come back normalised, a bad item gets an error and the stream goes on', async () => {
  const photo = readFileSync(join(demoDir, 'sample2.jpg'));
  const crop = await sharp(photo).resize(112, 112).png().toBuffer();
  const requests: EmbedRequest[] = [
    { id: 'photo', image: { encoded: photo }, largestFace: true },
    { id: 'garbage', image: { encoded: Buffer.from('definitely not an image') } },
    { id: 'aligned', image: { encoded: crop }, aligned: true, recognizer: 'faceapi' },
    { id: 'raw-bad', image: { raw: { height: 4, width: 4, channels: 3, data: Buffer.alloc(10) } } },
    { id: 'photo-again', image: { encoded: photo }, largestFace: true, flip: true },
  ];
  const responses: EmbedResponse__Output[] = [];
  for await (const r of d.client.embed(requests)) responses.push(r);
  assert.deepEqual(responses.map((r) => r.id), ['photo', 'garbage', 'aligned', 'raw-bad', 'photo-again'], 'one response per request, in order');
  const [photoRes, garbage, aligned, rawBad, again] = responses as [EmbedResponse__Output, EmbedResponse__Output, EmbedResponse__Output, EmbedResponse__Output, EmbedResponse__Output];
  assert.equal(photoRes.error, null);
  assert.equal(photoRes.alignment, 'five-point');
  assert.equal(photoRes.faces.length, 1);
  const e = fromTensor(photoRes.faces[0]!.embedding, 2);
  assert.deepEqual(e.shape, [1, 1024]);
  assert.ok(Math.abs(Math.hypot(...e.data) - 1) < 1e-4, 'L2-normalised');
  assert.equal(photoRes.faces[0]!.landmarks.length, 10);
  assert.equal(garbage.error?.code, 'INVALID_ARGUMENT');
  assert.equal(aligned.model, 'faceapi');
  assert.equal(aligned.alignment, 'none');
  assert.deepEqual(fromTensor(aligned.faces[0]!.embedding, 2).shape, [1, 128]);
  assert.equal(rawBad.error?.code, 'INVALID_ARGUMENT');
  const e2 = fromTensor(again.faces[0]!.embedding, 2);
  let cos = 0;
  for (let i = 0; i < e.data.length; i++) cos += e.data[i]! * e2.data[i]!;
  assert.ok(cos > 0.9, `the same face with flip TTA stays close (cos ${cos})`);
});

test('Embed: a long stream of raw aligned crops comes back in order, the same crop with the same embedding in any batch, without piling up listeners in the SDK', async () => {
  // 224×224×3 crops (150 kB each): the SDK waits for 'drain' many times; each wait must remove its
  // own listeners (it used to leave an 'error' listener behind per wait: MaxListenersExceededWarning).
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    const size = (await d.client.getModel('faceres')).imageSize;
    const crops = Array.from({ length: 4 }, (_, k) => Buffer.from(new Uint8Array(size * size * 3).map((_, i) => (i * (k + 3) + 11) % 256)));
    const n = 160;
    const requests = Array.from({ length: n }, (_, i): EmbedRequest => ({ id: String(i), recognizer: 'faceres', aligned: true, image: { raw: { height: size, width: size, channels: 3, data: crops[i % 4]! } } }));
    const out: EmbedResponse__Output[] = [];
    for await (const r of d.client.embed(requests)) out.push(r);
    assert.deepEqual(out.map((r) => r.id), requests.map((r) => r.id));
    assert.ok(out.every((r) => r.error === null && r.faces.length === 1));
    // Batched with other requests or not, a crop gets the same embedding every time.
    for (let i = 4; i < n; i++) {
      const a = fromTensor(out[i]!.faces[0]!.embedding, 2).data;
      const b = fromTensor(out[i % 4]!.faces[0]!.embedding, 2).data;
      assert.ok(a.every((v, j) => Math.abs(v - b[j]!) < 1e-5), `request ${i} differs from request ${i % 4}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings.filter((w) => w.includes('MaxListenersExceeded')), []);
  } finally {
    process.off('warning', onWarning);
  }
});

test('EvaluateVerification on an insightface .bin written by our writer', async () => {
  // Pairs of crops: same = a face and its slightly shifted copy; different = two people.
  const faces: Buffer[] = [];
  for (const name of ['sample2.jpg', 'sample3.jpg', 'sample4.jpg', 'sample5.jpg']) {
    const img = sharp(readFileSync(join(demoDir, name)));
    const meta = await img.metadata();
    const side = Math.min(meta.width, meta.height);
    faces.push(await sharp(readFileSync(join(demoDir, name))).extract({ left: Math.floor((meta.width - side) / 2), top: 0, width: side, height: side }).resize(112, 112).jpeg().toBuffer());
  }
  const images: Buffer[] = [];
  const issame: boolean[] = [];
  for (let p = 0; p < 20; p++) {
    const a = faces[p % faces.length]!;
    const same = p % 2 === 0;
    const b = same ? await sharp(a).modulate({ brightness: 1.05 }).jpeg().toBuffer() : faces[(p + 1) % faces.length]!;
    images.push(a, b);
    issame.push(same);
  }
  const dir = tempDir();
  const bin = join(dir, 'tiny.bin');
  await writeBin(bin, images, issame);
  let result;
  for await (const ev of d.client.evaluateVerification({ binPath: bin, folds: 2, reportDir: join(dir, 'report') })) if (ev.verification) result = ev.verification;
  assert.ok(result);
  assert.equal(result.pairs, 20);
  assert.ok(result.accuracyMean > 0.8, `accuracy ${result.accuracyMean}`);
  const json = JSON.parse(result.json) as Record<string, unknown>;
  for (const key of ['accuracy_mean', 'accuracy_std', 'best_threshold', 'eer', 'auc', 'tar_at_far']) assert.ok(key in json, key);
  assert.ok(readFileSync(join(dir, 'report', 'report.html'), 'utf8').includes('<svg'));
});

test('CLI: `models --json` and `embed` against --address', async () => {
  const { stdout } = await run(process.execPath, [CLI, 'models', '--address', d.address, '--json']);
  const models = (JSON.parse(stdout.trim().split('\n').pop()!) as { models: { name: string; kind: string; backend: string; dim: number; provider: string; state: string }[] }).models;
  assert.ok(models.some((m) => m.name === 'faceres' && m.kind === 'recognizer' && m.backend === 'onnx' && m.dim === 1024 && m.state === 'ready'));
  const out = join(tempDir(), 'e.npy');
  const res = await run(process.execPath, [CLI, 'embed', '--address', d.address, '--largest-face', '--out', out, '--json', join(demoDir, 'sample2.jpg'), join(demoDir, 'sample3.jpg')]);
  const summary = JSON.parse(res.stdout.trim().split('\n').pop()!) as { rows: number; dim: number };
  assert.equal(summary.rows, 2);
  assert.equal(summary.dim, 1024);
  const sidecar = JSON.parse(readFileSync(out.replace(/\.npy$/, '.json'), 'utf8')) as { rows: { source: string; box: unknown }[] };
  assert.ok(sidecar.rows[0]!.source.endsWith('sample2.jpg'));
});

test('domain metrics: embeddings, batch sizes, model latency, pool utilisation', async () => {
  const text = await (await fetch(`http://127.0.0.1:${d.daemon.metricsPort}/metrics`)).text();
  assert.match(text, /hyperface_embeddings(_total)?\{[^}]*model="faceres"[^}]*\} [1-9]/);
  assert.match(text, /hyperface_batch_size_count\{[^}]*model="faceres"/);
  assert.match(text, /hyperface_model_latency(_seconds)?_sum\{/);
  assert.match(text, /hyperface_pool_utilization /);
  assert.match(text, /hyperface_jobs\{[^}]*state="succeeded"/);
});

test('Pack with an image-folder gallery: faces detected, embedded by the recognizer, then packed near them', async () => {
  const { copyFileSync, mkdirSync } = await import('node:fs');
  const dir = join(tempDir(), 'gallery');
  mkdirSync(dir);
  for (const name of ['sample2.jpg', 'sample3.jpg', 'sample4.jpg', 'sample5.jpg']) copyFileSync(join(demoDir, name), join(dir, name));
  let result;
  for await (const ev of d.client.pack({ identities: 4, gallery: { imageDir: dir }, iterations: 100, alpha: 1 })) if (ev.result) result = ev.result;
  assert.ok(result);
  assert.deepEqual(result.shape, [4, 1024], 'dim taken from the recognizer');
  assert.ok(result.metrics!.meanGalleryDistance < 0.5, `points stay near the gallery (${result.metrics!.meanGalleryDistance})`);
  assert.ok(result.metrics!.minAngleDeg > 30);
});
