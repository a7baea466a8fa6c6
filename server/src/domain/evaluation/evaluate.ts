// Orchestration: read a verification source or a generated dataset, decode + embed the images
// through injected dependencies, run the pure metrics, write report.html + result.json.

import { basename, extname, resolve } from 'node:path';
import sharp from 'sharp';
import { decodeNpy, decodeNpyMatrix, NpyFormatError } from '@hyperface/sdk/npy';
import { FailedPreconditionError, HyperfaceError, InvalidArgumentError, NotFoundError, throwIfAborted } from '../../errors.js';
import type { FaceBatch } from '../../runtime/models/types.js';
import { openBin } from '../datasets/insightface-bin.js';
import { lfwImagePath, readLfwPairs } from '../datasets/lfw.js';
import { openDatasetReader, type DatasetEntry } from '../datasets/reader.js';
import type { PathPolicy } from '../paths.js';
import { boundCount, DEFAULT_READ_LIMITS, MAX_BYTES, type ReadLimits } from '../read-limits.js';
import { clip, FileGuard } from '../safe-files.js';
import { evaluatePairs, rocCurve, type RocPoint, type VerificationMetrics } from './protocol.js';
import { datasetQuality, drawPairs, histogram, type QualityStats } from './quality.js';
import { dataUri, fmt, htmlGrid, htmlPage, htmlTable, svgHistogram, svgRoc, writeReport, type Thumb } from './report.js';

// ---- dependencies (structural, so the real services plug in without this module knowing them) --

export interface AlignedEmbedder {
  /** Embeds aligned RGB HWC crops; returns [count, dim] float32. `recognizer` undefined = default. */
  embedAligned(recognizer: string | undefined, batch: FaceBatch, opts?: { signal?: AbortSignal }): Promise<Float32Array>;
}

/** Decodes an encoded image to `size` x `size` RGB HWC uint8 (an already aligned crop). */
export type ImageDecoder = (encoded: Uint8Array, size: number) => Promise<Uint8Array>;
/** Detects and aligns the main face of an encoded image to `size` x `size` RGB HWC uint8. */
export type FaceAligner = (encoded: Uint8Array, size: number, opts?: { signal?: AbortSignal }) => Promise<Uint8Array>;

export interface EvaluationProgress {
  done: number;
  total: number;
  phase: string;
}

export interface EvaluationDeps {
  /** Required for image sources and datasets. */
  embedder?: AlignedEmbedder;
  /** @default sharpDecoder */
  decode?: ImageDecoder;
  /** Required when `detect` is requested. */
  align?: FaceAligner;
  /** The data root's path policy: request paths resolve against it, and every file read is confined to it. */
  paths?: PathPolicy;
  /** Bounds on counts the files claim. @default DEFAULT_READ_LIMITS */
  limits?: Partial<ReadLimits>;
  /** Picks the judge when none is named: the first registered recognizer other than `recognizer`. */
  pickJudge?: (recognizer: string | undefined) => string | undefined;
}

export const sharpDecoder: ImageDecoder = async (encoded, size) => {
  const { data, info } = await sharp(encoded).removeAlpha().toColourspace('srgb').resize(size, size, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
};

/** Mirrors RGB HWC images left-right. */
export function mirrorBatch(batch: FaceBatch): FaceBatch {
  const { data, count, size } = batch;
  const out = new Uint8Array(data.length);
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < size; y++) {
      const row = (n * size + y) * size * 3;
      for (let x = 0; x < size; x++) {
        const s = row + x * 3;
        const d = row + (size - 1 - x) * 3;
        out[d] = data[s]!;
        out[d + 1] = data[s + 1]!;
        out[d + 2] = data[s + 2]!;
      }
    }
  }
  return { data: out, count, size };
}

async function thumbnail(encoded: Uint8Array, caption?: string): Promise<Thumb> {
  try {
    const jpg = await sharp(encoded).resize(72, 72, { fit: 'cover' }).jpeg({ quality: 80 }).toBuffer();
    return { src: dataUri(new Uint8Array(jpg.buffer, jpg.byteOffset, jpg.byteLength)), ...(caption ? { caption } : {}) };
  } catch {
    return { src: dataUri(encoded), ...(caption ? { caption } : {}) };
  }
}

