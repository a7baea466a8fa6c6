// The generation application service: resolves the identities (inline, .npy, a finished pack job),
// checks them against the request (identityViolations; the request itself was checked where it was
// decoded, transport/generation-wire.ts), runs generateSamples as a persisted job,
// encodes faces, commits them to a dataset (resumable: the manifest says what is done) and hands
// each sample to the stream that started the job, with backpressure.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpyFloat32 } from '../../util/npy.js';
import { encodeImage, resizeImage } from '../../runtime/images/codec.js';
import { FailedPreconditionError, InvalidArgumentError } from '../../shared/errors.js';
import { writeFileAtomic } from '../../util/fs-atomic.js';
import type { JobContext, JobManager, StartOptions } from '../jobs/manager.js';
import { TERMINAL_STATES, type JobRecord } from '../jobs/types.js';
import { generateJob, type GenerateJobRequest } from './generation-job.js';
import { fingerprintOf, GenerationFiles, type Matrix } from './generation-files.js';
import { estimateGenerate } from '../jobs/memory.js';
import type { PathPolicy } from '../files/paths.js';
import { ownPath, recordedPath, type FileGuard, type SafePath } from '../files/safe-files.js';
import { generateSamples, identityViolations, planSize, withGenerateDefaults, type GenerateParams, type GenerateParamsInput, type GenerationModels } from '../generation/index.js';
import type { GeneratorBatchers, WorkClass } from '../generation/batcher.js';
import { busyError, checkDatasetTarget, liveHolder, openDatasetWriter, type DatasetWriter } from '../datasets/index.js';
import type { FaceSampleInfo, GenerateSummaryInfo } from '../generation/events.js';
import { checkGuard, loadGuard } from './generation-guard.js';
import { checkExclusionAngle } from '../packing/exclusion-angle.js';

export type IdentitySource =
  | { kind: 'inline'; data: Float32Array; rows: number; dim: number }
  | { kind: 'npy'; path: string }
  | { kind: 'pack_job'; jobId: string };

export type ImageFormatName = 'png' | 'jpeg' | 'raw';

export interface GenerateInput {
  identities: IdentitySource;
  params: Omit<GenerateParamsInput, 'identities'>;
  format: ImageFormatName;
  /** 1..100. @default 90 */
  jpegQuality: number;
  /** Output side; 0 = the generator's native size. */
  imageSize: number;
  outputDir?: string;
  datasetFormat: 'none' | 'imagefolder' | 'recordio';
  /** Do not send images back (only progress + summary). */
  skipImages: boolean;
  /** Privacy guard: a .npy of real identities (recognizer space) and the angle (0/undefined = default). */
  excludePath?: string;
  excludeMinAngleDeg?: number;
}


/** A request that passed validate(): its identities read, its parameters filled and checked. */
export interface ValidatedGenerate {
  matrix: Matrix;
  params: GenerateParams;
  /** The identities' file ('' for inline identities). */
  identitiesPath: SafePath | '';
  inline?: Matrix;
}

/** A job as start() returns it; `attached` when an identical running job already writes the folder. */
export type StartedGenerate = JobRecord & { attached?: boolean };

export interface GenerationDepsApp {
  jobs: JobManager;
  paths: PathPolicy;
  models: () => GenerationModels;
  /** limits.maxGenerateImages: identities × images of one request. @default DEFAULT_MAX_GENERATE_IMAGES */
  maxImages?: number;
  maxIdentities: number;
  /** Samples rendered ahead of the consumer. */
  generateAhead: number;
  /** Confines what a job writes to the data root (no symlink on the way or in the folder). */
  files: FileGuard;
  /** Counts faces produced (metrics). */
  onFace?: (generator: string) => void;
  /** Cross-request batching: a job's renders go through it as bulk work (interactive requests go first). */
  batchers?: GeneratorBatchers;
}

export class GenerationApp {
  /** Per output folder, the start() in progress: checking for a writer and starting one is one step. */
  private readonly claims = new Map<string, Promise<unknown>>();
  /** Per job folder, the identities start() read, for the job's first run (so it does not read them back). */
  private readonly held = new Map<string, Matrix>();
  private readonly files: GenerationFiles;
  constructor(private readonly deps: GenerationDepsApp) {
    this.files = new GenerationFiles(deps.jobs.dirOf(''), deps.paths.files);
  }

