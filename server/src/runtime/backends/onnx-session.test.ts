// The CPU recognizer's session on its own thread (onnx-session-thread.ts): the model computes while
// the main thread's event loop stays free, cancellation stops a batch between images, buffers move
// only when the caller gives them up, and an idle recognizer never keeps the process alive.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { buildOnnxModel } from '../compute/onnx-graph.js';
import { validateModelEntry } from '../models/config.js';
import type { InputSpec } from '../models/config.js';
import { batchToInput } from './image-tensor.js';
import { createOnnxRecognizer } from './onnx.js';

const S = 16;
const D = 8;
const H = 1024;
const LAYERS = 8;
const wave = (n: number, f: number, scale: number): Float32Array => new Float32Array(n).map((_, i) => Math.sin(i * f) * scale);

/** A dense stack heavy enough (≈ 9 M multiply-adds per image) that a batch takes measurable time. */
function heavyModel(): Uint8Array {
  const nodes = [
    { op: 'Flatten', inputs: ['data'], outputs: ['h0'], attributes: { axis: 1 } },
    { op: 'MatMul', inputs: ['h0', 'w_in'], outputs: ['h1'] },
  ];
  for (let l = 1; l <= LAYERS; l++) nodes.push({ op: 'MatMul', inputs: [`h${l}`, 'w'], outputs: [`h${l + 1}`] });
  nodes.push({ op: 'MatMul', inputs: [`h${LAYERS + 1}`, 'w_out'], outputs: ['fc1'] });
  return buildOnnxModel({
    inputs: [{ name: 'data', dtype: 'float32', shape: ['N', 3, S, S] }],
    outputs: [{ name: 'fc1', dtype: 'float32', shape: ['N', D] }],
    initializers: [
      { name: 'w_in', dims: [3 * S * S, H], data: wave(3 * S * S * H, 0.37, 0.02) },
      { name: 'w', dims: [H, H], data: wave(H * H, 0.11, 0.03) },
      { name: 'w_out', dims: [H, D], data: wave(H * D, 0.53, 0.05) },
    ],
    nodes,
  });
}

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-onnx-thread-'));
  await writeFile(join(dir, 'heavy.onnx'), heavyModel());
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = () => validateModelEntry({ name: 'heavy', kind: 'recognizer', backend: 'onnx', files: [join(dir, 'heavy.onnx')], input: { size: S } }, 'models.entries[0]');
const images = (n: number): Uint8Array => new Uint8Array(n * S * S * 3).map((_, i) => (i * 29 + 7) % 256);

void test('a CPU recognizer computes off the main thread: the event loop stays mostly idle during a batch', async () => {
  const rec = await createOnnxRecognizer(entry());
  try {
    const n = 64;
    await rec.embed({ data: images(4), count: 4, size: S }); // warm-up
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    await rec.embed({ data: images(n), count: n, size: S });
    const ms = performance.now() - t0;
    const elu = performance.eventLoopUtilization(elu0);
    // Run on this thread, the model would keep the loop busy (utilization ≈ 1) for the whole batch.
    assert.ok(ms > 20, `the batch took ${ms.toFixed(1)} ms: too short to tell`);
    assert.ok(elu.utilization < 0.5, `event-loop utilization ${elu.utilization.toFixed(2)} over ${ms.toFixed(0)} ms`);
  } finally {
    await rec.dispose();
  }
});

