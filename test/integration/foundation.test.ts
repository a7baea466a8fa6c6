// The foundation's "done when": health to a non-Node client, reflection listing the six services,
// INVALID_ARGUMENT with field violations for an empty Pack, cancellation through an AbortSignal,
// plus job replay, restart/resume and SIGTERM draining.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { collectPack, decodeNpyMatrix, type HyperfaceError, InvalidArgumentError, SERVICE_NAMES } from '@hyperface/sdk';
import { packKilledAt, spawnDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
let d: TestDaemon;

before(async () => {
  d = await startTestDaemon({}, { models: false });
  await d.client.waitForReady({ service: 'hyperface.v1.PackingService', timeoutMs: 60_000 });
});
after(async () => {
  await d.stop();
});

test('a Python grpcio client gets SERVING from grpc.health.v1.Health/Check', async () => {
  // Debian's python3-grpcio ships no grpc_health module; speak the two-field protocol by hand.
  const code = `
import grpc, sys
ch = grpc.insecure_channel(sys.argv[1])
check = ch.unary_unary('/grpc.health.v1.Health/Check', request_serializer=lambda s: (b'\\x0a' + bytes([len(s)]) + s.encode()) if s else b'', response_deserializer=lambda b: b)
for svc in ['', 'hyperface.v1.PackingService']:
    resp = check(svc, timeout=10)
    status = resp[1] if len(resp) >= 2 and resp[0] == 0x08 else 0
    print(svc or '(overall)', {1: 'SERVING', 2: 'NOT_SERVING'}.get(status, 'UNKNOWN'))
`;
  const { stdout } = await run('/usr/bin/python3', ['-c', code, d.address]);
  assert.match(stdout, /hyperface\.v1\.PackingService SERVING/);
});

test('reflection lists the six hyperface.v1 services and a plain grpc-js client calls Pack from reflected descriptors', async () => {
  const reflectionProto = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
  const pkg = protoLoader.loadSync(reflectionProto, { keepCase: true, defaults: true, oneofs: true });
  const loaded = grpc.loadPackageDefinition(pkg) as unknown as { grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } } };
  const client = new loaded.grpc.reflection.v1.ServerReflection(d.address, grpc.credentials.createInsecure());
  const ask = async (request: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const call = (client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<unknown, Record<string, unknown>> }).ServerReflectionInfo();
    const response = new Promise<Record<string, unknown>>((resolve, reject) => {
      call.on('data', resolve);
      call.on('error', reject);
    });
    call.write(request);
    call.end();
    return response;
  };
  const list = await ask({ list_services: '' });
  const names = (list.list_services_response as { service: { name: string }[] }).service.map((s) => s.name);
  for (const name of SERVICE_NAMES) assert.ok(names.includes(name), `${name} missing from reflection: ${names.join(', ')}`);

  const files = await ask({ file_containing_symbol: 'hyperface.v1.PackingService' });
  const protos = (files.file_descriptor_response as { file_descriptor_proto: Buffer[] }).file_descriptor_proto;
  const set = descriptor.FileDescriptorSet.create({ file: protos.map((b) => descriptor.FileDescriptorProto.decode(b)) });
  const root = (protobuf.Root as unknown as { fromDescriptor(d: unknown): protobuf.Root }).fromDescriptor(set);
  const PackRequest = root.lookupType('hyperface.v1.PackRequest');
  const PackEvent = root.lookupType('hyperface.v1.PackEvent');
  const Generic = grpc.makeGenericClientConstructor(
    {
      Pack: {
        path: '/hyperface.v1.PackingService/Pack',
        requestStream: false,
        responseStream: true,
        requestSerialize: (v: object) => Buffer.from(PackRequest.encode(PackRequest.fromObject(v)).finish()),
        requestDeserialize: (b: Buffer) => PackRequest.decode(b),
        responseSerialize: (v: object) => Buffer.from(PackEvent.encode(v).finish()),
        responseDeserialize: (b: Buffer) => PackEvent.toObject(PackEvent.decode(b), { defaults: false }),
      },
    },
    'PackingService',
  );
  const packer = new Generic(d.address, grpc.credentials.createInsecure()) as unknown as { Pack(req: object): grpc.ClientReadableStream<Record<string, unknown>> };
  const events: Record<string, unknown>[] = [];
  for await (const ev of packer.Pack({ identities: 6, dim: 3, gallery: { none: true }, mode: 'PACK_MODE_FAST', iterations: 200 })) events.push(ev as Record<string, unknown>);
  const result = events.find((e) => e.result)?.result as { metrics: { minAngleDeg: number } } | undefined;
  assert.ok(result, 'a result event arrives');
  assert.ok(Math.abs(result.metrics.minAngleDeg - 90) < 0.5, `octahedron min angle ${result.metrics.minAngleDeg}`);
  client.close();
  (packer as unknown as grpc.Client).close();
});