  /** Checks a request and reads its identities: a bad request fails here, before any job or queue slot exists. */
  async validate(input: GenerateInput): Promise<ValidatedGenerate> {
    const { deps } = this;
    let identitiesPath: SafePath | '' = '';
    let inline: { data: Float32Array; rows: number; dim: number } | undefined;
    const src = input.identities;
    if (src.kind === 'inline') inline = src;
    else if (src.kind === 'npy') {
      identitiesPath = deps.paths.resolve(src.path, 'embeddings_path');
    } else {
      const job = deps.jobs.get(src.jobId);
      if (job.kind !== 'pack') throw new InvalidArgumentError({ field: 'pack_job_id', description: `job ${src.jobId} is a ${job.kind} job` });
      if (job.state !== 'succeeded') throw new FailedPreconditionError(`pack job ${src.jobId} is ${job.state}, not succeeded`);
      identitiesPath = ownPath(join(deps.jobs.dirOf(src.jobId), 'result.npy'));
    }
    // Validate now (cheap) so a bad request fails before a job exists.
    const matrix = inline ?? (await this.files.readMatrix(identitiesPath as SafePath));
    if (matrix.rows > deps.maxIdentities) throw new InvalidArgumentError({ field: 'embeddings', description: `${matrix.rows} identities exceed limits.maxIdentities (${deps.maxIdentities})` });
    const params = this.checkIdentities(input.params, matrix);
    return { matrix, params, identitiesPath, inline };
  }

  /** The request's parameters (checked when decoded) against the identities it names. */
  private checkIdentities(input: GenerateInput['params'], identities: Matrix): GenerateParams {
    const params = withGenerateDefaults({ ...input, identities });
    const violations = identityViolations(params, this.deps.maxImages ? { maxImages: this.deps.maxImages } : {});
    if (violations.length > 0) throw new InvalidArgumentError(violations);
    return params;
  }

  async start(input: GenerateInput, options: StartOptions<GenerateJobRequest> = {}, checked?: ValidatedGenerate): Promise<StartedGenerate> {
    const { deps } = this;
    const { matrix, identitiesPath, inline } = checked ?? (await this.validate(input));
    const outputDir = input.outputDir ? deps.paths.resolve(input.outputDir, 'output_dir') : undefined;
    if (input.excludePath) {
      const excludePath = deps.paths.resolve(input.excludePath, 'exclude_path');
      input = { ...input, excludePath };
      await checkGuard(excludePath, input.excludeMinAngleDeg, deps.paths.files);
    } else if (input.excludeMinAngleDeg) checkExclusionAngle(input.excludeMinAngleDeg);
    // A bad output folder fails the request now, not after the samples have been rendered.
    if (outputDir) await checkDatasetTarget(outputDir, deps.files, 'output_dir');
    options = { ...options, memory: estimateGenerate({ identities: matrix.rows, dim: matrix.dim, ahead: deps.generateAhead, imageSize: input.imageSize }) };

    const request: GenerateJobRequest = { ...input, outputDir, identitiesPath };
    delete (request as Partial<GenerateInput>).identities;
    if (!outputDir) return this.launch(request, matrix, inline !== undefined, options);
    request.fingerprint = fingerprintOf(request, matrix);
    const previous = this.claims.get(outputDir) ?? Promise.resolve();
    const claim = previous.catch(() => undefined).then(() => this.claimAndLaunch(outputDir, request, matrix, inline !== undefined, options));
    this.claims.set(outputDir, claim);
    try {
      return await claim;
    } finally {
      if (this.claims.get(outputDir) === claim) this.claims.delete(outputDir);
    }
  }

