import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { FailedPreconditionError, InvalidArgumentError } from '../../shared/errors.js';
import { validateModelEntry } from '../models/config.js';
import type { Generator, VariationSettings } from '../models/types.js';
import { generatorBackendFactories } from './generators.js';
import { kserveService } from './kserve.js';

const D = 6;
const Z = 3;
const H = 8;
const V: VariationSettings = { beta: 0, pose: 0, color: 0, background: 0, accessories: 0 };
let server: grpc.Server;
let url = '';
const shapes: number[][][] = [];

interface InferReq {
  model_name: string;
  inputs: { name: string; datatype: string; shape: number[] }[];
  raw_input_contents: Buffer[];
}

// A fake Triton generator: "gen" maps (embedding, noise) to FP32 [n, 3, H, W] in [-1, 1];
// "gen8" returns UINT8 [n, H, W, 3].
before(async () => {
  server = new grpc.Server();
  server.addService(kserveService().service, {
    ModelReady: (c: grpc.ServerUnaryCall<{ name: string }, object>, cb: grpc.sendUnaryData<object>) => cb(null, { ready: c.request.name.startsWith('gen') }),
    ModelMetadata: (c: grpc.ServerUnaryCall<{ name: string }, object>, cb: grpc.sendUnaryData<object>) =>
      cb(null, {
        name: c.request.name,
        versions: ['1'],
        platform: 'fake',
        inputs: [
          { name: 'input', datatype: 'FP32', shape: [-1, D] },
          { name: 'noise', datatype: 'FP32', shape: [-1, Z] },
        ],
        outputs: [{ name: 'output', datatype: c.request.name === 'gen8' ? 'UINT8' : 'FP32', shape: c.request.name === 'gen8' ? [-1, H, H, 3] : [-1, 3, H, H] }],
      }),
    ModelInfer: (c: grpc.ServerUnaryCall<InferReq, object>, cb: grpc.sendUnaryData<object>) => {
      const req = c.request;
      shapes.push(req.inputs.map((i) => i.shape.map(Number)));
      const f = (b: Buffer | undefined): Float32Array => (b ? new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) : new Float32Array());
      const emb = f(req.raw_input_contents[0]);
      const noise = f(req.raw_input_contents[1]);
      const n = Number(req.inputs[0]?.shape[0] ?? 0);
      const per = 3 * H * H;
      if (req.model_name === 'gen8') {
        const y = new Uint8Array(n * per);
        for (let i = 0; i < n; i++) for (let k = 0; k < per; k++) y[i * per + k] = Math.round(127.5 + 127 * Math.tanh((emb[i * D + (k % D)] ?? 0) * 3));
        cb(null, { outputs: [{ name: 'output', datatype: 'UINT8', shape: [n, H, H, 3] }], raw_output_contents: [Buffer.from(y)] });
        return;
      }
      const y = new Float32Array(n * per);
      for (let i = 0; i < n; i++) for (let k = 0; k < per; k++) y[i * per + k] = Math.tanh((emb[i * D + (k % D)] ?? 0) * 2 + (noise[i * Z + (k % Z)] ?? 0));
      cb(null, { outputs: [{ name: 'output', datatype: 'FP32', shape: [n, 3, H, H] }], raw_output_contents: [Buffer.from(y.buffer)] });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  url = `127.0.0.1:${port}`;
});
after(() => {
  server.forceShutdown();
});

function entry(modelName: string, options: Record<string, unknown> = {}) {
  return validateModelEntry({ name: 'remote-gen', kind: 'generator', backend: 'kserve-v2', kserve: { url, modelName, maxBatch: 2 }, options }, 'models.entries[0]');
}

function unit(seed: number): Float32Array {
  const x = new Float32Array(D).map((_, i) => Math.sin(seed * 7 + i));
  const n = Math.hypot(...x);
  return x.map((v) => v / n);
}

void test('kserve-v2 generator: metadata gives dim and size; batches split; the seed drives the noise', async () => {
  const factory = generatorBackendFactories['kserve-v2'];
  assert.ok(factory);
  const gen = (await factory(entry('gen', { noiseInput: 'noise', imageSize: 16 }), {})) as Generator;
  try {
    assert.equal(gen.info.kind, 'generator');
    assert.equal(gen.info.dim, D);
    assert.equal(gen.info.imageSize, 16);
    shapes.length = 0;
    const items = [1, 2, 3].map((s) => ({ embedding: unit(1), seed: s, variation: V }));
    const a = await gen.render(items);
    assert.deepEqual(shapes.map((s) => s[0]?.[0]), [2, 1]);
    assert.deepEqual(shapes[0]?.[1], [2, Z]);
    assert.equal(a[0]?.data.length, 16 * 16 * 3);
    const b = await gen.render(items);
    assert.deepEqual(a.map((x) => x.data), b.map((x) => x.data));
    assert.notDeepEqual(a[0]?.data, a[1]?.data);
    await assert.rejects(gen.render([{ embedding: new Float32Array(2), seed: 0, variation: V }]), InvalidArgumentError);
  } finally {
    await gen.dispose();
  }
});

void test('kserve-v2 generator: UINT8 HWC outputs; unready models fail with FAILED_PRECONDITION', async () => {
  const factory = generatorBackendFactories['kserve-v2'];
  assert.ok(factory);
  const gen = (await factory(entry('gen8'), {})) as Generator;
  try {
    assert.equal(gen.info.imageSize, H);
    const [img] = await gen.render([{ embedding: unit(2), seed: 0, variation: V }]);
    assert.equal(img?.data.length, H * H * 3);
  } finally {
    await gen.dispose();
  }
  await assert.rejects(factory(entry('nope'), {}), FailedPreconditionError);
});
