// The write side of datasets (issues 12.1, 13.4, 13.5, 13.12): one writer per output folder, a
// manifest reconciled with the disk after kill -9, no write through a symlink, no silent loss of an
// existing insightface dataset, and bad output paths refused before any work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpyFloat32, toTensor, type GenerateRequest, type HyperfaceError } from '@hyperface/sdk';
import { CLI, spawnDaemon, startTestDaemon, tempDir, type ChildDaemon } from '../helpers/daemon.js';
import { lcgIdentities } from '../helpers/calls.js';


/** mulberry32: the kill points are random but reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function manifestLines(dir: string): string[] {
  try {
    return readFileSync(join(dir, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const DIM = 1024;

test('600 samples, three kill -9/restart cycles at random points, the same generate re-run each time: 600 unique rows and files', { timeout: 600_000 }, async () => {
  const root = tempDir('hf-root-');
  const jobsDir = tempDir('hf-jobs-');
  const npy = join(root, 'ids.npy');
  writeFileSync(npy, encodeNpyFloat32(lcgIdentities(60, DIM, 5), 60, DIM));
  const out = join(root, 'ds');
  const args = (addr: string): string[] => [CLI, 'generate', '--address', addr, '--embeddings', npy, '--images-per-identity', '10', '--seed', '5', '--out', out, '--json', '--quiet'];
  const serve = async (): Promise<ChildDaemon> => {
    // The kills are deliberate: more than limits.maxJobAttempts (3) of them must not fail the job.
    const d = await spawnDaemon(['--data-dir', jobsDir, '--data-root', root, '--log-level', 'warn', '--limits-max-job-attempts', '10']);
    await d.client.waitForReady({ service: 'hyperface.v1.GenerationService', timeoutMs: 300_000 });
    return d;
  };
  const generate = (addr: string): { exit: Promise<number | null>; stdout: () => string; stderr: () => string } => {
    let stdout = '';
    let stderr = '';
    const child = execFile(process.execPath, args(addr));
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { exit, stdout: () => stdout, stderr: () => stderr };
  };

  const random = rng(20261202);
  const kills = [0, 1, 2].map((i) => 60 + Math.floor(i * 170 + random() * 150)).sort((a, b) => a - b);
  for (const at of kills) {
    const d = await serve();
    const cli = generate(d.address);
    let cliDone = false;
    void cli.exit.then(() => (cliDone = true));
    // Kill once the manifest has `at` lines (or the run ended before that, e.g. everything was done).
    while (manifestLines(out).length < at && !cliDone) await new Promise((r) => setTimeout(r, 10));
    d.child.kill('SIGKILL');
    await d.exited;
    await cli.exit;
    d.client.close();
  }

  const d = await serve();
  try {
    const cli = generate(d.address);
    assert.equal(await cli.exit, 0, cli.stderr());
    const summary = JSON.parse(cli.stdout().trim().split('\n').pop()!) as { samples: number; skipped: number };
    assert.equal(summary.samples + summary.skipped, 600);
    // Every job the daemon knows of has ended: nothing is still writing into the folder.
    const jobs = await d.client.listJobs({});
    assert.deepEqual(jobs.jobs.filter((j) => j.state !== 'JOB_STATE_SUCCEEDED').map((j) => `${j.id} ${j.state} ${j.error}`), []);
  } finally {
    d.child.kill('SIGTERM');
    await d.exited;
    d.client.close();
  }

  const rows = manifestLines(out).map((l) => JSON.parse(l) as { identity: number; sample: number; file: string; cosine?: unknown });
  const keys = rows.map((r) => `${r.identity}/${r.sample}`);
  assert.equal(new Set(keys).size, keys.length, `${keys.length - new Set(keys).size} duplicate manifest rows (kills at ${kills.join(', ')})`);
  assert.equal(keys.length, 600, 'no sample lost');
  const expected = new Set<string>();
  for (let i = 0; i < 60; i++) for (let k = 0; k < 10; k++) expected.add(`${String(i).padStart(6, '0')}/${String(k).padStart(4, '0')}.png`);
  assert.deepEqual(new Set(rows.map((r) => r.file)), expected);
  const onDisk = readdirSync(out, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.png'))
    .map((e) => `${e.parentPath.slice(out.length + 1)}/${e.name}`);
  assert.deepEqual(new Set(onDisk), expected, '600 files, no partial or temporary ones');
  assert.equal(onDisk.length, 600);
  const temps = readdirSync(out, { recursive: true }).map(String).filter((f) => f.includes('.tmp-'));
  assert.deepEqual(temps, [], 'no temporary file of an interrupted write is left');
  // No recognizer scored these samples: the manifest says nothing rather than a made-up 0.
  assert.ok(rows.every((r) => !('cosine' in r) || r.cosine === null), JSON.stringify(rows[0]));
  assert.ok(!existsSync(join(out, '.hyperface-writer.lock')), 'the lease is released at the end');
});

test('Generate on a folder another job writes: an identical request attaches to that job, a different one fails with FAILED_PRECONDITION naming it', { timeout: 300_000 }, async () => {
  const root = tempDir('hf-root-');
  const t = await startTestDaemon({ dataRoot: root });
  try {
    const request = (seed: number): GenerateRequest => ({
      embeddings: toTensor(lcgIdentities(300, DIM, 9), [300, DIM]),
      imagesPerIdentity: 10,
      seed,
      outputDir: 'busy',
      datasetFormat: 'DATASET_FORMAT_IMAGEFOLDER',
      skipImages: true,
      detach: true,
    });
    const first = await acceptedOf(t.client.generate(request(1)));
    assert.equal(first.resumed, false);
    const other = await acceptedOf(t.client.generate(request(2))).then(
      () => 'OK',
      (e: HyperfaceError) => `${e.code} ${e.message}`,
    );
    assert.match(other, new RegExp(`^FAILED_PRECONDITION .*${first.jobId}`));
    const same = await acceptedOf(t.client.generate(request(1)));
    assert.deepEqual(same, { jobId: first.jobId, resumed: true });
    await t.client.cancelJob(first.jobId);
  } finally {
    await t.stop();
  }
});

async function acceptedOf(stream: AsyncIterable<{ accepted?: { jobId: string; resumed: boolean } | null }>): Promise<{ jobId: string; resumed: boolean }> {
  for await (const ev of stream) if (ev.accepted) return { jobId: ev.accepted.jobId, resumed: ev.accepted.resumed };
  throw new Error('no accepted event');
}

/** The status code of a Generate call (OK when it ran to the end). */
async function codeOf(stream: AsyncIterable<unknown>): Promise<string> {
  try {
    for await (const _ of stream) void _;
    return 'OK';
  } catch (error) {
    return `${(error as HyperfaceError).code} ${(error as Error).message}`;
  }
}