void test('cancelling a batch stops it between images with CANCELLED; the recognizer keeps working', async () => {
  const rec = await createOnnxRecognizer(entry());
  try {
    const data = images(4);
    const expected = await rec.embed({ data, count: 4, size: S });
    const ctl = new AbortController();
    const n = 512;
    const pending = rec.embed({ data: images(n), count: n, size: S }, { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 5);
    await assert.rejects(pending, { code: 'CANCELLED' });
    assert.deepEqual(await rec.embed({ data, count: 4, size: S }), expected);
  } finally {
    await rec.dispose();
  }
});

void test('two batches sent at once run one after the other, not interleaved', async () => {
  const rec = await createOnnxRecognizer(entry());
  try {
    const n = 64;
    await rec.embed({ data: images(4), count: 4, size: S }); // warm-up
    const t0 = performance.now();
    const done: number[] = [];
    await Promise.all([0, 1].map((k) => rec.embed({ data: images(n), count: n, size: S }).then(() => (done[k] = performance.now() - t0))));
    // Interleaved image by image, both would end together (ratio ≈ 1); in turn, the first ends halfway.
    assert.ok(done[0]! < 0.75 * done[1]!, `first batch after ${done[0]!.toFixed(0)} ms, second after ${done[1]!.toFixed(0)} ms`);
  } finally {
    await rec.dispose();
  }
});

void test('crops move to the thread only when the caller gives up a buffer it owns whole', async () => {
  const rec = await createOnnxRecognizer(entry());
  try {
    const expected = await rec.embed({ data: images(3), count: 3, size: S });
    const kept = images(3);
    assert.deepEqual(await rec.embed({ data: kept, count: 3, size: S }), expected);
    assert.equal(kept.byteLength, 3 * S * S * 3, 'copied by default');
    const large = new Uint8Array(5 * S * S * 3);
    large.set(images(3), S * S * 3);
    const view = large.subarray(S * S * 3, 4 * S * S * 3);
    assert.deepEqual(await rec.embed({ data: view, count: 3, size: S }, { transferInput: true }), expected);
    assert.equal(large.byteLength, 5 * S * S * 3, 'a view into a larger buffer is copied, never detached');
    const given = images(3);
    assert.deepEqual(await rec.embed({ data: given, count: 3, size: S }, { transferInput: true }), expected);
    assert.equal(given.byteLength, 0, 'a whole buffer given up is moved (detached), not copied');
  } finally {
    await rec.dispose();
  }
});

void test('a pending embed keeps the process alive; an idle, undisposed recognizer does not', async () => {
  const script = `
    const { createOnnxRecognizer } = await import(${JSON.stringify(new URL('./onnx.js', import.meta.url).href)});
    const { validateModelEntry } = await import(${JSON.stringify(new URL('../models/config.js', import.meta.url).href)});
    const rec = await createOnnxRecognizer(validateModelEntry(${JSON.stringify({ name: 'heavy', kind: 'recognizer', backend: 'onnx', files: [join(dir, 'heavy.onnx')], input: { size: S } })}, 'm'));
    // Nothing else holds the loop open: only the pending request may.
    rec.embed({ data: new Uint8Array(2 * ${S * S * 3}), count: 2, size: ${S} }).then((rows) => console.log('rows', rows.length));
  `;
  const file = join(dir, 'child.mjs');
  await writeFile(file, script);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, `the child did not exit by itself: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`rows ${2 * D}`));
});

void test('batchToInput: crops at the input size give exactly (pixel·scale − mean)/std, every layout and colour order', () => {
  const n = 2;
  const data = images(n);
  for (const layout of ['NCHW', 'NHWC'] as const) {
    for (const colorOrder of ['RGB', 'BGR'] as const) {
      const spec: InputSpec = { ...entry().input, layout, colorOrder, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
      const x = batchToInput({ data, count: n, size: S }, 0, n, spec);
      for (let i = 0; i < n; i++) {
        for (let p = 0; p < S * S; p++) {
          for (let c = 0; c < 3; c++) {
            const px = data[i * S * S * 3 + p * 3 + (colorOrder === 'BGR' ? 2 - c : c)]!;
            const want = Math.fround(px * (spec.scale / spec.std[c]!) - spec.mean[c]! / spec.std[c]!);
            const at = layout === 'NCHW' ? i * S * S * 3 + c * S * S + p : i * S * S * 3 + p * 3 + c;
            assert.equal(x[at], want, `${layout} ${colorOrder} image ${i} pixel ${p} channel ${c}`);
          }
        }
      }
    }
  }
});
