import { test } from 'node:test';
import { ownPath } from '../files/safe-files.js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { encodeNpy } from '@hyperface/sdk/npy';
import { CancelledError, FailedPreconditionError, InvalidArgumentError, NotFoundError, PermissionDeniedError } from '../../shared/errors.js';
import { PathPolicy } from '../files/paths.js';

/** Absolute test paths: a policy rooted at / (every read goes through a policy). */
const ROOT = new PathPolicy('/');
import type { FaceBatch } from '../../runtime/models/types.js';
import { writeBin } from '../datasets/insightface-bin.js';
import { openDatasetWriter } from '../datasets/writer.js';
import { evaluateDataset } from './dataset.js';
import { mirrorBatch, type AlignedEmbedder, type EvaluationProgress } from './embedding.js';
import { evaluateVerification } from './verification.js';
import { evaluatePairs } from './protocol.js';
import { Rng } from '../../util/rng.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'hf-eval-'));
if (process.env.HYPERFACE_KEEP_TEST_OUTPUT) console.log(`# test output in ${dir}`);
test.after(() => {
  if (!process.env.HYPERFACE_KEEP_TEST_OUTPUT) rmSync(dir, { recursive: true, force: true });
});

// Synthetic "faces": an identity is a 4x4 grid of colours; a sample adds per-pixel noise.
const SIZE = 112;
function identityPalette(id: number): number[] {
  const rng = new Rng(1000 + id);
  return Array.from({ length: 48 }, () => 40 + rng.int(176));
}
async function face(id: number, sample: number, noise = 30, format: 'png' | 'jpg' = 'png'): Promise<Uint8Array> {
  const pal = identityPalette(id);
  const rng = new Rng(id * 7919 + sample);
  const px = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++)
      for (let c = 0; c < 3; c++) {
        const cell = Math.floor(y / 28) * 4 + Math.floor(x / 28);
        px[(y * SIZE + x) * 3 + c] = Math.max(0, Math.min(255, pal[cell * 3 + c]! + noise * rng.normal()));
      }
  const img = sharp(px, { raw: { width: SIZE, height: SIZE, channels: 3 } });
  const buf = format === 'png' ? await img.png().toBuffer() : await img.jpeg({ quality: 90 }).toBuffer();
  return new Uint8Array(buf);
}

/** Cell-mean features (generator: 4x4 grid; judge: 2x2 grid). Deterministic, mirror-sensitive. */
class CellEmbedder implements AlignedEmbedder {
  calls: Array<string | undefined> = [];
  rawAsked: boolean[] = [];
  async embedAligned(recognizer: string | undefined, batch: FaceBatch, opts?: { raw?: boolean }): Promise<Float32Array> {
    this.calls.push(recognizer);
    this.rawAsked.push(opts?.raw === true);
    const g = recognizer === 'judge' ? 2 : 4;
    const dim = g * g * 3;
    const out = new Float32Array(batch.count * dim);
    const cs = batch.size / g;
    for (let n = 0; n < batch.count; n++)
      for (let y = 0; y < batch.size; y++)
        for (let x = 0; x < batch.size; x++)
          for (let c = 0; c < 3; c++) {
            const cell = Math.floor(y / cs) * g + Math.floor(x / cs);
            out[n * dim + cell * 3 + c] = out[n * dim + cell * 3 + c]! + (batch.data[((n * batch.size + y) * batch.size + x) * 3 + c]! - 128) / (cs * cs);
          }
    return out;
  }
}

const PAIRS = 40;
const issame = Array.from({ length: PAIRS }, (_, p) => p % 2 === 0);
async function pairImages(format: 'png' | 'jpg'): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let p = 0; p < PAIRS; p++) {
    const a = p % 13;
    const b = issame[p] ? a : (a + 1 + (p % 5)) % 13;
    out.push(await face(a, 2 * p, 60, format), await face(b, 2 * p + 1, 60, format));
  }
  return out;
}