test('Generate never writes through a symlink in its output folder: the file or folder outside the root is unchanged, PERMISSION_DENIED', { timeout: 300_000 }, async () => {
  const root = tempDir('hf-root-');
  const outside = tempDir('hf-outside-');
  const victim = join(outside, 'victim');
  const original = Buffer.from('precious bytes that must survive\n'.repeat(100));
  writeFileSync(victim, original);
  const t = await startTestDaemon({ dataRoot: root });
  try {
    const request = (outputDir: string, datasetFormat: GenerateRequest['datasetFormat']): GenerateRequest => ({
      embeddings: toTensor(lcgIdentities(2, DIM, 4), [2, DIM]),
      imagesPerIdentity: 2,
      outputDir,
      datasetFormat,
      skipImages: true,
    });
    // train.rec, manifest.jsonl and train.idx planted as links to the victim.
    for (const [dir, name, format] of [
      ['evil-rec', 'train.rec', 'DATASET_FORMAT_RECORDIO'],
      ['evil-manifest', 'manifest.jsonl', 'DATASET_FORMAT_IMAGEFOLDER'],
      ['evil-idx', 'train.idx', 'DATASET_FORMAT_RECORDIO'],
    ] as const) {
      mkdirSync(join(root, dir));
      symlinkSync(victim, join(root, dir, name));
      assert.match(await codeOf(t.client.generate(request(dir, format))), /^PERMISSION_DENIED /, `${dir}/${name}`);
      assert.deepEqual(readFileSync(victim), original, `${dir}/${name}: the victim is unchanged byte for byte`);
    }
    // An identity folder that is a link to a folder outside the root.
    mkdirSync(join(root, 'evil-dir'));
    mkdirSync(join(outside, 'pngs'));
    symlinkSync(join(outside, 'pngs'), join(root, 'evil-dir', '000001'));
    assert.match(await codeOf(t.client.generate(request('evil-dir', 'DATASET_FORMAT_IMAGEFOLDER'))), /^PERMISSION_DENIED /);
    assert.deepEqual(readdirSync(join(outside, 'pngs')), [], 'no PNG landed outside the root');
    // The output folder itself through a link that stays inside the root is refused too.
    mkdirSync(join(root, 'real'));
    symlinkSync(join(root, 'real'), join(root, 'alias'));
    assert.match(await codeOf(t.client.generate(request('alias/ds', 'DATASET_FORMAT_IMAGEFOLDER'))), /^PERMISSION_DENIED /);
    assert.deepEqual(readdirSync(join(root, 'real')), []);
    assert.deepEqual(readFileSync(victim), original);
  } finally {
    await t.stop();
  }
});

