import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { FailedPreconditionError, InvalidArgumentError } from '../../shared/errors.js';
import { validateModelEntry } from '../models/config.js';
import { createKServeRecognizer, KServeClient, kserveService } from './kserve.js';

const D = 4;
const S = 8;
let server: grpc.Server;
let url = '';
const calls: { shape: number[]; model: string }[] = [];

interface InferReq {
  model_name: string;
  inputs: { name: string; datatype: string; shape: number[] }[];
  outputs: { name: string }[];
  raw_input_contents: Buffer[];
}

// A fake Triton: model "sum" maps each [3, S, S] image to D sums over strided pixels.
before(async () => {
  server = new grpc.Server();
  server.addService(kserveService().service, {
    ServerLive: (_c: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { live: true }),
    ServerReady: (_c: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { ready: true }),
    ModelReady: (c: grpc.ServerUnaryCall<{ name: string }, object>, cb: grpc.sendUnaryData<object>) => cb(null, { ready: c.request.name === 'sum' }),
    ModelMetadata: (c: grpc.ServerUnaryCall<{ name: string }, object>, cb: grpc.sendUnaryData<object>) =>
      cb(null, { name: c.request.name, versions: ['1'], platform: 'fake', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 3, S, S] }], outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, D] }] }),
    ModelInfer: (c: grpc.ServerUnaryCall<InferReq, object>, cb: grpc.sendUnaryData<object>) => {
      const req = c.request;
      const inp = req.inputs[0];
      const raw = req.raw_input_contents[0];
      if (!inp || !raw || inp.shape.length !== 4 || inp.shape[1] !== 3) {
        cb({ code: grpc.status.INVALID_ARGUMENT, details: 'unexpected input shape' });
        return;
      }
      calls.push({ shape: inp.shape.map(Number), model: req.model_name });
      const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      const n = Number(inp.shape[0]);
      const per = x.length / n;
      const y = new Float32Array(n * D);
      for (let i = 0; i < n; i++) for (let k = 0; k < per; k++) y[i * D + (k % D)]! += (x[i * per + k] ?? 0) + 2;
      cb(null, { model_name: req.model_name, outputs: [{ name: 'output', datatype: 'FP32', shape: [n, D] }], raw_output_contents: [Buffer.from(y.buffer)] });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  url = `127.0.0.1:${port}`;
});
after(() => {
  server.forceShutdown();
});

function entry(modelName = 'sum', extra: Record<string, unknown> = {}) {
  return validateModelEntry({ name: 'remote', kind: 'recognizer', backend: 'kserve-v2', input: { size: S }, kserve: { url: `grpc://${url}`, modelName, maxBatch: 3, ...extra } }, 'models.entries[0]');
}

void test('kserve-v2 recognizer: metadata gives the dim; batches split at maxBatch; rows are unit length', async () => {
  const rec = await createKServeRecognizer(entry());
  try {
    assert.equal(rec.info.dim, D);
    assert.equal(rec.info.provider, 'remote');
    calls.length = 0;
    const n = 5;
    const data = new Uint8Array(n * S * S * 3).map((_, i) => (i * 7) % 256);
    const out = await rec.embed({ data, count: n, size: S });
    assert.equal(out.length, n * D);
    assert.deepEqual(calls.map((c) => c.shape[0]), [3, 2]);
    assert.deepEqual(calls[0]?.shape, [3, 3, S, S]);
    for (let r = 0; r < n; r++) assert.ok(Math.abs(Math.hypot(...out.subarray(r * D, (r + 1) * D)) - 1) < 1e-5);
    await assert.rejects(rec.embed({ data: new Uint8Array(3), count: 1, size: S }), InvalidArgumentError);
  } finally {
    await rec.dispose();
  }
});

void test('kserve-v2: an unknown or unready model fails at creation with FAILED_PRECONDITION', async () => {
  await assert.rejects(createKServeRecognizer(entry('nope')), FailedPreconditionError);
  const dead = validateModelEntry({ name: 'dead', kind: 'recognizer', backend: 'kserve-v2', kserve: { url: '127.0.0.1:1', timeoutMs: 500 } }, 'm');
  await assert.rejects(createKServeRecognizer(dead), FailedPreconditionError);
});

void test('KServeClient: raw infer round trip and cancellation', async () => {
  const client = new KServeClient(url);
  try {
    assert.equal(await client.serverLive(), true);
    const x = new Float32Array(3 * S * S).fill(1);
    const [y] = await client.infer({ name: 'sum' }, [{ name: 'input', datatype: 'FP32', shape: [1, 3, S, S], data: new Uint8Array(x.buffer) }], ['output']);
    assert.deepEqual(y?.shape, [1, D]);
    const ctl = new AbortController();
    ctl.abort();
    await assert.rejects(client.infer({ name: 'sum' }, [], ['output'], { signal: ctl.signal }), { code: 'CANCELLED' });
  } finally {
    client.close();
  }
});