/** A request path through the data root's policy (unconfined, as the in-process CLI reads, without one). */
function requestPath(deps: EvaluationDeps, path: string, field: string): string {
  if (!path) throw new InvalidArgumentError({ field, description: 'required' });
  return deps.paths ? deps.paths.resolve(path, field) : resolve(path);
}

function guardOf(deps: EvaluationDeps): FileGuard {
  return deps.paths?.files ?? new FileGuard(undefined);
}

function limitsOf(deps: EvaluationDeps): ReadLimits {
  return { ...DEFAULT_READ_LIMITS, ...deps.limits };
}

interface EmbedJob {
  count: number;
  /** Prepared RGB crop of image i. */
  load(i: number): Promise<Uint8Array>;
}

interface Embedded {
  dim: number;
  plain: Float32Array;
  flipped?: Float32Array;
}

/** Embeds `job.count` images under each recognizer, in batches, with optional mirrored copies. */
async function embedAll(
  embedder: AlignedEmbedder,
  job: EmbedJob,
  recognizers: ReadonlyArray<string | undefined>,
  opts: { size: number; batchSize: number; flip: boolean; signal?: AbortSignal; onProgress?: (p: EvaluationProgress) => void; phase: string },
): Promise<Embedded[]> {
  const parts: Array<{ plain: Float32Array[]; flipped: Float32Array[] }> = recognizers.map(() => ({ plain: [], flipped: [] }));
  const px = opts.size * opts.size * 3;
  opts.onProgress?.({ done: 0, total: job.count, phase: opts.phase });
  for (let start = 0; start < job.count; start += opts.batchSize) {
    throwIfAborted(opts.signal);
    const n = Math.min(opts.batchSize, job.count - start);
    const crops = await Promise.all(Array.from({ length: n }, (_, k) => job.load(start + k)));
    const data = new Uint8Array(n * px);
    crops.forEach((c, k) => {
      if (c.length !== px) throw new FailedPreconditionError(`image ${start + k}: decoder returned ${c.length} bytes, expected ${px}`);
      data.set(c, k * px);
    });
    const batch: FaceBatch = { data, count: n, size: opts.size };
    const mirrored = opts.flip ? mirrorBatch(batch) : undefined;
    for (const [r, name] of recognizers.entries()) {
      const call = opts.signal ? { signal: opts.signal } : {};
      parts[r]!.plain.push(await embedder.embedAligned(name, batch, call));
      if (mirrored) parts[r]!.flipped.push(await embedder.embedAligned(name, mirrored, call));
    }
    opts.onProgress?.({ done: start + n, total: job.count, phase: opts.phase });
  }
  const concat = (xs: Float32Array[]): Float32Array => {
    const out = new Float32Array(xs.reduce((a, x) => a + x.length, 0));
    let o = 0;
    for (const x of xs) {
      out.set(x, o);
      o += x.length;
    }
    return out;
  };
  return parts.map((p) => {
    const plain = concat(p.plain);
    const dim = job.count > 0 ? plain.length / job.count : 0;
    if (!Number.isInteger(dim) || dim <= 0) throw new FailedPreconditionError(`recognizer returned ${plain.length} values for ${job.count} images`);
    return opts.flip ? { dim, plain, flipped: concat(p.flipped) } : { dim, plain };
  });
}

// ---- verification ------------------------------------------------------------------------------

export type VerificationSource =
  | { kind: 'bin'; path: string }
  | { kind: 'lfw'; pairsPath: string; imageDir: string }
  | { kind: 'npy'; embeddingsPath: string; issamePath: string }
  | { kind: 'embeddings'; embeddings: Float32Array; dim: number; issame: readonly boolean[] };

