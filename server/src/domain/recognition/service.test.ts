import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NotFoundError } from '../../shared/errors.js';
import { buildOnnxModel } from '../../runtime/compute/onnx-graph.js';
import { validateModelsConfig } from '../../runtime/models/config.js';
import { ModelRepository } from '../../runtime/models/repository.js';
import { PreprocessPool } from '../../runtime/pool/pool.js';
import type { Recognizer } from '../../runtime/models/types.js';
import { BATCHES_IN_FLIGHT, RecognitionService } from './service.js';

const S = 16;
const D = 6;
let dir = '';
let models: ModelRepository;
let pool: PreprocessPool;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-recog-'));
  const w = new Float32Array(3 * S * S * D).map((_, i) => Math.cos(i * 0.11));
  await writeFile(
    join(dir, 'tiny.onnx'),
    buildOnnxModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3, S, S] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['N', D] }],
      initializers: [{ name: 'w', dims: [3 * S * S, D], data: w }],
      nodes: [
        { op: 'Flatten', inputs: ['x'], outputs: ['f'], attributes: { axis: 1 } },
        { op: 'MatMul', inputs: ['f', 'w'], outputs: ['y'] },
      ],
    }),
  );
  const cfg = validateModelsConfig({ builtin: false, entries: [{ name: 'tiny', kind: 'recognizer', backend: 'onnx', files: [join(dir, 'tiny.onnx')], input: { size: S } }] });
  models = await ModelRepository.create(cfg);
  pool = new PreprocessPool({ workers: 1 });
});
after(async () => {
  await pool.close();
  await models.dispose();
  await rm(dir, { recursive: true, force: true });
});

const crop = (seed: number) => new Uint8Array(S * S * 3).map((_, i) => (i * seed + 17) % 256);

void test('dynamic batching gathers concurrent calls into few model calls with the same results', async () => {
  const svc = new RecognitionService(models, pool, { maxBatch: 4, maxDelayMs: 20 });
  const direct = models.recognizer('tiny');
  const outs = await Promise.all(Array.from({ length: 10 }, (_, i) => svc.embedAligned(undefined, { data: crop(i + 1), count: 1, size: S })));
  const stats = svc.stats();
  assert.ok(stats.calls <= 4, `10 single-crop calls made ${stats.calls} model calls`);
  assert.ok(stats.recentBatchSizes.every((n) => n <= 4));
  assert.equal(stats.crops, 10);
  for (let i = 0; i < 10; i++) {
    const ref = await direct.embed({ data: crop(i + 1), count: 1, size: S });
    outs[i]!.forEach((v, j) => assert.ok(Math.abs(v - (ref[j] ?? 0)) < 1e-5));
  }
});

void test('embed(): aligned raw crop through the pool, flip TTA, cancellation and unknown recognizer', async () => {
  const svc = new RecognitionService(models, pool, { maxBatch: 8, maxDelayMs: 1 });
  const raw = { width: 40, height: 40, channels: 3, data: new Uint8Array(40 * 40 * 3).map((_, i) => (i * 7) % 256) };
  const res = await svc.embed({ image: { raw }, aligned: true, largestFace: false, flip: false });
  assert.equal(res.model, 'tiny');
  assert.equal(res.alignment, 'none');
  assert.equal(res.faces.length, 1);
  assert.deepEqual(res.faces[0]?.box, { x: 0, y: 0, width: 40, height: 40 });
  assert.ok(Math.abs(Math.hypot(...res.faces[0].embedding) - 1) < 1e-5);
  const flipped = await svc.embed({ image: { raw }, aligned: true, largestFace: false, flip: true });
  assert.ok(Math.abs(Math.hypot(...flipped.faces[0]!.embedding) - 1) < 1e-5);
  const ctl = new AbortController();
  ctl.abort();
  await assert.rejects(svc.embed({ image: { raw }, aligned: true, largestFace: false, flip: false }, { signal: ctl.signal }), { code: 'CANCELLED' });
  await assert.rejects(svc.embedAligned('nope', { data: crop(1), count: 1, size: S }), NotFoundError);
  await assert.rejects(svc.embedAligned(undefined, { data: crop(1), count: 2, size: S }), { code: 'INVALID_ARGUMENT' });
});

void test('flip fuses as insightface: the raw outputs of a crop and its mirror are added, then normalised', async () => {
  const svc = new RecognitionService(models, pool, { maxBatch: 8, maxDelayMs: 1 });
  const direct = models.recognizer('tiny');
  const data = crop(3);
  const mirrored = new Uint8Array(data.length);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) mirrored[(y * S + (S - 1 - x)) * 3 + c] = data[(y * S + x) * 3 + c]!;
  const a = await direct.embed({ data, count: 1, size: S }, { raw: true });
  const b = await direct.embed({ data: mirrored, count: 1, size: S }, { raw: true });
  const norm = (v: ArrayLike<number>): number => Math.hypot(...Array.from(v));
  // The two raw outputs differ in length, so the two ways of fusing give different answers.
  assert.ok(Math.abs(norm(a) - norm(b)) > 0.05 * Math.max(norm(a), norm(b)), `raw norms ${norm(a)} and ${norm(b)}`);
  const sum = Array.from(a, (v, j) => v + b[j]!);
  const expected = sum.map((v) => v / norm(sum));
  const fused = await svc.embedAligned(undefined, { data, count: 1, size: S }, { flip: true });
  fused.forEach((v, j) => assert.ok(Math.abs(v - expected[j]!) < 1e-5, `component ${j}: ${v} vs ${expected[j]}`));
  const viaEmbed = await svc.embed({ image: { raw: { width: S, height: S, channels: 3, data } }, aligned: true, largestFace: false, flip: true });
  viaEmbed.faces[0]!.embedding.forEach((v, j) => assert.ok(Math.abs(v - expected[j]!) < 1e-5));
  // raw rows come through the batcher unnormalised.
  const rawRows = await svc.embedAligned(undefined, { data, count: 1, size: S }, { raw: true });
  assert.ok(Math.abs(norm(rawRows) - norm(a)) < 1e-3 * norm(a));
});

void test('batches are pipelined: the next one reaches the recognizer before the current one returns, in order, never more than BATCHES_IN_FLIGHT', async () => {
  let active = 0;
  let most = 0;
  const seen: number[] = [];
  const slow: Recognizer = {
    info: { ...models.recognizer('tiny').info, name: 'slow' },
    embed: async (batch) => {
      for (let i = 0; i < batch.count; i++) seen.push(batch.data[i * S * S * 3 + 1]! - 17); // crop(seed)[1] = seed + 17
      most = Math.max(most, ++active);
      await new Promise((resolve) => setTimeout(resolve, 30));
      active--;
      return new Float32Array(batch.count * D).fill(1);
    },
    dispose: async () => undefined,
  };
  const repo = { recognizer: () => slow } as unknown as ModelRepository;
  const svc = new RecognitionService(repo, pool, { maxBatch: 2, maxDelayMs: 1 });
  const outs = await Promise.all(Array.from({ length: 12 }, (_, i) => svc.embedAligned('slow', { data: crop(i + 1), count: 1, size: S })));
  assert.equal(outs.length, 12);
  assert.equal(BATCHES_IN_FLIGHT, 2);
  assert.equal(most, BATCHES_IN_FLIGHT, `at most ${most} model call(s) ran at once`);
  assert.deepEqual(seen, Array.from({ length: 12 }, (_, i) => i + 1), 'crops reach the recognizer in the order they were submitted');
  assert.equal(svc.stats().crops, 12);
});
