// The evaluation application service: runs verification benchmarks and dataset-quality reports as
// persisted jobs, with progress events and a JSON result + HTML report in the job folder (or the
// requested report folder).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fenceHeapMb } from '../fence/fenced.js';
import { InvalidArgumentError } from '../../shared/errors.js';
import type { JobContext, JobManager } from '../jobs/manager.js';
import type { JobRecord } from '../jobs/types.js';
import { estimateEvaluation } from '../jobs/memory.js';
import { datasetJob, verifyJob } from './evaluation-jobs.js';
import type { PathPolicy } from '../files/paths.js';
import { boundCount, DEFAULT_READ_LIMITS, type ReadLimits } from '../files/read-limits.js';
import { evaluateDataset, evaluateVerification, type EvaluationDeps, type EvaluationJobEvent, type VerificationSource } from '../evaluation/index.js';

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
  /** Real identities for the leakage audit (.npy or a folder of photos). */
  leakagePath?: string;
}

export interface EvaluationAppDeps {
  jobs: JobManager;
  paths: PathPolicy;
  /** Embedder, aligner and judge picker (need loaded models). */
  evaluationDeps: () => EvaluationDeps;
  /** Bounds on the counts a request or a file may claim. @default DEFAULT_READ_LIMITS */
  limits?: Partial<ReadLimits>;
}

/** Shortest manifest / train.idx line a row can take: bounds the rows a file of a given size can list. */
const MIN_MANIFEST_LINE = 48;
const MIN_IDX_LINE = 4;

const sizeOf = (path: string): Promise<number> => stat(path).then((st) => (st.isFile() ? st.size : 0), () => 0);

/** A list read whole: its bytes, and the parse worker's heap for it (up to the fence). */
function parseCost(bytes: number): { fileBytes: number; parseHeapBytes: number } {
  return { fileBytes: bytes, parseHeapBytes: bytes > 0 ? fenceHeapMb(bytes) * 1024 * 1024 : 0 };
}

export class EvaluationApp {
  private readonly limits: ReadLimits;
  constructor(private readonly deps: EvaluationAppDeps) {
    this.limits = { ...DEFAULT_READ_LIMITS, ...deps.limits };
  }

