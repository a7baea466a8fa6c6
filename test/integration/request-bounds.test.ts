// Unbounded work from one field (issue 13, item 10): every count a request controls is bounded in
// the validation step (INVALID_ARGUMENT naming the field); progress events are throttled in time
// (the last one kept); WatchJob streams a job's log from disk instead of loading it per watcher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, toTensor, type HyperfaceError } from '@hyperface/sdk';
import { spawnDaemon, startTestDaemon, tempDir } from '../helpers/daemon.js';

const U32_MAX = 4294967295;

async function violationOf(it: AsyncIterable<unknown>): Promise<string[]> {
  try {
    for await (const _ of it) void _;
    return ['OK'];
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) return [(error as HyperfaceError).code ?? String(error)];
    return error.fieldViolations.map((v) => v.field);
  }
}

test('every count field is bounded up front: INVALID_ARGUMENT naming the field, no job started', async () => {
  const t = await startTestDaemon({}, { models: false });
  try {
    const c = t.client;
    const emb = toTensor(new Float32Array([1, 0, 0, 1]), [2, 2]);
    const cases: [string, AsyncIterable<unknown>][] = [
      ['gallery.builtin_size', c.pack({ identities: 10, gallery: { builtinSize: U32_MAX } })],
      ['progress_every', c.pack({ identities: 10, dim: 3, gallery: { none: true }, progressEvery: U32_MAX })],
      ['checkpoint_every', c.pack({ identities: 10, dim: 3, gallery: { none: true }, checkpointEvery: U32_MAX })],
      ['pairs', c.evaluateDataset({ datasetPath: t.dataDir, pairs: U32_MAX })],
      ['max_identities', c.evaluateDataset({ datasetPath: t.dataDir, maxIdentities: U32_MAX })],
      ['max_samples_per_identity', c.evaluateDataset({ datasetPath: t.dataDir, maxSamplesPerIdentity: U32_MAX })],
      ['folds', c.evaluateVerification({ embeddings: { embeddings: emb, issame: [true] }, folds: U32_MAX })],
    ];
    for (const [field, call] of cases) assert.deepEqual(await violationOf(call), [field], field);
    assert.equal((await c.listJobs()).jobs.length, 0, 'no job was created');
  } finally {
    await t.stop();
  }
});

test('progress_every = 1: events are throttled in time (about 10 a second) and the last progress is kept', async () => {
  const t = await startTestDaemon({}, { models: false });
  try {
    const started = Date.now();
    let progress = 0;
    let last: { iteration: number } | undefined;
    let result: { iterationsRun: number; jobId: string } | undefined;
    for await (const ev of t.client.pack({ identities: 64, dim: 8, gallery: { none: true }, iterations: 6000, progressEvery: 1 })) {
      if (ev.progress) {
        progress += 1;
        last = ev.progress;
      }
      if (ev.result) result = ev.result;
    }
    const seconds = (Date.now() - started) / 1000;
    assert.ok(result && last);
    assert.ok(progress <= 12 * seconds + 5, `${progress} progress events in ${seconds.toFixed(1)} s`);
    assert.equal(last.iteration, result.iterationsRun, 'the final progress event is kept');
    const log = statSync(join(t.dataDir, 'jobs', result.jobId, 'events.jsonl')).size;
    assert.ok(log < 200 * 1024 * (seconds + 1), `event log ${log} bytes`);
  } finally {
    await t.stop();
  }
});

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

