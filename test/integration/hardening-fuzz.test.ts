// Fuzz/soak (issue 13, "done when"): hostile fields against every RPC, then hostile files
// (symlinks out of the data root, FIFOs, a /dev/zero link, count bombs in RecordIO / .npy / .bin),
// against one child daemon. Bounded in time (each test <= 90 s). Invariants after each pass:
//   - health stays SERVING;
//   - the daemon's RSS stays under RSS_BOUND_MIB (sampled every 50 ms; past KILL_MIB the daemon is
//     killed so a runaway read cannot stall the machine);
//   - nothing outside the root is read or changed: a sentinel string that lives only outside the
//     root never appears in any RPC output or in any file under the root or the data dir, and every
//     file outside keeps its bytes and mtime (no file appears or disappears there);
//   - every job ends in a terminal state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { toTensor, type HyperfaceClient, type HyperfaceError } from '@hyperface/sdk';
import { spawnDaemon, tempDir, type ChildDaemon } from '../helpers/daemon.js';
import { npyShape, rawNpy } from '../helpers/hostile.js';

const RSS_BOUND_MIB = 1536;
const KILL_MIB = 3072;
const U32 = 4294967295;
const TERMINAL = new Set(['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED']);

const base = tempDir('hf-fuzz-');
const root = join(base, 'root');
const outside = join(base, 'outside');
const dataDir = join(base, 'data');
const SENTINEL = `SENTINEL-${randomBytes(8).toString('hex')}`;
let d: ChildDaemon;
let peakRss = 0;
let killedForRss = false;
let sampler: NodeJS.Timeout | undefined;
const outputs: string[] = [];
const jobIds = new Set<string>();

// ---- a small hostile-fixture builder (independent of the server's own readers and writers) ----

const npy = (shape: number[], body: Uint8Array): Buffer => rawNpy('<f4', npyShape(shape), body);

function recordio(records: { flag: number; label: number; labels?: number[]; payload?: Buffer }[]): { rec: Buffer; idx: string } {
  const parts: Buffer[] = [];
  const idx: string[] = [];
  let offset = 0;
  records.forEach((r, key) => {
    const head = Buffer.alloc(24);
    head.writeUInt32LE(r.flag, 0);
    head.writeFloatLE(r.label, 4);
    head.writeBigUInt64LE(BigInt(key), 8);
    const labels = Buffer.from(Float32Array.from(r.labels ?? []).buffer);
    const payload = Buffer.concat([head, labels, r.payload ?? Buffer.alloc(0)]);
    const pad = (4 - (payload.length % 4)) % 4;
    const rec = Buffer.alloc(8);
    rec.writeUInt32LE(0xced7230a, 0);
    rec.writeUInt32LE(payload.length, 4);
    idx.push(`${key}\t${offset}`);
    parts.push(rec, payload, Buffer.alloc(pad));
    offset += 8 + payload.length + pad;
  });
  return { rec: Buffer.concat(parts), idx: idx.join('\n') + '\n' };
}

