// The evaluation application service: runs verification benchmarks and dataset-quality reports as
// persisted jobs, with progress events and a JSON result + HTML report in the job folder (or the
// requested report folder).
import { join } from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import type { JobContext, JobManager } from '../jobs/manager.js';
import type { JobRecord } from '../jobs/types.js';
import { estimateEvaluation } from '../jobs/memory.js';
import type { PathPolicy } from '../paths.js';
import { evaluateDataset, evaluateVerification, type EvaluationDeps, type VerificationSource, type DatasetStatsJson } from '../evaluation/index.js';

export interface VerifyInput {
  source: VerificationSource;
  recognizer?: string;
  flip: boolean;
  folds: number;
  detect: boolean;
  name?: string;
  reportDir?: string;
}

export interface DatasetInput {
  path: string;
  comparePath?: string;
  recognizer?: string;
  judgeRecognizer?: string;
  maxIdentities: number;
  maxSamplesPerIdentity: number;
  pairs: number;
  seed: number;
  reportDir?: string;
}

export interface EvaluationAppDeps {
  jobs: JobManager;
  paths: PathPolicy;
  /** Embedder, aligner and judge picker (need loaded models). */
  evaluationDeps: () => EvaluationDeps;
}

/** Proto-shaped DatasetStats (camelCase; judge metrics NaN when there is no judge). */
export function statsToWire(s: DatasetStatsJson): Record<string, unknown> {
  return {
    path: s.path,
    identities: s.identities,
    samples: s.samples,
    identityConsistencyMean: s.identity_consistency_mean,
    centroidConsistencyMean: s.centroid_consistency_mean,
    nearestImpostorMean: s.nearest_impostor_mean,
    judgeConsistencyMean: s.judge_consistency_mean ?? Number.NaN,
    verificationEer: s.verification_eer,
    judgeVerificationEer: s.judge_verification_eer ?? Number.NaN,
    outlierIdentities: s.outlier_identities,
  };
}

export class EvaluationApp {
  constructor(private readonly deps: EvaluationAppDeps) {}

  async startVerification(input: VerifyInput): Promise<JobRecord> {
    const { paths } = this.deps;
    const s = input.source;
    let source: VerificationSource;
    if (s.kind === 'bin') source = { kind: 'bin', path: paths.resolve(s.path, 'bin_path') };
    else if (s.kind === 'lfw') source = { kind: 'lfw', pairsPath: paths.resolve(s.pairsPath, 'lfw.pairs_path'), imageDir: paths.resolve(s.imageDir, 'lfw.image_dir') };
    else if (s.kind === 'npy') source = { kind: 'npy', embeddingsPath: paths.resolve(s.embeddingsPath, 'npy.embeddings_path'), issamePath: paths.resolve(s.issamePath, 'npy.issame_path') };
    else {
      if (s.issame.length === 0) throw new InvalidArgumentError({ field: 'embeddings.issame', description: 'needs at least one pair' });
      if (s.embeddings.length !== s.issame.length * 2 * s.dim) throw new InvalidArgumentError({ field: 'embeddings.embeddings', description: `needs 2 × ${s.issame.length} rows (pairs interleaved), got ${s.embeddings.length / Math.max(1, s.dim)}` });
      source = s;
    }
    if (input.folds < 2 && input.folds !== 0) throw new InvalidArgumentError({ field: 'folds', description: 'must be >= 2' });
    const reportDir = input.reportDir ? paths.resolve(input.reportDir, 'report_dir') : undefined;
    // Inline embeddings are kept as plain arrays in the persisted request.
    const request = { ...input, source: source.kind === 'embeddings' ? { ...source, embeddings: Array.from(source.embeddings) } : source, reportDir };
    const samples = source.kind === 'embeddings' ? source.issame.length * 2 : 0;
    return this.deps.jobs.start('evaluate_verification', request, { memory: estimateEvaluation({ samples, pairs: samples / 2 }) });
  }