async function screenshot(html: string, name: string): Promise<{ data: Buffer; width: number; height: number }> {
  const png = join(dir, `${name}.png`);
  const profile = join(dir, `profile-${name}`);
  await run(
    '/usr/bin/chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      `--screenshot=${png}`,
      '--window-size=1200,1600',
      `file://${html}`,
    ],
    { timeout: 60_000 },
  );
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function countColour(img: { data: Buffer }, rgb: [number, number, number], tol = 40): number {
  let n = 0;
  for (let i = 0; i + 2 < img.data.length; i += 3) {
    if (Math.abs(img.data[i]! - rgb[0]) + Math.abs(img.data[i + 1]! - rgb[1]) + Math.abs(img.data[i + 2]! - rgb[2]) < tol) n++;
  }
  return n;
}
function distinctColours(img: { data: Buffer }): number {
  const s = new Set<number>();
  for (let i = 0; i + 2 < img.data.length; i += 3) s.add((img.data[i]! << 16) | (img.data[i + 1]! << 8) | img.data[i + 2]!);
  return s.size;
}

// `npm test` installs Debian's chromium first (scripts/ci-system-deps.sh); a missing browser is a
// failure, never a silent skip of the screenshot checks.
if (!existsSync('/usr/bin/chromium')) {
  throw new Error('/usr/bin/chromium is missing: run scripts/ci-system-deps.sh (npm test does)');
}