  /** One writer per output folder: attach to an identical job that writes it, refuse a different one. */
  private async claimAndLaunch(outputDir: string, request: GenerateJobRequest, matrix: Matrix, inline: boolean, options: StartOptions<GenerateJobRequest>): Promise<StartedGenerate> {
    const { jobs } = this.deps;
    const writer = jobs.list({ kind: generateJob.kind }).find((j) => !TERMINAL_STATES.has(j.state) && jobs.requestOf(generateJob, j.id)?.outputDir === outputDir);
    if (writer) {
      if ((await this.fingerprintOfJob(writer)) !== request.fingerprint) {
        throw new FailedPreconditionError(`output_dir ${outputDir} is being written by job ${writer.id} with a different request; wait for it, cancel it, or choose another folder`);
      }
      if (options.sink && !request.skipImages) jobs.attach(writer.id, options.sink);
      return { ...writer, attached: true };
    }
    const holder = await liveHolder(outputDir);
    if (holder) throw busyError(outputDir, holder);
    return this.launch(request, matrix, inline, options);
  }

  private async fingerprintOfJob(job: JobRecord): Promise<string> {
    const req = this.deps.jobs.requestOf(generateJob, job.id);
    if (!req) return '';
    if (req.fingerprint) return req.fingerprint;
    try {
      return fingerprintOf(req, await this.files.readMatrix(this.files.identitiesOf(req)));
    } catch {
      return '';
    }
  }

  /**
   * Starts the job. The identities already read stay in memory for its first run (`held`, by job
   * folder); inline ones are also written to the job folder, which only a resumed run reads.
   */
  private async launch(request: GenerateJobRequest, matrix: Matrix, inline: boolean, options: StartOptions<GenerateJobRequest>): Promise<JobRecord> {
    let dir: string | undefined;
    try {
      return await this.deps.jobs.start(generateJob, request, {
        ...options,
        prepare: async (jobDir) => {
          dir = jobDir;
          this.held.set(jobDir, matrix);
          if (!inline) return request;
          const file = join(jobDir, 'identities.npy');
          await writeFileAtomic(file, encodeNpyFloat32(matrix.data, matrix.rows, matrix.dim));
          return { ...request, identitiesPath: file };
        },
      });
    } catch (error) {
      if (dir !== undefined) this.held.delete(dir);
      throw error;
    }
  }

  /** The models as a request of class `cls` sees them: the generator batched across requests when batching is on. */
  modelsFor(cls: WorkClass): GenerationModels {
    const models = this.deps.models();
    const batchers = this.deps.batchers;
    if (!batchers) return models;
    return {
      generator: async (name) => batchers.wrap(await models.generator(name), cls),
      recognizer: (name) => models.recognizer(name),
    };
  }