function buildFixtures(): void {
  for (const dir of [root, outside, dataDir]) mkdirSync(dir, { recursive: true });
  // Outside the root: the sentinel in several shapes a reader might take in.
  writeFileSync(join(outside, 'secret.txt'), `${SENTINEL}\n`);
  writeFileSync(join(outside, 'secret.png'), `${SENTINEL} not an image\n`);
  writeFileSync(join(outside, 'victim.rec'), `${SENTINEL} must stay as it is\n`);
  writeFileSync(join(outside, 'gallery.npy'), npy([4, 3], Buffer.from(new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0]).buffer)));
  // Inside: links out, device links, FIFOs, count bombs.
  mkdirSync(join(root, 'esc', '000000'), { recursive: true });
  symlinkSync(join(outside, 'secret.png'), join(root, 'esc', '000000', '0000.png'));
  symlinkSync(join(outside, 'gallery.npy'), join(root, 'gallery-link.npy'));
  symlinkSync(outside, join(root, 'outdir-link'));
  mkdirSync(join(root, 'dz', '000000'), { recursive: true });
  symlinkSync('/dev/zero', join(root, 'dz', '000000', '0000.png'));
  symlinkSync('/dev/zero', join(root, 'zero.npy'));
  symlinkSync('/dev/zero', join(root, 'zero.bin'));
  mkdirSync(join(root, 'fifo-ds', '000000'), { recursive: true });
  for (const f of ['fifo.npy', 'fifo.bin', join('fifo-ds', '000000', '0000.png')]) execFileSync('mkfifo', [join(root, f)]);
  writeFileSync(join(root, 'bomb.npy'), npy([1_000_000_000, 512], Buffer.alloc(64)));
  writeFileSync(join(root, 'bomb-1d.npy'), npy([4_000_000_000], Buffer.alloc(64)));
  // Pickle (protocol 2) whose first BINBYTES claims ~4 GB that are not there.
  writeFileSync(join(root, 'bomb.bin'), Buffer.concat([Buffer.from([0x80, 0x02, 0x42]), Buffer.from([0xf0, 0xff, 0xff, 0xff]), Buffer.alloc(16)]));
  mkdirSync(join(root, 'rec-bomb'), { recursive: true });
  const bomb = recordio([{ flag: 2, label: 0, labels: [1e9, 1e9 + 1] }, { flag: 0, label: 0, payload: Buffer.alloc(32) }]);
  writeFileSync(join(root, 'rec-bomb', 'train.rec'), bomb.rec);
  writeFileSync(join(root, 'rec-bomb', 'train.idx'), bomb.idx);
  // A manifest whose file entries climb out of the root.
  mkdirSync(join(root, 'man'), { recursive: true });
  writeFileSync(join(root, 'man', 'manifest.jsonl'), [0, 1].map((s) => JSON.stringify({ identity: 0, sample: s, seed: s, file: '../../outside/secret.png', cosine: 0 })).join('\n') + '\n');
  // An output folder whose train.rec already links out of the root.
  mkdirSync(join(root, 'evil'), { recursive: true });
  symlinkSync(join(outside, 'victim.rec'), join(root, 'evil', 'train.rec'));
}

// ---- invariants ---------------------------------------------------------------------------------

/** Every path under `dir`, symbolic links listed but not followed. */
function walk(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const name = join(prefix, entry.name);
    out.push(name);
    if (entry.isDirectory()) out.push(...walk(dir, name));
  }
  return out;
}

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of walk(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    out.set(name, st.isFile() ? `${st.size}:${st.mtimeMs}:${createHash('sha256').update(readFileSync(p)).digest('hex')}` : `${st.mode}:${st.mtimeMs}`);
  }
  return out;
}

/** Regular files under `dir` (links and FIFOs not followed) that contain the sentinel. */
function filesWithSentinel(dir: string): string[] {
  const hits: string[] = [];
  for (const name of walk(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isFile() && st.size < 256 * 1024 * 1024 && readFileSync(p).includes(SENTINEL)) hits.push(p);
  }
  return hits;
}

function rssMiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Runs a streaming call to its end; records what came back and the job it started. */
async function drain(name: string, it: AsyncIterable<object>): Promise<string> {
  try {
    for await (const item of it) {
      const ev = item as Record<string, unknown>;
      const accepted = ev.accepted as { jobId?: string } | undefined;
      if (accepted?.jobId) jobIds.add(accepted.jobId);
      outputs.push(JSON.stringify(ev, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v)));
    }
    return 'OK';
  } catch (error) {
    const e = error as HyperfaceError;
    outputs.push(`${name}: ${e.code} ${e.message}`);
    return e.code ?? 'ERROR';
  }
}