export interface VerificationOptions {
  /** Recognizer for image sources; undefined = the default recognizer. */
  recognizer?: string;
  /** Flip test-time augmentation for image sources. @default true */
  flip?: boolean;
  /** @default 10 */
  folds?: number;
  /** Detect + align before embedding (LFW originals). @default false */
  detect?: boolean;
  /** Benchmark name; default from the file name. */
  name?: string;
  /** Where report.html + result.json go; undefined = no files. */
  reportDir?: string;
  /** Crop side fed to the recognizer. @default 112 */
  imageSize?: number;
  /** @default 64 */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: EvaluationProgress) => void;
}

/** The JSON result (`--json`): required keys first. */
export interface VerificationJson {
  name: string;
  accuracy_mean: number;
  accuracy_std: number;
  best_threshold: number;
  eer: number;
  auc: number;
  tar_at_far: Record<string, number>;
  pairs: number;
  folds: number;
  fold_accuracies: number[];
  val_at_far_1e_3: number;
  val_std: number;
  recognizer: string | null;
  flip: boolean;
  source: string;
}

export interface VerificationOutcome {
  name: string;
  metrics: VerificationMetrics;
  result: VerificationJson;
  /** JSON.stringify(result). */
  json: string;
  /** (far, tar, threshold) rows for the proto. */
  tarAtFar: RocPoint[];
  reportPath?: string;
  resultPath?: string;
}

interface PairsInput {
  name: string;
  sourceLabel: string;
  issame: boolean[];
  /** Precomputed embeddings. */
  embeddings?: { data: Float32Array; dim: number };
  /** Image access for image sources. */
  images?: { count: number; encoded(i: number): Promise<Uint8Array>; close(): Promise<void> };
}

function toBools(values: ArrayLike<number | bigint>): boolean[] {
  return Array.from(values as ArrayLike<number>, (v) => Number(v) !== 0);
}

async function openVerificationSource(source: VerificationSource, deps: EvaluationDeps, name?: string, signal?: AbortSignal): Promise<PairsInput> {
  const stem = (p: string): string => basename(p, extname(p));
  const files = guardOf(deps);
  const { maxPairs } = limitsOf(deps);
  const sig = signal ? { signal } : {};
  switch (source.kind) {
    case 'bin': {
      const path = requestPath(deps, source.path, 'bin_path');
      const bench = await openBin(path, { field: 'bin_path', files, maxPairs, ...sig });
      return { name: name || stem(path), sourceLabel: path, issame: bench.issame, images: { count: bench.count, encoded: (i) => bench.image(i), close: () => bench.close() } };
    }
    case 'lfw': {
      const pairsPath = requestPath(deps, source.pairsPath, 'lfw.pairs_path');
      const dir = requestPath(deps, source.imageDir, 'lfw.image_dir');
      await files.real(dir, 'lfw.image_dir');
      const { pairs } = await readLfwPairs(pairsPath, { files, maxPairs, ...sig });
      const images = pairs.flatMap((p) => [lfwImagePath(dir, p.a, 'jpg', files), lfwImagePath(dir, p.b, 'jpg', files)]);
      return {
        name: name || 'lfw',
        sourceLabel: pairsPath,
        issame: pairs.map((p) => p.issame),
        images: {
          count: images.length,
          encoded: (i) => files.read(images[i]!, { maxBytes: MAX_BYTES.image, field: 'lfw.image_dir', ...sig }),
          close: async () => undefined,
        },
      };
    }
    case 'npy': {
      const ePath = requestPath(deps, source.embeddingsPath, 'npy.embeddings_path');
      const lPath = requestPath(deps, source.issamePath, 'npy.issame_path');
      const read = (p: string, field: string): Promise<Uint8Array> => files.read(p, { maxBytes: MAX_BYTES.npy, field, ...sig });
      let m: { data: Float32Array; rows: number; cols: number };
      let labels: boolean[];
      try {
        m = decodeNpyMatrix(await read(ePath, 'npy.embeddings_path'));
      } catch (error) {
        if (error instanceof NpyFormatError) throw new InvalidArgumentError({ field: 'npy.embeddings_path', description: clip(error.message) }, { cause: error });
        throw error;
      }
      try {
        const arr = decodeNpy(await read(lPath, 'npy.issame_path'));
        labels = toBools(arr.data);
      } catch (error) {
        if (error instanceof NpyFormatError) throw new InvalidArgumentError({ field: 'npy.issame_path', description: clip(error.message) }, { cause: error });
        throw error;
      }
      boundCount(labels.length, maxPairs, 'npy.issame_path', 'pairs', 'limits.maxEvaluationPairs');
      if (m.rows !== 2 * labels.length) {
        throw new InvalidArgumentError({ field: 'npy.issame_path', description: `${labels.length} labels for ${m.rows} embedding rows (need rows = 2 x labels)` });
      }
      return { name: name || stem(ePath), sourceLabel: ePath, issame: labels, embeddings: { data: m.data, dim: m.cols } };
    }
    case 'embeddings': {
      const { embeddings, dim, issame } = source;
      if (!Number.isInteger(dim) || dim <= 0) throw new InvalidArgumentError({ field: 'embeddings.embeddings', description: 'needs shape [2P, D]' });
      if (embeddings.length !== 2 * issame.length * dim) {
        throw new InvalidArgumentError({ field: 'embeddings.issame', description: `${issame.length} labels for ${embeddings.length / dim} embedding rows (need rows = 2 x labels)` });
      }
      return { name: name || 'embeddings', sourceLabel: 'inline', issame: [...issame], embeddings: { data: embeddings, dim } };
    }
  }
}