  readonly run = async (ctx: JobContext<GenerateJobRequest>): Promise<unknown> => {
    const req = ctx.request;
    // The first run has the identities start() read; a resumed run reads its file (checked again: a request's file may have changed).
    const held = this.held.get(ctx.dir);
    this.held.delete(ctx.dir);
    const identities = held ?? (await this.files.readMatrix(this.files.identitiesOf(req), ctx.signal));
    const params = held ? withGenerateDefaults({ ...req.params, identities }) : this.checkIdentities(req.params, identities);
    const guard = req.excludePath ? await loadGuard(recordedPath(req.excludePath), req.excludeMinAngleDeg, this.deps.paths.files, ctx.signal) : undefined;
    if (guard) params.exclude = guard.exclude;
    let rejectedNearReal = 0;
    let droppedNearReal = 0;
    const total = planSize(params);
    const started = Date.now();
    let writer: DatasetWriter | undefined;
    if (req.outputDir && req.datasetFormat !== 'none') {
      const options = { imageSize: req.imageSize || 112, numClasses: identities.rows, holder: ctx.id, fingerprint: req.fingerprint ?? '', guard: this.deps.files };
      writer = await openDatasetWriter(recordedPath(req.outputDir), req.datasetFormat, options);
    }
    let done = 0;
    let skipped = 0;
    let below = 0;
    let cosineSum = 0;
    let cosineCount = 0;
    let lastProgress = 0;
    const emitProgress = async (force: boolean): Promise<void> => {
      // The job record's fraction is exact after every sample (GetJob reads it); the progress
      // events on the stream are throttled.
      ctx.setProgress(total > 0 ? (done + skipped) / total : 1);
      const now = Date.now();
      if (!force && now - lastProgress < 500) return;
      lastProgress = now;
      const elapsed = (now - started) / 1000;
      const rate = done / Math.max(elapsed, 1e-3);
      await ctx.emit('generate', { progress: { done: done + skipped, total, elapsedSeconds: elapsed, etaSeconds: rate > 0 ? (total - done - skipped) / rate : -1, facesPerSecond: rate, skipped } });
    };
    const skip = writer
      ? (i: number, k: number): boolean => {
          const has = writer.has(i, k);
          if (has) skipped += 1;
          return has;
        }
      : undefined;
    try {
      if (writer && req.outputDir) {
        // The reference embeddings next to the images, for dataset-quality evaluation.
        const refs = join(req.outputDir, 'identities.npy');
        if (!existsSync(refs)) {
          if (req.identitiesPath) await this.files.copySidecar(this.files.identitiesOf(req), req.outputDir, ctx.signal);
          await writeFileAtomic(refs, encodeNpyFloat32(identities.data, identities.rows, identities.dim));
        }
      }
      const ext = req.format === 'jpeg' ? 'jpg' : 'png';
      for await (const s of generateSamples(params, { models: this.modelsFor('bulk'), skip }, { signal: ctx.signal, batchSize: this.deps.generateAhead })) {
        rejectedNearReal += s.rejectedNearReal;
        if (s.droppedNearReal) {
          // Every attempt came within the exclusion angle of a real identity: nothing is written.
          droppedNearReal += 1;
          continue;
        }
        const image = req.imageSize && req.imageSize !== s.image.width ? await resizeImage(s.image, req.imageSize) : s.image;
        const needEncoded = writer !== undefined || req.format !== 'raw';
        const encoded = needEncoded ? await encodeImage(image, req.format === 'jpeg' ? 'jpeg' : 'png', req.jpegQuality) : undefined;
        let file = '';
        if (writer && encoded) {
          await writer.write({ identity: s.identity, sample: s.sample, seed: s.seed, encoded, ext, cosine: s.scored ? s.cosine : undefined, extra: { attempts: s.attempts, below_threshold: s.belowThreshold, ...(guard ? { rejected_near_real: s.rejectedNearReal } : {}) } });
          file = req.datasetFormat === 'imagefolder' ? `${String(s.identity).padStart(6, '0')}/${String(s.sample).padStart(4, '0')}.${ext}` : 'train.rec';
        }
        done += 1;
        this.deps.onFace?.(req.params.generator ?? 'default');
        if (s.belowThreshold) below += 1;
        if (s.scored) {
          cosineSum += s.cosine;
          cosineCount += 1;
        }
        if (!req.skipImages) {
          const sample: FaceSampleInfo = {
            identity: s.identity,
            sample: s.sample,
            seed: s.seed,
            image: req.format === 'raw' || !encoded ? { kind: 'raw', image } : { kind: 'encoded', bytes: encoded },
            cosine: s.cosine,
            attempts: s.attempts,
            belowThreshold: s.belowThreshold,
            file,
            rejectedNearReal: s.rejectedNearReal,
          };
          if (s.embedding) sample.embedding = s.embedding;
          await ctx.deliver(sample);
        }
        await emitProgress(false);
      }
    } finally {
      await writer?.close();
    }
    await emitProgress(true);
    const summary: GenerateSummaryInfo = {
      jobId: ctx.id,
      samples: done,
      identities: identities.rows,
      skipped,
      belowThreshold: below,
      meanCosine: cosineCount > 0 ? cosineSum / cosineCount : 0,
      elapsedSeconds: (Date.now() - started) / 1000,
      outputDir: req.outputDir ?? '',
      manifestPath: req.outputDir ? join(req.outputDir, 'manifest.jsonl') : '',
      ...(guard ? { rejectedNearReal, droppedNearReal, excludeMinAngleDeg: guard.exclude.minAngleDeg, excludeAngleSource: guard.angleSource } : {}),
    };
    await ctx.emit('generate', { summary });
    return summary;
  };
}