async function unary(name: string, fn: () => Promise<unknown>): Promise<string> {
  try {
    outputs.push(JSON.stringify(await fn()));
    return 'OK';
  } catch (error) {
    const e = error as HyperfaceError;
    outputs.push(`${name}: ${e.code} ${e.message}`);
    return e.code ?? 'ERROR';
  }
}

async function checkInvariants(client: HyperfaceClient, outsideBefore: Map<string, string>): Promise<void> {
  assert.ok(!killedForRss, `the daemon passed ${KILL_MIB} MiB RSS and was killed`);
  assert.equal(await client.health('', { timeoutMs: 5000 }), 'SERVING');
  assert.ok(peakRss < RSS_BOUND_MIB, `peak RSS ${peakRss.toFixed(0)} MiB >= ${RSS_BOUND_MIB} MiB`);
  // Every job reaches a terminal state (client deadlines cancel the stragglers).
  const deadline = Date.now() + 15_000;
  let open: string[] = [];
  do {
    open = [];
    for (const id of jobIds) {
      const job = await client.getJob(id, { timeoutMs: 5000 });
      outputs.push(JSON.stringify(job));
      if (!TERMINAL.has(job.state)) open.push(`${id}: ${job.state}`);
    }
    if (open.length > 0) await sleep(250);
  } while (open.length > 0 && Date.now() < deadline);
  assert.deepEqual(open, [], 'jobs not in a terminal state');
  assert.deepEqual([...snapshot(outside)], [...outsideBefore], 'files outside the root are unchanged');
  assert.deepEqual(outputs.filter((o) => o.includes(SENTINEL)).map((o) => o.slice(0, 200)), [], 'the sentinel never appears in an output');
  assert.deepEqual([...filesWithSentinel(root), ...filesWithSentinel(dataDir)], [], 'the sentinel never appears in a file the daemon wrote');
}

before(async () => {
  buildFixtures();
  d = await spawnDaemon(['--data-dir', dataDir, '--data-root', root, '--log-level', 'error', '--models-load', 'faceres,builtin', '--limits-max-concurrent-jobs', '64']);
  await d.client.waitForReady({ timeoutMs: 120_000 });
  sampler = setInterval(() => {
    const rss = rssMiB(d.child.pid!);
    peakRss = Math.max(peakRss, rss);
    if (rss > KILL_MIB && !killedForRss) {
      killedForRss = true;
      d.child.kill('SIGKILL');
    }
  }, 50);
});

after(async () => {
  clearInterval(sampler);
  if (process.env.HF_FUZZ_DEBUG) writeFileSync(process.env.HF_FUZZ_DEBUG, `peak ${peakRss} killed ${killedForRss}\n${d.stderr()}`);
  d.child.kill('SIGKILL');
  await d.exited;
  d.client.close();
});