test('Generate into an existing dataset that has no manifest (insightface train.rec/train.idx, a plain image folder) refuses with FAILED_PRECONDITION and changes nothing', { timeout: 300_000 }, async () => {
  const root = tempDir('hf-root-');
  const t = await startTestDaemon({ dataRoot: root });
  try {
    const request = (outputDir: string, datasetFormat: GenerateRequest['datasetFormat'], seed: number): GenerateRequest => ({
      embeddings: toTensor(lcgIdentities(2, DIM, 6), [2, DIM]),
      imagesPerIdentity: 3,
      seed,
      outputDir,
      datasetFormat,
      skipImages: true,
    });
    // An insightface dataset: 6 image records, 2 identity records and record 0, with its index.
    assert.equal(await codeOf(t.client.generate(request('ins', 'DATASET_FORMAT_RECORDIO', 1))), 'OK');
    rmSync(join(root, 'ins', 'manifest.jsonl'));
    const rec = readFileSync(join(root, 'ins', 'train.rec'));
    const idx = readFileSync(join(root, 'ins', 'train.idx'));
    assert.equal(idx.toString().trim().split('\n').length, 9);
    assert.match(await codeOf(t.client.generate(request('ins', 'DATASET_FORMAT_RECORDIO', 2))), /^FAILED_PRECONDITION .*train\.rec/);
    assert.deepEqual(readFileSync(join(root, 'ins', 'train.rec')), rec, 'train.rec unchanged');
    assert.deepEqual(readFileSync(join(root, 'ins', 'train.idx')), idx, 'train.idx unchanged');

    // A plain image folder (identity folders of images, no manifest) is not overwritten either.
    mkdirSync(join(root, 'faces', '000000'), { recursive: true });
    const face = Buffer.from('not ours, keep me');
    writeFileSync(join(root, 'faces', '000000', '0000.png'), face);
    assert.match(await codeOf(t.client.generate(request('faces', 'DATASET_FORMAT_IMAGEFOLDER', 1))), /^FAILED_PRECONDITION /);
    assert.deepEqual(readFileSync(join(root, 'faces', '000000', '0000.png')), face);
    assert.deepEqual(readdirSync(join(root, 'faces')), ['000000']);
  } finally {
    await t.stop();
  }
});

test('a bad output path is refused when the request arrives, before any job runs: Pack output_path, Generate output_dir', { timeout: 300_000 }, async () => {
  const root = tempDir('hf-root-');
  const outside = tempDir('hf-outside-');
  const victim = join(outside, 'victim.json');
  writeFileSync(victim, '{"keep":true}');
  mkdirSync(join(root, 'folder.npy'));
  writeFileSync(join(root, 'afile'), 'x');
  mkdirSync(join(root, 'real'));
  symlinkSync(join(root, 'real'), join(root, 'alias'));
  mkdirSync(join(root, 'side'));
  symlinkSync(victim, join(root, 'side', 'out.json'));
  mkdirSync(join(root, 'gen-evil'));
  symlinkSync(victim, join(root, 'gen-evil', 'train.rec'));
  const t = await startTestDaemon({ dataRoot: root });
  try {
    // A pack that would run for a while: a late failure would show as a job and a slow answer.
    const pack = (outputPath: string): Promise<string> => codeOf(t.client.pack({ identities: 400, dim: 64, gallery: { none: true }, maxSeconds: 30, outputPath }));
    const cases: [string, Promise<string>, RegExp][] = [
      ['pack into a folder', pack('folder.npy'), /^INVALID_ARGUMENT /],
      ['pack under a file', pack('afile/out.npy'), /^INVALID_ARGUMENT /],
      ['pack through a link', pack('alias/out.npy'), /^PERMISSION_DENIED /],
      ['pack sidecar is a link', pack('side/out.npy'), /^PERMISSION_DENIED /],
      ['pack outside the root', pack(join(outside, 'out.npy')), /^PERMISSION_DENIED /],
    ];
    const gen = (outputDir: string, datasetFormat: GenerateRequest['datasetFormat']): Promise<string> =>
      codeOf(t.client.generate({ embeddings: toTensor(lcgIdentities(2, DIM, 4), [2, DIM]), imagesPerIdentity: 2, outputDir, datasetFormat, skipImages: true }));
    cases.push(['generate into a file', gen('afile', 'DATASET_FORMAT_IMAGEFOLDER'), /^INVALID_ARGUMENT /]);
    cases.push(['generate under a file', gen('afile/ds', 'DATASET_FORMAT_IMAGEFOLDER'), /^INVALID_ARGUMENT /]);
    cases.push(['generate with a linked train.rec', gen('gen-evil', 'DATASET_FORMAT_RECORDIO'), /^PERMISSION_DENIED /]);
    const started = Date.now();
    for (const [name, call, expected] of cases) assert.match(await call, expected, name);
    assert.ok(Date.now() - started < 20_000, `answered in ${Date.now() - started} ms`);
    const jobs = await t.client.listJobs({});
    assert.deepEqual(jobs.jobs.map((j) => `${j.kind} ${j.state} ${j.error}`), [], 'no job was started for a bad output path');
    assert.equal(readFileSync(victim, 'utf8'), '{"keep":true}');
    assert.deepEqual(readdirSync(join(root, 'real')), []);
  } finally {
    await t.stop();
  }
});