test('WatchJob streams a large event log from disk: 6 slow watchers of a 40 MB log do not load it', async () => {
  const dataDir = tempDir();
  const id = 'pack-big-log';
  const dir = join(dataDir, 'jobs', id);
  mkdirSync(dir, { recursive: true });
  const now = Date.now();
  const record = { id, kind: 'pack', state: 'succeeded', createdAtMs: now, updatedAtMs: now, progress: 1, resumes: 0, attempts: 1, request: {} };
  writeFileSync(join(dir, 'job.json'), JSON.stringify(record));
  const line = (seq: number): string =>
    JSON.stringify({ seq, channel: 'pack', payload: { progress: { iteration: seq, iterations: 400_000, phase: 'optimise', bestMinAngleDeg: 12.5, elapsedSeconds: seq / 1000, etaSeconds: 1, metrics: { minAngleDeg: 12.5, meanNnAngleDeg: 40.25, maxCosine: 0.97, loss: 1.5 } } } });
  const lines: string[] = [];
  for (let seq = 0; seq < 200_000; seq++) lines.push(line(seq));
  lines.push(JSON.stringify({ seq: 200_000, channel: 'job', payload: record }));
  writeFileSync(join(dir, 'events.jsonl'), lines.join('\n') + '\n');
  lines.length = 0;
  assert.ok(statSync(join(dir, 'events.jsonl')).size > 40e6);

  const d = await spawnDaemon(['--data-dir', dataDir, '--models-builtin', 'false', '--log-level', 'warn']);
  try {
    await d.client.waitForReady({ timeoutMs: 30_000 });
    await sleep(500);
    const before = rssMiB(d.child.pid!);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(d.child.pid!))), 20);
    // Each watcher takes one event, then stalls (a slow client), then goes away.
    const controllers = Array.from({ length: 6 }, () => new AbortController());
    const watchers = controllers.map(async (ctl) => {
      try {
        for await (const ev of d.client.watchJob(id, 0, { signal: ctl.signal })) {
          assert.equal(ev.seq, 0);
          await sleep(2500);
          break;
        }
      } catch {
        // cancelled
      }
    });
    await Promise.all(watchers);
    // A full replay still ends with the terminal state.
    let count = 0;
    let final = '';
    for await (const ev of d.client.watchJob(id, 199_990)) {
      count += 1;
      if (ev.job) final = ev.job.state;
    }
    clearInterval(sampler);
    assert.equal(count, 11);
    assert.equal(final, 'JOB_STATE_SUCCEEDED');
    assert.ok(peak - before < 80, `RSS ${before.toFixed(0)} → peak ${peak.toFixed(0)} MiB`);
  } finally {
    d.child.kill('SIGTERM');
    await d.exited;
    d.client.close();
  }
});

test('Generate: identities × images_per_identity is bounded (limits.maxGenerateImages), before any job exists', async () => {
  const t = await startTestDaemon({ 'limits.maxGenerateImages': 10 }, { models: false });
  try {
    const embeddings = toTensor(Float32Array.from({ length: 4 * 8 }, (_, i) => Math.sin(i + 1)), [4, 8]);
    const over = async (request: Parameters<typeof t.client.generate>[0]): Promise<string> => {
      try {
        for await (const _ of t.client.generate(request, { timeoutMs: 10_000 })) void _;
        return 'OK';
      } catch (error) {
        return `${(error as HyperfaceError).code} ${(error as Error).message}`;
      }
    };
    assert.match(await over({ embeddings, imagesPerIdentity: 3 }), /^INVALID_ARGUMENT .*4 identities × 3 images = 12 samples, over the limit of 10 \(limits\.maxGenerateImages\)/);
    assert.match(await over({ embeddings, imagesPerIdentity: 6, identityOffset: 2, identityCount: 2 }), /^INVALID_ARGUMENT .*2 identities × 6 images = 12/);
    assert.deepEqual((await t.client.listJobs({})).jobs, []);
  } finally {
    await t.stop();
  }
});

test('Generate: every request field is checked where it is decoded, before the identities file is opened (parse once)', async () => {
  const t = await startTestDaemon({ 'limits.maxImagesPerIdentity': 50 }, { models: false });
  try {
    // The identities file does not exist: a field error must win over NOT_FOUND, since the request is
    // checked whole at the edge and the file is opened only after it.
    const base = { embeddingsPath: 'no-such-identities.npy', imagesPerIdentity: 2 };
    const cases: [string, Parameters<typeof t.client.generate>[0]][] = [
      ['images_per_identity', { ...base, imagesPerIdentity: 51 }],
      ['variation.pose', { ...base, variation: { pose: 2 } }],
      ['min_cosine', { ...base, minCosine: 1.5 }],
      ['max_retries', { ...base, maxRetries: 1000 }],
      ['jpeg_quality', { ...base, jpegQuality: 101 }],
      ['image_size', { ...base, imageSize: 4096 }],
      ['skip_images', { ...base, skipImages: true }],
      ['output_dir', { ...base, datasetFormat: 'DATASET_FORMAT_IMAGEFOLDER' }],
    ];
    for (const [field, request] of cases) assert.deepEqual(await violationOf(t.client.generate(request, { timeoutMs: 10_000 })), [field], field);
    // A well-formed request gets as far as the file.
    assert.deepEqual(await violationOf(t.client.generate(base, { timeoutMs: 10_000 })), ['NOT_FOUND']);
    assert.deepEqual((await t.client.listJobs({})).jobs, []);
  } finally {
    await t.stop();
  }
});