test('hostile fields against every RPC: refused with their codes, the daemon stays SERVING and bounded', { timeout: 90_000 }, async () => {
  const c = d.client;
  const before = snapshot(outside);
  const opt = { timeoutMs: 20_000 };
  const emb = (rows: number, dim: number): ReturnType<typeof toTensor> => toTensor(Float32Array.from({ length: rows * dim }, (_, i) => ((i * 7919) % 13) - 6), [rows, dim]);
  const png64 = await sharp({ create: { width: 8000, height: 8000, channels: 3, background: { r: 9, g: 9, b: 9 } } }).png({ compressionLevel: 9 }).toBuffer();
  const long = 'x'.repeat(100_000);
  const calls: [string, () => Promise<string>, string[]][] = [
    ['pack identities', () => drain('pack', c.pack({ identities: U32, dim: 3, gallery: { none: true } }, opt)), ['INVALID_ARGUMENT']],
    ['pack dim', () => drain('pack', c.pack({ identities: 10, dim: U32, gallery: { none: true } }, opt)), ['INVALID_ARGUMENT']],
    ['pack builtin_size', () => drain('pack', c.pack({ identities: 10, gallery: { builtinSize: U32 } }, opt)), ['INVALID_ARGUMENT']],
    ['pack iterations', () => drain('pack', c.pack({ identities: 10, dim: 3, gallery: { none: true }, iterations: U32 }, opt)), ['INVALID_ARGUMENT']],
    ['pack batch', () => drain('pack', c.pack({ identities: 10, dim: 3, gallery: { none: true }, mode: 'PACK_MODE_STOCHASTIC', batchSize: U32 }, opt)), ['INVALID_ARGUMENT']],
    ['pack NaN alpha', () => drain('pack', c.pack({ identities: 10, dim: 3, gallery: { embeddings: emb(4, 3) }, alpha: Number.NaN }, opt)), ['INVALID_ARGUMENT']],
    ['pack progress_every', () => drain('pack', c.pack({ identities: 10, dim: 3, gallery: { none: true }, progressEvery: U32 }, opt)), ['INVALID_ARGUMENT']],
    ['pack memory', () => drain('pack', c.pack({ identities: 2_000_000, dim: 4096, gallery: { none: true } }, opt)), ['RESOURCE_EXHAUSTED']],
    ['pack output outside', () => drain('pack', c.pack({ identities: 4, dim: 3, gallery: { none: true }, outputPath: '../outside/x.npy' }, opt)), ['INVALID_ARGUMENT', 'PERMISSION_DENIED']],
    ['pack long path', () => drain('pack', c.pack({ identities: 4, dim: 3, gallery: { npyPath: long } }, opt)), ['INVALID_ARGUMENT', 'NOT_FOUND', 'PERMISSION_DENIED']],
    ['pack wrong shape', () => drain('pack', c.pack({ identities: 4, dim: 3, gallery: { embeddings: { shape: [U32, U32], data: Buffer.alloc(8) } } }, opt)), ['INVALID_ARGUMENT']],
    ['generate K', () => drain('gen', c.generate({ embeddings: emb(2, 1024), imagesPerIdentity: U32 }, opt)), ['INVALID_ARGUMENT']],
    ['generate count', () => drain('gen', c.generate({ embeddings: emb(2, 1024), imagesPerIdentity: 1, identityOffset: U32, identityCount: U32 }, opt)), ['INVALID_ARGUMENT']],
    ['generate image_size', () => drain('gen', c.generate({ embeddings: emb(2, 1024), imagesPerIdentity: 1, imageSize: U32 }, opt)), ['INVALID_ARGUMENT']],
    ['generate retries', () => drain('gen', c.generate({ embeddings: emb(2, 1024), imagesPerIdentity: 1, maxRetries: U32, minCosine: 2 }, opt)), ['INVALID_ARGUMENT']],
    ['generate out outside', () => drain('gen', c.generate({ embeddings: emb(2, 1024), imagesPerIdentity: 1, outputDir: '../outside/gen', datasetFormat: 'DATASET_FORMAT_IMAGEFOLDER' }, opt)), ['INVALID_ARGUMENT', 'PERMISSION_DENIED']],
    ['generate pack job', () => drain('gen', c.generate({ packJobId: '../../etc/passwd', imagesPerIdentity: 1 }, opt)), ['NOT_FOUND', 'INVALID_ARGUMENT']],
    ['embed', () => drain('embed', c.embed([
      { image: { encoded: png64 } },
      { image: { encoded: Buffer.from(SENTINEL.replace('SENTINEL', 'garbage')) } },
      { image: { raw: { width: U32, height: U32, channels: 3, data: Buffer.alloc(3) } } },
      { image: { raw: { width: 2, height: 2, channels: 9, data: Buffer.alloc(36) } } },
      { image: { encoded: Buffer.alloc(0) } },
      { recognizer: long, image: { encoded: Buffer.alloc(4) } },
    ], opt)), ['OK']],
    ['verify folds', () => drain('verify', c.evaluateVerification({ embeddings: { embeddings: emb(2, 4), issame: [true] }, folds: U32 }, opt)), ['INVALID_ARGUMENT']],
    ['verify mismatch', () => drain('verify', c.evaluateVerification({ embeddings: { embeddings: emb(3, 4), issame: [true, false, true] } }, opt)), ['INVALID_ARGUMENT']],
    ['verify NaN', () => drain('verify', c.evaluateVerification({ embeddings: { embeddings: toTensor(new Float32Array([Number.NaN, 0, 1, 0]), [2, 2]), issame: [true] } }, opt)), ['INVALID_ARGUMENT']],
    ['verify out of root', () => drain('verify', c.evaluateVerification({ binPath: '../outside/secret.txt' }, opt)), ['INVALID_ARGUMENT', 'PERMISSION_DENIED']],
    ['dataset pairs', () => drain('dataset', c.evaluateDataset({ datasetPath: 'man', pairs: U32 }, opt)), ['INVALID_ARGUMENT']],
    ['dataset sizes', () => drain('dataset', c.evaluateDataset({ datasetPath: 'man', maxIdentities: U32, maxSamplesPerIdentity: U32 }, opt)), ['INVALID_ARGUMENT']],
    ['dataset outside', () => drain('dataset', c.evaluateDataset({ datasetPath: '/etc' }, opt)), ['INVALID_ARGUMENT', 'PERMISSION_DENIED']],
    ['list jobs', () => unary('listJobs', () => c.listJobs({ pageSize: U32, pageToken: long }, opt)), ['INVALID_ARGUMENT']],
    ['list jobs token', () => unary('listJobs', () => c.listJobs({ pageToken: '-5' }, opt)), ['INVALID_ARGUMENT']],
    ['get job', () => unary('getJob', () => c.getJob('../../../etc/passwd', opt)), ['NOT_FOUND', 'INVALID_ARGUMENT']],
    ['get job long', () => unary('getJob', () => c.getJob(long, opt)), ['NOT_FOUND', 'INVALID_ARGUMENT']],
    ['cancel job', () => unary('cancelJob', () => c.cancelJob('../jobs', opt)), ['NOT_FOUND', 'INVALID_ARGUMENT']],
    ['watch job', () => drain('watch', c.watchJob('../../outside', U32, opt)), ['NOT_FOUND', 'INVALID_ARGUMENT']],
    ['get model', () => unary('getModel', () => c.getModel(long, opt)), ['NOT_FOUND', 'INVALID_ARGUMENT']],
    ['list models', () => unary('listModels', () => c.listModels('MODEL_KIND_UNSPECIFIED', opt)), ['OK']],
  ];
  const results = await Promise.all(calls.map(async ([name, call, expected]) => ({ name, code: await call(), expected })));
  const wrong = results.filter((r) => !r.expected.includes(r.code)).map((r) => `${r.name}: ${r.code} (expected ${r.expected.join('|')})`);
  assert.deepEqual(wrong, []);
  // Embed answered every item with an error, none INTERNAL.
  const embedErrors = outputs.filter((o) => o.includes('"error"') && o.includes('"index"'));
  assert.ok(embedErrors.every((o) => !o.includes('INTERNAL')), embedErrors.join('\n'));
  // Error messages do not echo unbounded input.
  assert.ok(outputs.every((o) => !o.includes(long)), 'a 100 kB field was echoed back');
  await checkInvariants(c, before);
});