  async startDataset(input: DatasetInput): Promise<JobRecord> {
    const { paths } = this.deps;
    if (!input.path) throw new InvalidArgumentError({ field: 'dataset_path', description: 'required' });
    const request: DatasetInput = {
      ...input,
      path: paths.resolve(input.path, 'dataset_path'),
      comparePath: input.comparePath ? paths.resolve(input.comparePath, 'compare_path') : undefined,
      reportDir: input.reportDir ? paths.resolve(input.reportDir, 'report_dir') : undefined,
    };
    const samples = input.maxIdentities && input.maxSamplesPerIdentity ? input.maxIdentities * input.maxSamplesPerIdentity : 0;
    return this.deps.jobs.start('evaluate_dataset', request, { memory: estimateEvaluation({ samples, pairs: input.pairs || 3000 }) });
  }

  private progress(ctx: JobContext): (p: { done: number; total: number; phase: string }) => void {
    const started = Date.now();
    let last = 0;
    return (p) => {
      const now = Date.now();
      if (now - last < 250 && p.done < p.total) return;
      last = now;
      ctx.setProgress(p.total > 0 ? p.done / p.total : 0);
      ctx.emit('evaluation', { progress: { done: p.done, total: p.total, phase: p.phase, elapsedSeconds: (now - started) / 1000 } }).catch(() => undefined);
    };
  }

  readonly runVerification = async (ctx: JobContext): Promise<unknown> => {
    const req = ctx.request as Omit<VerifyInput, 'source'> & { source: VerificationSource | (Omit<Extract<VerificationSource, { kind: 'embeddings' }>, 'embeddings'> & { embeddings: number[] }) };
    const source: VerificationSource = req.source.kind === 'embeddings' ? { ...req.source, embeddings: Float32Array.from(req.source.embeddings) } : req.source;
    const outcome = await evaluateVerification(source, this.deps.evaluationDeps(), {
      recognizer: req.recognizer,
      flip: req.flip,
      folds: req.folds || undefined,
      detect: req.detect,
      name: req.name,
      reportDir: req.reportDir ?? join(ctx.dir, 'report'),
      signal: ctx.signal,
      onProgress: this.progress(ctx),
    });
    const r = outcome.result;
    const verification = {
      jobId: ctx.id,
      name: outcome.name,
      pairs: r.pairs,
      accuracyMean: r.accuracy_mean,
      accuracyStd: r.accuracy_std,
      bestThreshold: r.best_threshold,
      eer: r.eer,
      auc: r.auc,
      tarAtFar: outcome.tarAtFar.map((p) => ({ far: p.far, tar: p.tar, threshold: p.threshold })),
      foldAccuracies: r.fold_accuracies,
      reportPath: outcome.reportPath ?? '',
      json: outcome.json,
    };
    await ctx.emit('evaluation', { verification });
    return { ...r, report: outcome.reportPath };
  };

  readonly runDataset = async (ctx: JobContext): Promise<unknown> => {
    const req = ctx.request as DatasetInput;
    const outcome = await evaluateDataset({ path: req.path, comparePath: req.comparePath }, this.deps.evaluationDeps(), {
      recognizer: req.recognizer,
      judgeRecognizer: req.judgeRecognizer,
      maxIdentities: req.maxIdentities || undefined,
      maxSamplesPerIdentity: req.maxSamplesPerIdentity || undefined,
      pairs: req.pairs || undefined,
      seed: req.seed,
      reportDir: req.reportDir ?? join(ctx.dir, 'report'),
      signal: ctx.signal,
      onProgress: this.progress(ctx),
    });
    const dataset = {
      jobId: ctx.id,
      dataset: statsToWire(outcome.dataset),
      compared: outcome.compared ? statsToWire(outcome.compared) : undefined,
      reportPath: outcome.reportPath ?? '',
      json: outcome.json,
    };
    await ctx.emit('evaluation', { dataset });
    return { ...outcome.result, report: outcome.reportPath };
  };
}
