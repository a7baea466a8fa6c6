// Transport hardening (issue 13, item 12): unknown enum values are INVALID_ARGUMENT instead of
// silently taking the default, and reflection (open without a token) is held to the per-client
// concurrent-call limit like every other service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { PROTO_FILES, protoRoot } from '@hyperface/sdk/proto';
import { startTestDaemon } from '../helpers/daemon.js';

const require = createRequire(import.meta.url);

function wireRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoRoot(), target);
  root.loadSync(PROTO_FILES);
  return root;
}

/** Calls `path` with a message encoded by protobufjs' encode (which writes enum numbers as given). */
function rawCall(address: string, path: string, type: protobuf.Type, message: Record<string, unknown>, stream: boolean): Promise<grpc.status> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const serialize = (v: Record<string, unknown>): Buffer => Buffer.from(type.encode(v).finish());
  const deserialize = (b: Buffer): Buffer => b;
  return new Promise((resolve) => {
    const done = (code: grpc.status): void => {
      client.close();
      resolve(code);
    };
    if (stream) {
      const call = client.makeServerStreamRequest(path, serialize, deserialize, message);
      call.on('data', () => undefined);
      call.on('error', (e: grpc.ServiceError) => done(e.code));
      call.on('end', () => done(grpc.status.OK));
    } else {
      client.makeUnaryRequest(path, serialize, deserialize, message, (e) => done(e ? e.code : grpc.status.OK));
    }
  });
}

test('unknown enum values are INVALID_ARGUMENT, not the default', async () => {
  const t = await startTestDaemon({}, { models: false });
  try {
    const root = wireRoot();
    const type = (n: string): protobuf.Type => root.lookupType(`hyperface.v1.${n}`);
    const emb = { shape: [2, 2], data: Buffer.from(new Float32Array([1, 0, 0, 1]).buffer) };
    const pack = { identities: 4, dim: 3, gallery: { none: true }, iterations: 20 };
    // The same request with a known value works (so the refusals below are about the enum).
    assert.equal(await rawCall(t.address, '/hyperface.v1.PackingService/Pack', type('PackRequest'), { ...pack, mode: 1 }, true), grpc.status.OK);
    const cases: [string, string, Record<string, unknown>, boolean][] = [
      ['/hyperface.v1.PackingService/Pack', 'PackRequest', { ...pack, mode: 99 }, true],
      ['/hyperface.v1.PackingService/Pack', 'PackRequest', { ...pack, init: 7 }, true],
      ['/hyperface.v1.PackingService/Pack', 'PackRequest', { ...pack, device: 5 }, true],
      ['/hyperface.v1.GenerationService/Generate', 'GenerateRequest', { embeddings: emb, imagesPerIdentity: 1, format: 42 }, true],
      ['/hyperface.v1.GenerationService/Generate', 'GenerateRequest', { embeddings: emb, imagesPerIdentity: 1, datasetFormat: 9 }, true],
      ['/hyperface.v1.JobService/ListJobs', 'ListJobsRequest', { state: 77 }, false],
      ['/hyperface.v1.JobService/ListJobs', 'ListJobsRequest', { kind: 77 }, false],
      ['/hyperface.v1.ModelService/ListModels', 'ListModelsRequest', { kind: 12 }, false],
    ];
    for (const [path, name, message, stream] of cases) {
      assert.equal(grpc.status[await rawCall(t.address, path, type(name), message, stream)], 'INVALID_ARGUMENT', `${path} ${JSON.stringify(message).slice(0, 80)}`);
    }
  } finally {
    await t.stop();
  }
});

test('reflection without a token is held to limits.maxCallsPerClient', async () => {
  const t = await startTestDaemon({ 'auth.tokens': ['s3cret-token'], 'limits.maxCallsPerClient': 3 }, { models: false });
  const reflectionProto = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
  const pkg = protoLoader.loadSync(reflectionProto, { keepCase: true, defaults: true, oneofs: true });
  const loaded = grpc.loadPackageDefinition(pkg) as unknown as { grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } } };
  const client = new loaded.grpc.reflection.v1.ServerReflection(t.address, grpc.credentials.createInsecure()) as unknown as grpc.Client & { ServerReflectionInfo(): grpc.ClientDuplexStream<unknown, unknown> };
  const calls: grpc.ClientDuplexStream<unknown, unknown>[] = [];
  try {
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const call = client.ServerReflectionInfo();
        calls.push(call);
        return new Promise<string>((resolve) => {
          call.on('data', () => resolve('answered'));
          call.on('error', (e: grpc.ServiceError) => resolve(grpc.status[e.code]));
          // Held open after the answer: an idle stream still counts.
          setTimeout(() => call.write({ list_services: '' }), 20 * i);
        });
      }),
    );
    assert.equal(outcomes.filter((o) => o === 'answered').length, 3, outcomes.join());
    assert.equal(outcomes.filter((o) => o === 'RESOURCE_EXHAUSTED').length, 5, outcomes.join());
    // Health stays open for probes.
    assert.equal(await new Promise<string>((resolve) => {
      const health = new grpc.Client(t.address, grpc.credentials.createInsecure());
      health.makeUnaryRequest('/grpc.health.v1.Health/Check', () => Buffer.alloc(0), (b: Buffer) => b, {}, (e) => {
        health.close();
        resolve(e ? grpc.status[e.code] : 'OK');
      });
    }), 'OK');
  } finally {
    for (const c of calls) c.cancel();
    client.close();
    await t.stop();
  }
});

test('health Watch streams count against limits.maxCallsPerClient; the health check stays open', async () => {
  const t = await startTestDaemon({ 'limits.maxCallsPerClient': 2 }, { models: false });
  const client = new grpc.Client(t.address, grpc.credentials.createInsecure());
  const calls: grpc.ClientReadableStream<Buffer>[] = [];
  try {
    // HealthCheckRequest{service: ""} is the empty message.
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => {
        const call = client.makeServerStreamRequest('/grpc.health.v1.Health/Watch', () => Buffer.alloc(0), (b: Buffer) => b, Buffer.alloc(0));
        calls.push(call);
        return new Promise<string>((resolve) => {
          call.on('data', () => resolve('watching'));
          call.on('error', (e: grpc.ServiceError) => resolve(grpc.status[e.code]));
        });
      }),
    );
    assert.equal(outcomes.filter((o) => o === 'watching').length, 2, outcomes.join());
    assert.equal(outcomes.filter((o) => o === 'RESOURCE_EXHAUSTED').length, 3, outcomes.join());
    const check = await new Promise<string>((resolve) => {
      client.makeUnaryRequest('/grpc.health.v1.Health/Check', () => Buffer.alloc(0), (b: Buffer) => b, Buffer.alloc(0), (e) => resolve(e ? grpc.status[e.code] : 'OK'));
    });
    assert.equal(check, 'OK');
  } finally {
    for (const c of calls) c.cancel();
    client.close();
    await t.stop();
  }
});