test('hostile files: links out of the root, FIFOs, /dev/zero, count bombs; nothing outside is read or written', { timeout: 90_000 }, async () => {
  const c = d.client;
  const before = snapshot(outside);
  const opt = { timeoutMs: 15_000 };
  const refused = ['INVALID_ARGUMENT', 'PERMISSION_DENIED', 'NOT_FOUND', 'FAILED_PRECONDITION', 'RESOURCE_EXHAUSTED'];
  const cases: [string, () => Promise<string>][] = [
    ['pack gallery symlinked out', () => drain('pack', c.pack({ identities: 4, dim: 3, gallery: { npyPath: 'gallery-link.npy' }, iterations: 20 }, opt))],
    ['pack gallery fifo', () => drain('pack', c.pack({ identities: 4, dim: 3, gallery: { npyPath: 'fifo.npy' } }, opt))],
    ['pack gallery /dev/zero', () => drain('pack', c.pack({ identities: 4, dim: 3, gallery: { npyPath: 'zero.npy' } }, opt))],
    ['pack gallery npy bomb', () => drain('pack', c.pack({ identities: 4, dim: 512, gallery: { npyPath: 'bomb.npy' } }, opt))],
    ['pack output through a link', () => drain('pack', c.pack({ identities: 4, dim: 3, gallery: { none: true }, iterations: 20, outputPath: 'outdir-link/out.npy' }, opt))],
    ['generate npy bomb', () => drain('gen', c.generate({ embeddingsPath: 'bomb.npy', imagesPerIdentity: 1 }, opt))],
    ['generate 1-d bomb', () => drain('gen', c.generate({ embeddingsPath: 'bomb-1d.npy', imagesPerIdentity: 1 }, opt))],
    ['generate fifo', () => drain('gen', c.generate({ embeddingsPath: 'fifo.npy', imagesPerIdentity: 1 }, opt))],
    ['generate into a linked train.rec', () => drain('gen', c.generate({ embeddings: toTensor(new Float32Array(2 * 1024).fill(0.03), [2, 1024]), imagesPerIdentity: 1, outputDir: 'evil', datasetFormat: 'DATASET_FORMAT_RECORDIO', skipImages: true }, opt))],
    ['generate into a linked folder', () => drain('gen', c.generate({ embeddings: toTensor(new Float32Array(2 * 1024).fill(0.03), [2, 1024]), imagesPerIdentity: 1, outputDir: 'outdir-link', datasetFormat: 'DATASET_FORMAT_IMAGEFOLDER', skipImages: true }, opt))],
    ['verify bin bomb', () => drain('verify', c.evaluateVerification({ binPath: 'bomb.bin' }, opt))],
    ['verify bin fifo', () => drain('verify', c.evaluateVerification({ binPath: 'fifo.bin' }, opt))],
    ['verify bin /dev/zero', () => drain('verify', c.evaluateVerification({ binPath: 'zero.bin' }, opt))],
    ['verify npy bomb', () => drain('verify', c.evaluateVerification({ npy: { embeddingsPath: 'bomb.npy', issamePath: 'bomb-1d.npy' } }, opt))],
    ['dataset symlinked images', () => drain('dataset', c.evaluateDataset({ datasetPath: 'esc' }, opt))],
    ['dataset manifest climbing out', () => drain('dataset', c.evaluateDataset({ datasetPath: 'man' }, opt))],
    ['dataset /dev/zero image', () => drain('dataset', c.evaluateDataset({ datasetPath: 'dz' }, opt))],
    ['dataset fifo image', () => drain('dataset', c.evaluateDataset({ datasetPath: 'fifo-ds' }, opt))],
    ['dataset RecordIO count bomb', () => drain('dataset', c.evaluateDataset({ datasetPath: 'rec-bomb' }, opt))],
  ];
  const results = [];
  // In small groups: four blocked reads used to take every libuv thread.
  for (let i = 0; i < cases.length; i += 5) {
    results.push(...(await Promise.all(cases.slice(i, i + 5).map(async ([name, call]) => ({ name, code: await call() })))));
    assert.equal(await c.health('', { timeoutMs: 5000 }), 'SERVING', `after ${cases[i]![0]}…`);
  }
  const wrong = results.filter((r) => !refused.includes(r.code)).map((r) => `${r.name}: ${r.code}`);
  await checkInvariants(c, before);
  assert.deepEqual(wrong, [], 'every hostile file is refused with a user-error code');
});