void test('verification from a .bin: embeds with flip, insightface protocol, report + result.json, progress; Chromium renders the report', async () => {
  const images = await pairImages('jpg');
  const bin = join(dir, 'synth.bin');
  await writeBin(bin, images, issame);
  const embedder = new CellEmbedder();
  const events: EvaluationProgress[] = [];
  const reportDir = join(dir, 'report-bin');
  const out = await evaluateVerification({ kind: 'bin', path: 'synth.bin' }, { embedder, paths: new PathPolicy(dir) }, { recognizer: 'gen', reportDir, batchSize: 16, onProgress: (p) => events.push(p) });
  assert.equal(out.result.name, 'synth');
  assert.equal(out.result.pairs, PAIRS);
  assert.ok(out.result.accuracy_mean > 0.9, `accuracy ${out.result.accuracy_mean}`);
  const json = JSON.parse(out.json) as Record<string, unknown>;
  for (const k of ['accuracy_mean', 'accuracy_std', 'best_threshold', 'eer', 'auc', 'tar_at_far']) assert.ok(k in json, k);
  assert.deepEqual(Object.keys(json.tar_at_far as object), ['1e-1']); // 20 impostors allow only FAR 1e-1
  assert.equal(embedder.calls.length, 2 * Math.ceil((2 * PAIRS) / 16)); // plain + mirrored per batch
  assert.ok(embedder.calls.every((c) => c === 'gen'));
  // Raw rows: the flip test adds image + mirror before normalising, as insightface does.
  assert.ok(embedder.rawAsked.every(Boolean));
  const embeds = events.filter((e) => e.phase === 'embed');
  assert.deepEqual(embeds.at(-1), { done: 2 * PAIRS, total: 2 * PAIRS, phase: 'embed' });
  assert.deepEqual(JSON.parse(readFileSync(join(reportDir, 'result.json'), 'utf8')), JSON.parse(out.json));
  const html = readFileSync(out.reportPath!, 'utf8');
  assert.ok(html.includes('<svg') && html.includes('data:image/jpeg;base64,') && !/(src|href)="(https?:)?\/\//.test(html));
  const noFlip = await evaluateVerification({ kind: 'bin', path: bin }, { embedder, paths: ROOT }, { flip: false });
  assert.ok(noFlip.result.flip === false && out.result.flip === true);

  const shot = await screenshot(out.reportPath!, 'verify');
  assert.equal(shot.width, 1200);
  assert.ok(distinctColours(shot) > 50, 'screenshot is not flat');
  assert.ok(countColour(shot, [230, 25, 75]) > 200, 'the ROC curve / impostor bars are drawn in red');
  assert.ok(countColour(shot, [44, 160, 44], 60) > 100, 'genuine histogram bars are drawn in green');
});

void test('verification from npy, inline embeddings and LFW pairs agree with the pure protocol', async () => {
  const rng = new Rng(5);
  const dim = 8;
  const P = 60;
  const labels = Array.from({ length: P }, (_, p) => p % 3 !== 0);
  const e = new Float32Array(2 * P * dim);
  for (let p = 0; p < P; p++)
    for (let j = 0; j < dim; j++) {
      const a = rng.normal();
      e[2 * p * dim + j] = a;
      e[(2 * p + 1) * dim + j] = labels[p] ? a + 0.8 * rng.normal() : rng.normal();
    }
  writeFileSync(join(dir, 'e.npy'), encodeNpy({ dtype: 'float32', shape: [2 * P, dim], data: e }));
  writeFileSync(join(dir, 'l.npy'), encodeNpy({ dtype: 'bool', shape: [P], data: Uint8Array.from(labels, Number) }));
  const expected = evaluatePairs(e, dim, labels);
  const npy = await evaluateVerification({ kind: 'npy', embeddingsPath: 'e.npy', issamePath: 'l.npy' }, { paths: new PathPolicy(dir) });
  assert.equal(npy.result.name, 'e');
  assert.deepEqual(npy.result.fold_accuracies, expected.fold_accuracies);
  const inline = await evaluateVerification({ kind: 'embeddings', embeddings: e, dim, issame: labels }, {});
  assert.equal(inline.json, npy.json.replace(/"name":"e"/, '"name":"embeddings"').replace(/"source":"[^"]*"/, '"source":"inline"'));
  await assert.rejects(evaluateVerification({ kind: 'embeddings', embeddings: e, dim, issame: labels.slice(1) }, {}), InvalidArgumentError);
  await assert.rejects(evaluateVerification({ kind: 'npy', embeddingsPath: 'missing.npy', issamePath: 'l.npy' }, { paths: new PathPolicy(dir) }), NotFoundError);
  await assert.rejects(evaluateVerification({ kind: 'bin', path: '../../etc/passwd' }, { paths: new PathPolicy(dir) }), (err: unknown) => err instanceof PermissionDeniedError && err.message.startsWith('bin_path'));

  // LFW: 2 folds x 3 matched + 3 mismatched pairs over a folder of <name>/<name>_NNNN.jpg.
  const lfw = join(dir, 'lfw');
  const names = ['Ann_A', 'Bob_B', 'Cy_C', 'Di_D'];
  for (const [i, n] of names.entries()) {
    mkdirSync(join(lfw, n), { recursive: true });
    for (let k = 1; k <= 3; k++) writeFileSync(join(lfw, n, `${n}_${String(k).padStart(4, '0')}.jpg`), await face(i, k, 20, 'jpg'));
  }
  const lines = ['2\t3'];
  for (let f = 0; f < 2; f++) {
    for (let k = 0; k < 3; k++) lines.push(`${names[(f + k) % 4]}\t1\t${2 + (k % 2)}`);
    for (let k = 0; k < 3; k++) lines.push(`${names[k]}\t${1 + f}\t${names[k + 1]}\t3`);
  }
  writeFileSync(join(lfw, 'pairs.txt'), lines.join('\n') + '\n');
  const out = await evaluateVerification({ kind: 'lfw', pairsPath: 'lfw/pairs.txt', imageDir: 'lfw' }, { embedder: new CellEmbedder(), paths: new PathPolicy(dir) }, { folds: 2 });
  assert.equal(out.result.pairs, 12);
  assert.equal(out.result.accuracy_mean, 1);
  await assert.rejects(
    evaluateVerification({ kind: 'lfw', pairsPath: 'lfw/pairs.txt', imageDir: 'lfw' }, { embedder: new CellEmbedder(), paths: new PathPolicy(dir) }, { detect: true }),
    FailedPreconditionError,
  );
  await assert.rejects(evaluateVerification({ kind: 'lfw', pairsPath: 'lfw/pairs.txt', imageDir: 'lfw' }, { paths: new PathPolicy(dir) }), FailedPreconditionError);
});

void test('an aborted signal cancels the evaluation', async () => {
  const ac = new AbortController();
  const embedder: AlignedEmbedder = {
    async embedAligned(r, batch) {
      ac.abort();
      return new CellEmbedder().embedAligned(r, batch);
    },
  };
  await assert.rejects(evaluateVerification({ kind: 'bin', path: join(dir, 'synth.bin') }, { embedder, paths: ROOT }, { signal: ac.signal, batchSize: 8 }), CancelledError);
});

void test('mirrorBatch flips each row', () => {
  const data = Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => i);
  assert.deepEqual(Array.from(mirrorBatch({ data, count: 1, size: 2 }).data), [3, 4, 5, 0, 1, 2, 9, 10, 11, 6, 7, 8]);
});

void test('dataset quality: ImageFolder vs RecordIO side by side, judge, report rendered by Chromium', async () => {
  const good = join(dir, 'ds-good');
  const bad = join(dir, 'ds-bad');
  const wg = await openDatasetWriter(ownPath(good), 'imagefolder');
  const wb = await openDatasetWriter(ownPath(bad), 'recordio');
  for (let id = 0; id < 8; id++)
    for (let k = 0; k < 4; k++) {
      await wg.write({ identity: id, sample: k, seed: k, encoded: await face(id, k, 15), ext: 'png', cosine: 0 });
      // The "bad" dataset: identity 5 renders as a random other identity each time (inconsistent).
      const shown = id === 5 ? (k * 3 + 1) % 8 : id;
      await wb.write({ identity: id, sample: k, seed: k, encoded: await face(shown, 100 + k, 70), ext: 'png', cosine: 0 });
    }
  await wg.close();
  await wb.close();
  const embedder = new CellEmbedder();
  const events: EvaluationProgress[] = [];
  const reportDir = join(dir, 'report-ds');
  const out = await evaluateDataset(
    { path: 'ds-good', comparePath: 'ds-bad' },
    { embedder, paths: new PathPolicy(dir), pickJudge: () => 'judge' },
    { recognizer: 'gen', pairs: 500, seed: 1, reportDir, onProgress: (p) => events.push(p) },
  );
  const json = JSON.parse(out.json) as Record<string, unknown>;
  for (const k of ['identities', 'samples', 'identity_consistency_mean', 'nearest_impostor_mean', 'judge_consistency_mean', 'verification_eer']) assert.ok(k in json, k);
  assert.equal(json.identities, 8);
  assert.equal(json.samples, 32);
  assert.equal(out.dataset.judge_recognizer, 'judge');
  assert.ok(out.compared);
  assert.ok(out.dataset.identity_consistency_mean > out.compared.identity_consistency_mean);
  assert.ok(out.dataset.verification_eer <= out.compared.verification_eer);
  assert.ok(out.dataset.judge_consistency_mean! > 0.9);
  assert.deepEqual(out.dataset.outlier_identities, []);
  assert.deepEqual(out.compared.outlier_identities, [5]);
  assert.ok(embedder.calls.includes('judge') && embedder.calls.includes('gen'));
  assert.ok(events.some((e) => e.phase === 'embed compared'));
  const limited = await evaluateDataset({ path: good }, { embedder, paths: ROOT }, { maxIdentities: 3, maxSamplesPerIdentity: 2 });
  assert.equal(limited.dataset.samples, 6);
  assert.equal(limited.dataset.judge_consistency_mean, null);
  await assert.rejects(evaluateDataset({ path: join(dir, 'nope') }, { embedder, paths: ROOT }), NotFoundError);

  const html = readFileSync(out.reportPath!, 'utf8');
  assert.equal((html.match(/data:image\/jpeg;base64,/g) ?? []).length, 2 * 8 * 4);
  const shot = await screenshot(out.reportPath!, 'dataset');
  assert.ok(distinctColours(shot) > 500, 'faces and plots make a busy screenshot');
  assert.ok(countColour(shot, [230, 25, 75]) > 200, 'ROC curve in red');
  assert.ok(countColour(shot, [31, 119, 180]) > 100, 'consistency histogram / second curve in blue');
});
