// Where the leakage audit's real identities come from: a .npy [R, D] (embeddings under the
// generating recognizer; no judge side, since one file holds one recognizer's space) or a folder of
// face photos, embedded under the generating recognizer and under the judge.
import { stat } from 'node:fs/promises';
import type { SafePath } from '../files/safe-files.js';
import { FailedPreconditionError, InvalidArgumentError } from '../../shared/errors.js';
import { readNpyMatrix } from '../files/npy-files.js';
import { MAX_BYTES } from '../files/read-limits.js';
import { leakageSide, renderLeakageHtml, type LeakageResult } from './leakage.js';
import { thumbnail } from './pages.js';
import { guardOf, type EvaluationDeps } from './sources.js';

const FIELD = 'leakage_path';

export interface LeakageContext {
  recognizer: string;
  judge: string | undefined;
  generator: { plain: Float32Array; dim: number };
  judged: { plain: Float32Array; dim: number } | undefined;
  identity: number[];
  files: string[];
  /** data: URI of synthetic image i's thumbnail. */
  readSynthetic: (i: number) => Promise<string>;
  signal?: AbortSignal;
}

export async function auditLeakage(path: SafePath, deps: EvaluationDeps, ctx: LeakageContext): Promise<{ result: LeakageResult; html: string }> {
  const guard = guardOf(deps);
  const isDir = (await stat(await guard.real(path, FIELD))).isDirectory();
  const synthetic = (plain: Float32Array) => ({ embeddings: plain, identity: ctx.identity, files: ctx.files });
  let result: LeakageResult;
  if (!isDir) {
    const m = await readNpyMatrix(guard, path, FIELD, ctx.signal);
    if (m.rows < 1) throw new InvalidArgumentError({ field: FIELD, description: 'the set of real identities is empty' });
    if (m.cols !== ctx.generator.dim) throw new InvalidArgumentError({ field: FIELD, description: `rows have ${m.cols} dimensions, ${ctx.recognizer} embeds into ${ctx.generator.dim}` });
    for (let k = 0; k < m.data.length; k++) {
      if (!Number.isFinite(m.data[k]!)) throw new InvalidArgumentError({ field: FIELD, description: `row ${Math.floor(k / m.cols)} contains NaN or infinite values` });
    }
    const labels = Array.from({ length: m.rows }, (_, i) => `row ${i}`);
    result = {
      source: path,
      generator: leakageSide(ctx.recognizer, synthetic(ctx.generator.plain), { data: m.data, rows: m.rows, labels }, m.cols),
      judge: null,
      judge_note: 'the real identities are a .npy of one recognizer (the generating one); give a folder of photos to compare under the judge too',
    };
  } else {
    if (!deps.embedFaces) throw new FailedPreconditionError('no recognizer available to embed the real photos');
    const g = await deps.embedFaces(path, ctx.recognizer, ctx.signal);
    const labels = (f: string[] | undefined, rows: number) => f ?? Array.from({ length: rows }, (_, i) => `face ${i}`);
    const gen = leakageSide(ctx.recognizer, synthetic(ctx.generator.plain), { data: g.data, rows: g.rows, labels: labels(g.files, g.rows) }, g.dim);
    let judge = null;
    let judgeFiles: string[] | undefined;
    if (ctx.judge && ctx.judged) {
      const j = await deps.embedFaces(path, ctx.judge, ctx.signal);
      judgeFiles = j.files;
      judge = leakageSide(ctx.judge, synthetic(ctx.judged.plain), { data: j.data, rows: j.rows, labels: labels(j.files, j.rows) }, j.dim);
    }
    result = { source: path, generator: gen, judge, ...(judge ? {} : { judge_note: 'no judge recognizer available' }) };
    // the judge may have found faces in other files: its pairs name their own files
    if (judgeFiles && judge) for (const p of judge.closest_pairs) p.real_label = judgeFiles[p.real] ?? p.real_label;
  }
  const html = await renderLeakageHtml(result, {
    synthetic: async (i) => uriBytes(await ctx.readSynthetic(i)),
    real: async (label) => {
      if (!isDir) return null;
      const bytes = await guard.read(guard.join(path, label, FIELD), { maxBytes: MAX_BYTES.image, field: FIELD, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      return uriBytes((await thumbnail(bytes)).src);
    },
  });
  return { result, html };
}

/** The bytes back out of a data: URI (thumbnails are rendered as data URIs). */
function uriBytes(uri: string): Uint8Array {
  return Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64');
}