export async function evaluateVerification(source: VerificationSource, deps: EvaluationDeps, options: VerificationOptions = {}): Promise<VerificationOutcome> {
  const { signal, onProgress } = options;
  throwIfAborted(signal);
  const input = await openVerificationSource(source, deps, options.name, signal);
  const flip = options.flip ?? true;
  const size = options.imageSize ?? 112;
  try {
    let metrics: VerificationMetrics & { distances: Float64Array };
    const usesImages = input.images !== undefined;
    if (input.embeddings) {
      metrics = evaluatePairs(input.embeddings.data, input.embeddings.dim, input.issame, { folds: options.folds ?? 10 });
    } else {
      const images = input.images!;
      if (!deps.embedder) throw new FailedPreconditionError('no recognizer available to embed images');
      if (options.detect && !deps.align) throw new FailedPreconditionError('face detection is not available in this daemon (detect = true)');
      const decode = deps.decode ?? sharpDecoder;
      const align = deps.align;
      const load = async (i: number): Promise<Uint8Array> => {
        const enc = await images.encoded(i);
        try {
          return options.detect && align ? await align(enc, size, signal ? { signal } : {}) : await decode(enc, size);
        } catch (error) {
          if (error instanceof HyperfaceError) throw error;
          throw new InvalidArgumentError({ field: source.kind === 'bin' ? 'bin_path' : 'lfw.image_dir', description: `image ${i} cannot be decoded: ${clip((error as Error).message)}` }, { cause: error });
        }
      };
      const [emb] = await embedAll(deps.embedder, { count: images.count, load }, [options.recognizer], {
        size,
        batchSize: options.batchSize ?? 64,
        flip,
        phase: 'embed',
        ...(signal ? { signal } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
      onProgress?.({ done: 0, total: 1, phase: 'metrics' });
      metrics = evaluatePairs(emb!.plain, emb!.dim, input.issame, { folds: options.folds ?? 10, ...(flip && emb!.flipped ? { flipped: emb!.flipped } : {}) });
    }
    throwIfAborted(signal);
    const result: VerificationJson = {
      name: input.name,
      accuracy_mean: metrics.accuracy_mean,
      accuracy_std: metrics.accuracy_std,
      best_threshold: metrics.best_threshold,
      eer: metrics.eer,
      auc: metrics.auc,
      tar_at_far: metrics.tar_at_far,
      pairs: metrics.pairs,
      folds: metrics.folds,
      fold_accuracies: metrics.fold_accuracies,
      val_at_far_1e_3: metrics.val,
      val_std: metrics.val_std,
      recognizer: usesImages ? (options.recognizer ?? null) : null,
      flip: usesImages && flip,
      source: input.sourceLabel,
    };
    const { distances, ...plainMetrics } = metrics;
    const outcome: VerificationOutcome = { name: input.name, metrics: plainMetrics, result, json: JSON.stringify(result, finiteOrNull), tarAtFar: metrics.tar_at_far_points };
    if (options.reportDir) {
      onProgress?.({ done: 0, total: 1, phase: 'report' });
      const html = await renderVerificationHtml(result, distances, input);
      Object.assign(outcome, await writeReport(options.reportDir, html, result));
      onProgress?.({ done: 1, total: 1, phase: 'report' });
    }
    return outcome;
  } finally {
    await input.images?.close();
  }
}

function finiteOrNull(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

async function renderVerificationHtml(r: VerificationJson, dist: Float64Array, input: PairsInput): Promise<string> {
  const roc = rocCurve(dist, input.issame);
  const step = Math.max(1, Math.floor(roc.length / 500));
  const rocPts = roc.filter((_, i) => i % step === 0 || i === roc.length - 1);
  const gen: number[] = [];
  const imp: number[] = [];
  dist.forEach((d, p) => (input.issame[p] ? gen : imp).push(1 - d / 2));
  let body = `<h1>Verification: ${r.name}</h1><div class="sub">${r.pairs} pairs · ${r.folds} folds · source ${r.source}${r.recognizer ? ` · recognizer ${r.recognizer}` : ''}${r.flip ? ' · flip' : ''}</div>`;
  body += '<h2>Summary</h2>';
  const rows: string[][] = [
    ['accuracy', `${fmt(r.accuracy_mean * 100, 2)}% ± ${fmt(r.accuracy_std * 100, 2)}`],
    ['best threshold (squared L2)', fmt(r.best_threshold, 3)],
    ['EER', fmt(r.eer)],
    ['AUC', fmt(r.auc)],
    ['VAL @ FAR 1e-3 (insightface)', `${fmt(r.val_at_far_1e_3)} ± ${fmt(r.val_std)}`],
    ...Object.entries(r.tar_at_far).map(([k, v]) => [`TAR @ FAR ${k}`, fmt(v)]),
  ];
  body += htmlTable(['metric', 'value'], rows);
  body += `<h2>Plots</h2><div class="plots">${svgRoc([{ label: r.name, points: rocPts }])}${svgHistogram(
    [
      { label: 'genuine', hist: histogram(gen), color: '#2ca02c' },
      { label: 'impostor', hist: histogram(imp), color: '#e6194b' },
    ],
    'Pair similarity',
  )}</div>`;
  body += '<h2>Folds</h2>' + htmlTable(['fold', 'accuracy'], r.fold_accuracies.map((a, i) => [String(i + 1), fmt(a)]));
  if (input.images) {
    // Hardest errors at the mean chosen threshold.
    const t = r.best_threshold;
    const idx = Array.from(dist.keys());
    const fr = idx.filter((p) => input.issame[p] && dist[p]! >= t).sort((a, b) => dist[b]! - dist[a]!).slice(0, 6);
    const fa = idx.filter((p) => !input.issame[p] && dist[p]! < t).sort((a, b) => dist[a]! - dist[b]!).slice(0, 6);
    const okPairs = idx.filter((p) => (input.issame[p] ? dist[p]! < t : dist[p]! >= t)).slice(0, 6);
    const pairRow = async (label: string, ps: number[]): Promise<{ label: string; thumbs: Thumb[] }> => {
      const thumbs: Thumb[] = [];
      for (const p of ps) {
        thumbs.push(await thumbnail(await input.images!.encoded(2 * p), `#${p}`));
        thumbs.push(await thumbnail(await input.images!.encoded(2 * p + 1), `d=${dist[p]!.toFixed(2)}`));
      }
      return { label, thumbs };
    };
    body += '<h2>Sample pairs</h2>' + htmlGrid([await pairRow('correct', okPairs), await pairRow('false rejects', fr), await pairRow('false accepts', fa)].filter((x) => x.thumbs.length > 0));
  }
  return htmlPage(`Verification ${r.name}`, body);
}

// ---- dataset quality ---------------------------------------------------------------------------

export interface DatasetEvaluationSource {
  /** Dataset root (ImageFolder or RecordIO, with manifest.jsonl). */
  path: string;
  /** A second dataset to compare side by side. */
  comparePath?: string;
}

export interface DatasetEvaluationOptions {
  /** Recognizer the dataset was generated against; undefined = the default recognizer. */
  recognizer?: string;
  /** Independent judge; undefined = deps.pickJudge(recognizer); none = judge metrics are null. */
  judgeRecognizer?: string;
  maxIdentities?: number;
  maxSamplesPerIdentity?: number;
  /** Genuine and impostor pairs drawn for the EER. @default 3000 */
  pairs?: number;
  /** @default 0 */
  seed?: number | bigint;
  /** Reference identity embeddings (.npy [N, D], row = identity); default <dataset>/identities.npy when present. */
  referencesPath?: string;
  reportDir?: string;
  /** @default 112 */
  imageSize?: number;
  /** @default 64 */
  batchSize?: number;
  /** Face grid size in the report. @default 12 identities x 6 samples */
  gridIdentities?: number;
  gridSamples?: number;
  signal?: AbortSignal;
  onProgress?: (p: EvaluationProgress) => void;
}

/** DatasetStats in the proto, as JSON. */
export interface DatasetStatsJson {
  path: string;
  identities: number;
  samples: number;
  identity_consistency_mean: number;
  centroid_consistency_mean: number;
  nearest_impostor_mean: number;
  judge_consistency_mean: number | null;
  verification_eer: number;
  judge_verification_eer: number | null;
  outlier_identities: number[];
  reference_source: QualityStats['reference_source'];
  recognizer: string | null;
  judge_recognizer: string | null;
}

export interface DatasetEvaluation {
  stats: DatasetStatsJson;
  generator: QualityStats;
  judge?: QualityStats;
}

export interface DatasetOutcome {
  dataset: DatasetStatsJson;
  compared?: DatasetStatsJson;
  /** The result object: dataset stats at top level (+ `compared`). */
  result: DatasetStatsJson & { compared?: DatasetStatsJson };
  json: string;
  details: DatasetEvaluation[];
  reportPath?: string;
  resultPath?: string;
}

async function loadReferences(files: FileGuard, path: string | undefined, field: string, signal?: AbortSignal): Promise<{ data: Float32Array; rows: number; cols: number } | undefined> {
  if (!path) return undefined;
  try {
    return decodeNpyMatrix(await files.read(path, { maxBytes: MAX_BYTES.npy, field, ...(signal ? { signal } : {}) }));
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    if (error instanceof HyperfaceError) throw error;
    throw new InvalidArgumentError({ field, description: `cannot read reference embeddings: ${clip((error as Error).message)}` }, { cause: error });
  }
}

async function evaluateOne(
  root: string,
  field: string,
  deps: EvaluationDeps,
  options: DatasetEvaluationOptions,
  judge: string | undefined,
  phase: string,
): Promise<{ evaluation: DatasetEvaluation; grid: Array<{ label: string; thumbs: Thumb[] }> }> {
  const files = guardOf(deps);
  const reader = await openDatasetReader(root, {
    field,
    files,
    maxSamples: limitsOf(deps).maxSamples,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxIdentities ? { maxIdentities: options.maxIdentities } : {}),
    ...(options.maxSamplesPerIdentity ? { maxSamplesPerIdentity: options.maxSamplesPerIdentity } : {}),
  });
  try {
    const entries = reader.entries;
    const size = options.imageSize ?? 112;
    const decode = deps.decode ?? sharpDecoder;
    const recognizers = judge !== undefined ? [options.recognizer, judge] : [options.recognizer];
    const [gen, jud] = await embedAll(
      deps.embedder!,
      {
        count: entries.length,
        load: async (i) => {
          const e = entries[i]!;
          const enc = await reader.read(e);
          try {
            return await decode(enc, size);
          } catch (error) {
            throw new InvalidArgumentError({ field, description: `${clip(e.file)} (identity ${e.identity}, sample ${e.sample}) cannot be decoded: ${clip((error as Error).message)}` }, { cause: error });
          }
        },
      },
      recognizers,
      {
        size,
        batchSize: options.batchSize ?? 64,
        flip: false,
        phase,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
    );
    throwIfAborted(options.signal);
    const refPath = options.referencesPath ? requestPath(deps, options.referencesPath, 'references_path') : `${root}/identities.npy`;
    const refs = await loadReferences(files, refPath, 'references_path', options.signal);
    const identity = entries.map((e) => e.identity);
    const pairSample = drawPairs(identity, options.pairs || Math.min(3000, limitsOf(deps).maxPairs), options.seed ?? 0);
    const recorded = entries.map((e) => e.cosine ?? 0);
    const g = datasetQuality(
      {
        identity,
        embeddings: gen!.plain,
        dim: gen!.dim,
        recordedCosine: recorded,
        ...(refs && refs.cols === gen!.dim ? { reference: (id: number) => (id < refs.rows ? refs.data.subarray(id * refs.cols, (id + 1) * refs.cols) : undefined) } : {}),
      },
      { pairSample },
    );
    const j = jud ? datasetQuality({ identity, embeddings: jud.plain, dim: jud.dim }, { pairSample }) : undefined;
    const stats: DatasetStatsJson = {
      path: root,
      identities: g.identities,
      samples: g.samples,
      identity_consistency_mean: g.identity_consistency_mean,
      centroid_consistency_mean: g.centroid_consistency_mean,
      nearest_impostor_mean: g.nearest_impostor_mean,
      judge_consistency_mean: j ? j.centroid_consistency_mean : null,
      verification_eer: g.verification_eer,
      judge_verification_eer: j ? j.verification_eer : null,
      outlier_identities: g.outlier_identities,
      reference_source: g.reference_source,
      recognizer: options.recognizer ?? null,
      judge_recognizer: judge ?? null,
    };
    // Face grid: outliers first, then the first identities.
    const nIds = options.gridIdentities ?? 12;
    const nSamples = options.gridSamples ?? 6;
    const chosen = [...new Set([...g.outlier_identities, ...reader.identities])].slice(0, nIds);
    const byId = new Map<number, DatasetEntry[]>();
    for (const e of entries) {
      const l = byId.get(e.identity) ?? [];
      if (l.length < nSamples) l.push(e);
      byId.set(e.identity, l);
    }
    const per = new Map(g.per_identity.map((p) => [p.identity, p]));
    const grid: Array<{ label: string; thumbs: Thumb[] }> = [];
    for (const id of chosen) {
      const thumbs: Thumb[] = [];
      for (const e of byId.get(id) ?? []) thumbs.push(await thumbnail(await reader.read(e), `#${e.sample}`));
      const p = per.get(id);
      const flag = g.outlier_identities.includes(id) ? ' ⚠ outlier' : '';
      grid.push({ label: `identity ${id} (c=${fmt(p?.consistency, 2)})${flag}`, thumbs });
    }
    return { evaluation: { stats, generator: g, ...(j ? { judge: j } : {}) }, grid };
  } finally {
    await reader.close();
  }
}

export async function evaluateDataset(source: DatasetEvaluationSource, deps: EvaluationDeps, options: DatasetEvaluationOptions = {}): Promise<DatasetOutcome> {
  throwIfAborted(options.signal);
  if (!deps.embedder) throw new FailedPreconditionError('no recognizer available to embed images');
  const root = requestPath(deps, source.path, 'dataset_path');
  const other = source.comparePath ? requestPath(deps, source.comparePath, 'compare_path') : undefined;
  if (options.pairs !== undefined) boundCount(options.pairs, limitsOf(deps).maxPairs, 'pairs', 'pairs', 'limits.maxEvaluationPairs');
  let judge = options.judgeRecognizer || deps.pickJudge?.(options.recognizer);
  if (judge !== undefined && judge === options.recognizer) judge = undefined;
  const first = await evaluateOne(root, 'dataset_path', deps, options, judge, 'embed');
  const second = other ? await evaluateOne(other, 'compare_path', deps, options, judge, 'embed compared') : undefined;
  const result: DatasetOutcome['result'] = { ...first.evaluation.stats, ...(second ? { compared: second.evaluation.stats } : {}) };
  const outcome: DatasetOutcome = {
    dataset: first.evaluation.stats,
    ...(second ? { compared: second.evaluation.stats } : {}),
    result,
    json: JSON.stringify(result, finiteOrNull),
    details: [first.evaluation, ...(second ? [second.evaluation] : [])],
  };
  if (options.reportDir) {
    options.onProgress?.({ done: 0, total: 1, phase: 'report' });
    const html = renderDatasetHtml([first, ...(second ? [second] : [])]);
    Object.assign(outcome, await writeReport(options.reportDir, html, result));
    options.onProgress?.({ done: 1, total: 1, phase: 'report' });
  }
  return outcome;
}

function renderDatasetHtml(items: ReadonlyArray<{ evaluation: DatasetEvaluation; grid: Array<{ label: string; thumbs: Thumb[] }> }>): string {
  const names = items.map((it) => basename(it.evaluation.stats.path) || it.evaluation.stats.path);
  let body = `<h1>Dataset quality: ${names.join(' vs ')}</h1>`;
  const s = items.map((it) => it.evaluation.stats);
  const row = (label: string, f: (x: DatasetStatsJson) => string): string[] => [label, ...s.map(f)];
  body += '<h2>Summary</h2>';
  body += htmlTable(
    ['metric', ...names],
    [
      row('identities', (x) => String(x.identities)),
      row('samples', (x) => String(x.samples)),
      row('identity consistency (mean cosine to reference)', (x) => fmt(x.identity_consistency_mean)),
      row('reference source', (x) => x.reference_source),
      row('centroid consistency (leave-one-out)', (x) => fmt(x.centroid_consistency_mean)),
      row('nearest impostor centroid (mean)', (x) => fmt(x.nearest_impostor_mean)),
      row('verification EER', (x) => fmt(x.verification_eer)),
      row(`judge consistency`, (x) => fmt(x.judge_consistency_mean)),
      row(`judge verification EER`, (x) => fmt(x.judge_verification_eer)),
      row('outlier identities', (x) => (x.outlier_identities.length ? x.outlier_identities.slice(0, 20).join(', ') : 'none')),
      row('recognizer / judge', (x) => `${x.recognizer ?? 'default'} / ${x.judge_recognizer ?? '–'}`),
    ],
  );
  const curves = items.flatMap((it, i) => [
    { label: `${names[i]} (generator)`, points: it.evaluation.generator.roc },
    ...(it.evaluation.judge ? [{ label: `${names[i]} (judge)`, points: it.evaluation.judge.roc }] : []),
  ]);
  body += `<h2>Plots</h2><div class="plots">${svgRoc(curves, 'ROC of drawn pairs')}`;
  items.forEach((it, i) => {
    const g = it.evaluation.generator;
    body += svgHistogram(
      [
        { label: 'genuine', hist: g.histograms.genuine, color: '#2ca02c' },
        { label: 'impostor', hist: g.histograms.impostor, color: '#e6194b' },
      ],
      `${names[i]}: pair similarity`,
    );
    body += svgHistogram(
      [
        { label: 'identity consistency', hist: g.histograms.consistency, color: '#1f77b4' },
        { label: 'nearest impostor centroid', hist: g.histograms.nearest_impostor, color: '#ff7f0e' },
      ],
      `${names[i]}: consistency vs separation`,
    );
  });
  body += '</div>';
  items.forEach((it, i) => {
    body += `<h2>Sample faces: ${names[i]}</h2>` + htmlGrid(it.grid);
  });
  return htmlPage(`Dataset quality ${names.join(' vs ')}`, body);
}