test('an empty Pack request gets INVALID_ARGUMENT with a field violation, and the daemon keeps serving', async () => {
  await assert.rejects(
    async () => {
      for await (const _ of d.client.pack({})) void _;
    },
    (error: unknown) => {
      assert.ok(error instanceof InvalidArgumentError, `got ${String(error)}`);
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.ok(error.fieldViolations.some((v) => v.field === 'identities'), JSON.stringify(error.fieldViolations));
      return true;
    },
  );
  assert.equal(await d.client.health(), 'SERVING');
  const ok = await collectPack(d.client.pack({ identities: 4, dim: 3, gallery: { none: true }, streamEmbeddings: true, iterations: 100 }));
  assert.equal(ok.embeddings?.rows, 4);
});

test('other bad requests map to their documented codes', async () => {
  const codeOf = async (fn: () => Promise<unknown>): Promise<string> => {
    try {
      await fn();
      return 'OK';
    } catch (error) {
      return (error as HyperfaceError).code;
    }
  };
  const drain = async (it: AsyncIterable<unknown>): Promise<void> => {
    for await (const _ of it) void _;
  };
  assert.equal(await codeOf(() => drain(d.client.pack({ identities: 10, dim: 3, gallery: { npyPath: '/nonexistent/g.npy' } }))), 'NOT_FOUND');
  assert.equal(await codeOf(() => drain(d.client.pack({ identities: 10, dim: 3, gallery: { embeddings: { shape: [2, 3], data: Buffer.alloc(5) } } }))), 'INVALID_ARGUMENT');
  assert.equal(await codeOf(() => drain(d.client.pack({ identities: 3_000_000, dim: 3, gallery: { none: true } }))), 'INVALID_ARGUMENT');
  assert.equal(await codeOf(() => d.client.getJob('no-such-job')), 'NOT_FOUND');
  assert.equal(await codeOf(() => d.client.getJob('')), 'INVALID_ARGUMENT');
  assert.equal(await codeOf(() => d.client.getModel('nope')), 'NOT_FOUND');
  assert.equal(await d.client.health(), 'SERVING');
});

test('aborting the SDK call cancels the server-side job', async () => {
  const controller = new AbortController();
  let jobId = '';
  await assert.rejects(async () => {
    for await (const ev of d.client.pack({ identities: 2000, dim: 64, gallery: { none: true }, iterations: 100000, progressEvery: 1 }, { signal: controller.signal })) {
      if (ev.accepted) jobId = ev.accepted.jobId;
      if (ev.progress && ev.progress.iteration >= 2) controller.abort();
    }
  });
  assert.ok(jobId);
  const deadline = Date.now() + 5000;
  let state = '';
  while (Date.now() < deadline) {
    state = (await d.client.getJob(jobId)).state;
    if (state === 'JOB_STATE_CANCELLED') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(state, 'JOB_STATE_CANCELLED');
});

test('stream_embeddings returns unit rows, and WatchJob replays the same job', async () => {
  const out = await collectPack(d.client.pack({ identities: 24, dim: 4, gallery: { none: true }, mode: 'PACK_MODE_FAST', streamEmbeddings: true }));
  const m = out.embeddings!;
  assert.equal(m.rows, 24);
  assert.equal(m.cols, 4);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let c = 0; c < m.cols; c++) s += m.data[r * m.cols + c]! ** 2;
    assert.ok(Math.abs(Math.sqrt(s) - 1) < 1e-5);
  }
  assert.ok(Math.abs(out.result.metrics!.minAngleDeg - 60) < 0.5, `24-cell: ${out.result.metrics!.minAngleDeg}`);
  const replay = [];
  for await (const ev of d.client.watchJob(out.jobId)) replay.push(ev);
  assert.equal(replay[replay.length - 1]!.job?.state, 'JOB_STATE_SUCCEEDED');
  assert.ok(replay.some((e) => e.pack?.result?.npyPath));
  const onDisk = decodeNpyMatrix(readFileSync(out.result.npyPath));
  assert.deepEqual(Array.from(onDisk.data), Array.from(m.data));
});

test('a job killed with SIGKILL resumes after restart and ends like an uninterrupted run; SIGTERM exits 0', async () => {
  const request = { identities: 400, dim: 32, gallery: { none: true }, mode: 'PACK_MODE_PAPER' as const, iterations: 300, checkpointEvery: 20, progressEvery: 5, seed: 7, detach: true };
  // Uninterrupted reference.
  const ref = await collectPack(d.client.pack({ ...request, streamEmbeddings: true }));

  const { dataDir, jobId } = await packKilledAt(request, 120);

  const second = await spawnDaemon(['--data-dir', dataDir, '--models-builtin', 'false']);
  try {
    let final = '';
    for await (const ev of second.client.watchJob(jobId)) if (ev.job) final = ev.job.state;
    assert.equal(final, 'JOB_STATE_SUCCEEDED');
    const job = await second.client.getJob(jobId);
    assert.ok(job.resumes >= 1, 'the job was resumed');
    const resumed = decodeNpyMatrix(readFileSync(join(dataDir, 'jobs', jobId, 'result.npy')));
    assert.deepEqual(Array.from(resumed.data), Array.from(ref.embeddings!.data), 'resumed result equals the uninterrupted run');
  } finally {
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.stderr());
    second.client.close();
  }
});