  /** What the jobs read through: confined to the data root, with the configured bounds. */
  private runDeps(): EvaluationDeps {
    return { ...this.deps.evaluationDeps(), paths: this.deps.paths, limits: this.limits };
  }

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
    boundCount(input.folds, this.limits.maxPairs, 'folds', 'folds', 'limits.maxEvaluationPairs');
    const reportDir = await this.reportDir(input.reportDir);
    // Inline embeddings are persisted as a JSON array (a Float32Array serialises as an object); the
    // kind's schema turns them back into a Float32Array on resume.
    const request: VerifyInput = { ...input, source, reportDir };
    const samples = source.kind === 'embeddings' ? source.issame.length * 2 : 0;
    const files = source.kind === 'bin' ? [source.path] : source.kind === 'lfw' ? [source.pairsPath] : source.kind === 'npy' ? [source.embeddingsPath, source.issamePath] : [];
    const bytes = (await Promise.all(files.map(sizeOf))).reduce((a, b) => a + b, 0);
    // A .bin keeps its images on disk (read one by one); the lists and matrices are read whole.
    return this.deps.jobs.start(verifyJob, request, { memory: estimateEvaluation({ samples, pairs: samples / 2, ...parseCost(source.kind === 'bin' ? 0 : bytes) }) });
  }

  async startDataset(input: DatasetInput): Promise<JobRecord> {
    const { paths } = this.deps;
    if (!input.path) throw new InvalidArgumentError({ field: 'dataset_path', description: 'required' });
    // `pairs` was bounded by the transport (limits.maxEvaluationPairs) before this call.
    const request: DatasetInput = {
      ...input,
      path: paths.resolve(input.path, 'dataset_path'),
      comparePath: input.comparePath ? paths.resolve(input.comparePath, 'compare_path') : undefined,
      leakagePath: input.leakagePath ? paths.resolve(input.leakagePath, 'leakage_path') : undefined,
      reportDir: await this.reportDir(input.reportDir),
    };
    // What the job will read: the rows its manifest / train.idx can list (by their sizes), capped by the request.
    const [manifest, idx] = await Promise.all([sizeOf(join(request.path, 'manifest.jsonl')), sizeOf(join(request.path, 'train.idx'))]);
    const listed = Math.min(this.limits.maxSamples, Math.max(Math.ceil(manifest / MIN_MANIFEST_LINE), Math.ceil(idx / MIN_IDX_LINE)));
    const requested = input.maxIdentities && input.maxSamplesPerIdentity ? input.maxIdentities * input.maxSamplesPerIdentity : Infinity;
    const samples = Math.min(requested, listed);
    return this.deps.jobs.start(datasetJob, request, { memory: estimateEvaluation({ samples, pairs: input.pairs || 3000, ...parseCost(manifest + idx) }) });
  }

  /** A requested report folder: confined, and never reached through a symlink (checked again before writing). */
  private async reportDir(requested: string | undefined): Promise<string | undefined> {
    if (!requested) return undefined;
    const dir = this.deps.paths.resolve(requested, 'report_dir');
    await this.deps.paths.files.writableTarget(dir, 'report_dir', 'folder');
    return dir;
  }

  private progress(ctx: JobContext<unknown>): (p: { done: number; total: number; phase: string }) => void {
    const started = Date.now();
    let last = 0;
    return (p) => {
      const now = Date.now();
      if (now - last < 250 && p.done < p.total) return;
      last = now;
      ctx.setProgress(p.total > 0 ? p.done / p.total : 0);
      const event: EvaluationJobEvent = { progress: { done: p.done, total: p.total, phase: p.phase, elapsedSeconds: (now - started) / 1000 } };
      ctx.emit('evaluation', event).catch(() => undefined);
    };
  }

  readonly runVerification = async (ctx: JobContext<VerifyInput>): Promise<unknown> => {
    const req = ctx.request;
    if (req.reportDir) await this.deps.paths.files.writableTarget(req.reportDir, 'report_dir', 'folder');
    const source = req.source;
    const outcome = await evaluateVerification(source, this.runDeps(), {
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
    const event: EvaluationJobEvent = { verification: { jobId: ctx.id, result: r, tarAtFar: outcome.tarAtFar, reportPath: outcome.reportPath ?? '', json: outcome.json } };
    await ctx.emit('evaluation', event);
    return { ...r, report: outcome.reportPath };
  };

  readonly runDataset = async (ctx: JobContext<DatasetInput>): Promise<unknown> => {
    const req = ctx.request;
    if (req.reportDir) await this.deps.paths.files.writableTarget(req.reportDir, 'report_dir', 'folder');
    const outcome = await evaluateDataset({ path: req.path, comparePath: req.comparePath }, this.runDeps(), {
      recognizer: req.recognizer,
      judgeRecognizer: req.judgeRecognizer,
      maxIdentities: req.maxIdentities || undefined,
      maxSamplesPerIdentity: req.maxSamplesPerIdentity || undefined,
      pairs: req.pairs || undefined,
      seed: req.seed,
      ...(req.leakagePath ? { leakagePath: req.leakagePath } : {}),
      reportDir: req.reportDir ?? join(ctx.dir, 'report'),
      signal: ctx.signal,
      onProgress: this.progress(ctx),
    });
    const event: EvaluationJobEvent = {
      dataset: { jobId: ctx.id, dataset: outcome.dataset, ...(outcome.compared ? { compared: outcome.compared } : {}), reportPath: outcome.reportPath ?? '', json: outcome.json },
    };
    await ctx.emit('evaluation', event);
    return { ...outcome.result, report: outcome.reportPath };
  };
}
