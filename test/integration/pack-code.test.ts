// Mode code (issue 21, packing at 100k–1M): the CLI and the daemon end to end, its limits as
// INVALID_ARGUMENT, and a job killed with SIGKILL that resumes from its checkpoint and row spool.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectPack, decodeNpyMatrix } from '@hyperface/sdk';
import { CLI, packKilledAt, spawnDaemon, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { codeOf } from '../helpers/calls.js';

const run = promisify(execFile);
let d: TestDaemon;

before(async () => {
  d = await startTestDaemon({}, { models: false });
});
after(async () => {
  await d.stop();
});

test('hyperface pack --mode code: 20,000 × 512 with an exact 86.52° min angle, unit rows, checked pairs, help text', async () => {
  const dir = tempDir();
  const out = join(dir, 'code.npy');
  const { stdout } = await run(process.execPath, [CLI, 'pack', '--identities', '20000', '--dim', '512', '--mode', 'code', '--seed', '4', '--out', out, '--data-dir', join(dir, 'data'), '--json'], { maxBuffer: 1 << 24 });
  const summary = JSON.parse(stdout) as { min_angle_deg: number; mean_nn_angle_deg: number; shape: number[]; stop_reason: string; iterations_run: number };
  assert.deepEqual(summary.shape, [20000, 512]);
  assert.equal(summary.min_angle_deg.toFixed(2), '86.52');
  assert.ok(summary.mean_nn_angle_deg >= summary.min_angle_deg && summary.mean_nn_angle_deg < 90);
  assert.equal(summary.stop_reason, 'completed');
  assert.equal(summary.iterations_run, 0);
  const m = decodeNpyMatrix(readFileSync(out));
  assert.equal(m.rows, 20000);
  // every pair among 1,500 rows (in float64 of the fp32 rows) respects the exact min angle
  const cosMax = Math.cos((summary.min_angle_deg * Math.PI) / 180);
  let worst = -Infinity;
  for (let i = 0; i < 1500; i++) {
    let norm = 0;
    for (let c = 0; c < 512; c++) norm += m.data[i * 512 + c]! ** 2;
    assert.ok(Math.abs(norm - 1) < 1e-5, `row ${i} norm² ${norm}`);
    for (let j = i + 1; j < 1500; j++) {
      let s = 0;
      for (let c = 0; c < 512; c++) s += m.data[i * 512 + c]! * m.data[j * 512 + c]!;
      worst = Math.max(worst, s);
    }
  }
  assert.ok(worst <= cosMax + 1e-5, `largest cosine ${worst} vs cos(min angle) ${cosMax}`);
  const sidecar = JSON.parse(readFileSync(out.replace(/\.npy$/, '.json'), 'utf8')) as { code: { family: string; rotated: boolean; verifiedPairs: number; maxCosineError: number; subcodeDim: number } };
  assert.equal(sidecar.code.family, 'gold');
  assert.equal(sidecar.code.rotated, true);
  assert.equal(sidecar.code.subcodeDim, 15);
  assert.ok(sidecar.code.verifiedPairs >= 2000 && sidecar.code.maxCosineError < 1e-5, JSON.stringify(sidecar.code));
  const help = await run(process.execPath, [CLI, 'pack', '--help']);
  assert.match(help.stdout, /code {12}no optimisation, gallery-free/);
});

test('mode code limits are INVALID_ARGUMENT with the reason; progress is exact', async () => {
  const cases: [string, Parameters<TestDaemon['client']['pack']>[0], RegExp][] = [
    ['beyond capacity at D = 64', { identities: 40_000, dim: 64, mode: 'PACK_MODE_CODE' }, /at most 32768 identities/],
    ['init code beyond capacity', { identities: 40_000, dim: 64, mode: 'PACK_MODE_FAST', init: 'PACK_INIT_CODE' }, /at most 32768 identities/],
    ['D too small', { identities: 40, dim: 16, mode: 'PACK_MODE_CODE' }, /D >= 31/],
    ['with a gallery', { identities: 100, dim: 64, mode: 'PACK_MODE_CODE', gallery: { embeddings: { shape: [2, 64], data: Buffer.alloc(2 * 64 * 4, 1) } } }, /gallery-free/],
  ];
  for (const [what, req, reason] of cases) {
    const err = await collectPack(d.client.pack(req)).then(
      () => null,
      (e: unknown) => e as Error & { code?: string },
    );
    assert.ok(err, what);
    assert.equal(await codeOf(d.client.pack(req)), 'INVALID_ARGUMENT', what);
    assert.match(err.message, reason, what);
  }
  const flags: boolean[] = [];
  const out = await collectPack(d.client.pack({ identities: 3000, dim: 40, mode: 'PACK_MODE_CODE', batchSize: 500, progressEvery: 1 }), (p) => flags.push(p.metricsExact));
  assert.ok(flags.length >= 1 && flags.every(Boolean), JSON.stringify(flags));
  // dual 3-error BCH code, m = 5 (D = 40 < 63): minimum weight 16 − 8, cos = 1 − 16/31
  assert.equal(out.result.metrics!.minAngleDeg.toFixed(2), '61.06');
});

test('a code job killed with SIGKILL resumes from its checkpoint and row spool and ends like an uninterrupted run', { timeout: 300_000 }, async () => {
  const request = { identities: 100_000, dim: 512, mode: 'PACK_MODE_CODE' as const, batchSize: 250, checkpointEvery: 10, progressEvery: 1, seed: 9, detach: true };
  const ref = await collectPack(d.client.pack({ ...request, streamEmbeddings: true }));

  const { dataDir, jobId } = await packKilledAt(request, 40);
  assert.ok(existsSync(join(dataDir, 'jobs', jobId, 'rows.f32')), 'the row spool is on disk');

  const second = await spawnDaemon(['--data-dir', dataDir, '--models-builtin', 'false']);
  try {
    let final = '';
    for await (const ev of second.client.watchJob(jobId)) if (ev.job) final = ev.job.state;
    assert.equal(final, 'JOB_STATE_SUCCEEDED', second.stderr());
    const job = await second.client.getJob(jobId);
    assert.ok(job.resumes >= 1, 'the job was resumed');
    const row = /code resuming at row (\d+)/.exec(second.stderr());
    assert.ok(row && Number(row[1]) >= 2500, `resumed from its spool, not from row 0: ${row?.[0]}`);
    const resumed = decodeNpyMatrix(readFileSync(join(dataDir, 'jobs', jobId, 'result.npy')));
    assert.deepEqual(Buffer.from(resumed.data.buffer, resumed.data.byteOffset, resumed.data.byteLength), Buffer.from(ref.embeddings!.data.buffer, ref.embeddings!.data.byteOffset, ref.embeddings!.data.byteLength), 'resumed result equals the uninterrupted run');
    assert.ok(!existsSync(join(dataDir, 'jobs', jobId, 'rows.f32')), 'the spool is removed once the result is written');
  } finally {
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.stderr());
    second.client.close();
  }
});
