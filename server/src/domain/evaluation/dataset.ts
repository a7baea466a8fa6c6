// Dataset quality: embed a generated dataset (and optionally a second one) under the generating
// recognizer and an independent judge, measure consistency, separation and verification EER,
// write report.html + result.json.
import { FailedPreconditionError, InvalidArgumentError, throwIfAborted } from '../../shared/errors.js';
import { boundCount } from '../files/read-limits.js';
import { clip } from '../files/safe-files.js';
import { embedAll, sharpDecoder, type EvaluationProgress } from './embedding.js';
import { datasetGrid, renderDatasetHtml, thumbnail, type GridRow } from './pages.js';
import { auditLeakage } from './leakage-source.js';
import type { LeakageResult } from './leakage.js';
import { datasetQuality, drawPairs } from './quality.js';
import { writeReport } from './report.js';
import { datasetStats, toJson, type DatasetEvaluation, type DatasetOutcome } from './results.js';
import { guardOf, limitsOf, loadReferences, openDataset, requestPath, type EvaluationDeps } from './sources.js';
import type { SafePath } from '../files/safe-files.js';

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
  /** Real identities for the leakage audit: a .npy [R, D] under the generating recognizer, or a folder of face photos. */
  leakagePath?: string;
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

async function evaluateOne(
  root: SafePath,
  field: string,
  deps: EvaluationDeps,
  options: DatasetEvaluationOptions,
  judge: string | undefined,
  phase: string,
  leakage?: SafePath,
): Promise<{ evaluation: DatasetEvaluation; grid: GridRow[]; leakage?: { result: LeakageResult; html: string } }> {
  const reader = await openDataset(deps, root, field, options);
  try {
    const entries = reader.entries;
    const size = options.imageSize ?? 112;
    const decode = deps.decode ?? sharpDecoder;
    const recognizers = judge !== undefined ? [options.recognizer, judge] : [options.recognizer];
    const load = async (i: number): Promise<Uint8Array> => {
      const e = entries[i]!;
      const enc = await reader.read(e);
      try {
        return await decode(enc, size);
      } catch (error) {
        throw new InvalidArgumentError({ field, description: `${clip(e.file)} (identity ${e.identity}, sample ${e.sample}) cannot be decoded: ${clip((error as Error).message)}` }, { cause: error });
      }
    };
    const [gen, jud] = await embedAll(deps.embedder!, { count: entries.length, load }, recognizers, {
      size,
      batchSize: options.batchSize ?? 64,
      flip: false,
      phase,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    throwIfAborted(options.signal);
    const refPath = options.referencesPath ? requestPath(deps, options.referencesPath, 'references_path') : guardOf(deps).join(root, 'identities.npy', 'references_path');
    const refs = await loadReferences(deps, refPath, {
      field: 'references_path',
      explicit: options.referencesPath !== undefined,
      recognizer: options.recognizer ?? deps.defaultRecognizer,
      dim: gen!.dim,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const identity = entries.map((e) => e.identity);
    const pairSample = drawPairs(identity, options.pairs || Math.min(3000, limitsOf(deps).maxPairs), options.seed ?? 0);
    const recorded = entries.map((e) => e.cosine ?? 0);
    const g = datasetQuality(
      {
        identity,
        embeddings: gen!.plain,
        dim: gen!.dim,
        recordedCosine: recorded,
        ...(refs.reference ? { reference: refs.reference } : {}),
      },
      { pairSample },
    );
    const j = jud ? datasetQuality({ identity, embeddings: jud.plain, dim: jud.dim }, { pairSample }) : undefined;
    const stats = datasetStats(g, j, { path: root, recognizer: options.recognizer ?? null, judge: judge ?? null, ...(refs.note ? { referenceNote: refs.note } : {}) });
    const grid = await datasetGrid(reader, g, options.gridIdentities, options.gridSamples);
    const leak = leakage
      ? await auditLeakage(leakage, deps, {
          recognizer: options.recognizer ?? deps.defaultRecognizer ?? 'default',
          judge,
          generator: gen!,
          judged: jud,
          identity,
          files: entries.map((e) => e.file),
          readSynthetic: async (i) => (await thumbnail(await reader.read(entries[i]!))).src,
          ...(options.signal ? { signal: options.signal } : {}),
        })
      : undefined;
    return { evaluation: { stats, generator: g, ...(j ? { judge: j } : {}) }, grid, ...(leak ? { leakage: leak } : {}) };
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
  const leakage = options.leakagePath ? requestPath(deps, options.leakagePath, 'leakage_path') : undefined;
  const first = await evaluateOne(root, 'dataset_path', deps, options, judge, 'embed', leakage);
  const second = other ? await evaluateOne(other, 'compare_path', deps, options, judge, 'embed compared') : undefined;
  const result: DatasetOutcome['result'] = { ...first.evaluation.stats, ...(second ? { compared: second.evaluation.stats } : {}), ...(first.leakage ? { leakage: first.leakage.result } : {}) };
  const outcome: DatasetOutcome = {
    dataset: first.evaluation.stats,
    ...(second ? { compared: second.evaluation.stats } : {}),
    result,
    json: toJson(result),
    details: [first.evaluation, ...(second ? [second.evaluation] : [])],
  };
  if (options.reportDir) {
    options.onProgress?.({ done: 0, total: 1, phase: 'report' });
    const html = renderDatasetHtml([first, ...(second ? [second] : [])], first.leakage?.html ?? '');
    Object.assign(outcome, await writeReport(options.reportDir, html, result));
    options.onProgress?.({ done: 1, total: 1, phase: 'report' });
  }
  return outcome;
}
