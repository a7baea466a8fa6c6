// The packing application service: resolves the gallery and dimension, validates parameters
// (withPackDefaults/validatePackParams), runs the optimiser as a persisted job, writes the result
// (.npy + JSON sidecar) and emits its progress and result (packing/events.ts) to the job log.
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { encodeNpyFloat32, npyHeader } from '../../util/npy.js';
import { InvalidArgumentError, NotFoundError } from '../../shared/errors.js';
import { writeChunksAtomic, writeFileAtomic } from '../../util/fs-atomic.js';
import { RowSpoolFile } from './row-spool.js';
import type { JobContext, JobManager, StartOptions } from '../jobs/manager.js';
import type { JobRecord } from '../jobs/types.js';
import { packJob, type PackJobRequest } from './packing-job.js';
import { readNpyMatrix } from '../files/npy-files.js';
import { estimatePack } from '../jobs/memory.js';
import type { PathPolicy } from '../files/paths.js';
import { FileGuard, isInside, ownPath, recordedPath, type SafePath } from '../files/safe-files.js';
import { codeViolation, dimViolations, FIXED_MODES, packParamViolations, packSidecar, runPacking, withPackDefaults, type PackParams } from '../packing/index.js';
import { normalizeRows } from '../../util/vec.js';
import type { PackResultInfo } from '../packing/events.js';
import type { ComputeEngine } from '../../runtime/compute/engine.js';
import { checkFixed, fixedReports, loadFixed, type FixedSpec } from './packing-fixed.js';
import { BLOCK_ROWS, FIXED_K } from '../packing/fixed.js';

export type GallerySpec =
  | { kind: 'none' }
  | { kind: 'npy'; path: string }
  | { kind: 'image_dir'; path: string }
  | { kind: 'builtin'; size: number }
  | { kind: 'inline'; data: Float32Array; rows: number; dim: number };

/** What the transport decodes a PackRequest into. Unset optional numbers take the documented defaults. */
export interface PackInput {
  params: Partial<PackParams> & { identities: number; dim: number };
  recognizer?: string;
  /** Undefined = builtin when a recognizer is involved, none when `dim` is given. */
  gallery?: GallerySpec;
  /** Server-side output .npy (already confined by the caller's PathPolicy or raw here). */
  outputPath?: string;
  /** Real identities to keep `excludeMinAngleDeg` away from (docs/privacy.md). */
  exclude?: FixedSpec;
  excludeMinAngleDeg?: number;
  /** Existing identities to pack the new ones among (they stay fixed; only new rows come back). */
  extend?: FixedSpec;
}

export interface GalleryBuilder {
  /** Embeds every face image under `dir` with `recognizer` (largest face per image). */
  fromImageDir(dir: SafePath, recognizer: string, signal: AbortSignal, files: FileGuard): Promise<{ data: Float32Array; rows: number; dim: number; files?: string[] }>;
  /** Embeddings of `size` faces drawn from the default generator, embedded by `recognizer`. */
  builtin(size: number, recognizer: string, seed: number, signal: AbortSignal): Promise<{ data: Float32Array; rows: number; dim: number }>;
}

export interface PackingDeps {
  jobs: JobManager;
  paths: PathPolicy;
  /** Compute engine for a device (cached by the runtime wiring). */
  compute(device: 'cpu' | 'gpu'): Promise<ComputeEngine>;
  /** Recognizer dimension lookup (throws NotFound / FailedPrecondition). */
  recognizerDim(name: string | undefined): { name: string; dim: number };
  galleries: GalleryBuilder;
  version: string;
  maxIdentities: number;
  /** Confines what a job writes to the data root (no symlink on the way). */
  files: FileGuard;
}

/** The JSON sidecar written next to an output .npy. */
const sidecarOf = (npy: string): string => npy.replace(/\.npy$/i, '') + '.json';

type Rows = { data: Float32Array; rows: number; cols: number };

export class PackingApp {
  /** Per job folder, the gallery rows start() read or was sent, for the job's first run (not read back). */
  private readonly held = new Map<string, Rows>();
  /** Per job id, whether a stream waits for its result rows, and once the run has them, the rows. */
  private readonly results = new Map<string, Rows | null>();
  constructor(private readonly deps: PackingDeps) {}

  async start(input: PackInput, options: StartOptions<PackJobRequest> = {}): Promise<JobRecord> {
    const { deps } = this;
    // mode code is gallery-free: unset = none (its dimension from `dim` or the recognizer)
    const gallery = input.gallery ?? ((input.params.dim > 0 && !input.recognizer) || input.params.mode === 'code' ? { kind: 'none' as const } : { kind: 'builtin' as const, size: 0 });
    // Every count of the request, once, before any file or model is touched; `dim` once it is known.
    const hasFixed = input.exclude !== undefined || input.extend !== undefined;
    // Fixed rows run on the paper step unless a mode is asked for (packing/run.ts FIXED_MODES).
    const params = withPackDefaults({ ...input.params, ...(hasFixed && !input.params.mode ? { mode: 'paper' as const } : {}) }, gallery.kind !== 'none');
    const bad = packParamViolations(params, { maxIdentities: deps.maxIdentities });
    if (hasFixed && !FIXED_MODES.includes(params.mode)) bad.push({ field: 'mode', description: `exclude and extend need mode ${FIXED_MODES.join(' or ')}, not ${params.mode}` });
    if (input.params.dim !== 0) bad.push(...dimViolations(input.params.dim));
    if (bad.length > 0) throw new InvalidArgumentError(bad);
    let dim = input.params.dim;
    let recognizer = input.recognizer ?? '';
    let galleryFile: string | undefined;
    let galleryRows = gallery.kind === 'builtin' ? gallery.size || 1000 : 0;
    let inline: { data: Float32Array; rows: number; dim: number } | undefined;
    let galleryRead: Rows | undefined;

    if (gallery.kind === 'npy') {
      const path = deps.paths.resolve(gallery.path, 'gallery.npy_path');
      const m = await readNpyMatrix(deps.paths.files, path, 'gallery.npy_path');
      checkGallery(m.rows, m.cols, dim, 'gallery.npy_path', m.data);
      dim ||= m.cols;
      galleryFile = path;
      galleryRows = m.rows;
      galleryRead = m;
    } else if (gallery.kind === 'inline') {
      checkGallery(gallery.rows, gallery.dim, dim, 'gallery.embeddings', gallery.data);
      dim ||= gallery.dim;
      inline = gallery;
      galleryRows = gallery.rows;
      galleryRead = { data: gallery.data, rows: gallery.rows, cols: gallery.dim };
    } else if (gallery.kind === 'image_dir' || gallery.kind === 'builtin' || dim === 0) {
      const r = deps.recognizerDim(input.recognizer);
      recognizer = r.name;
      if (dim !== 0 && dim !== r.dim && gallery.kind !== 'none') {
        throw new InvalidArgumentError({ field: 'dim', description: `recognizer ${r.name} embeds into ${r.dim} dimensions, not ${dim}` });
      }
      dim ||= r.dim;
    }

    if ((input.exclude?.kind === 'image_dir' || input.extend?.kind === 'image_dir') && !recognizer) {
      const r = deps.recognizerDim(input.recognizer);
      if (dim !== 0 && dim !== r.dim) throw new InvalidArgumentError({ field: 'dim', description: `recognizer ${r.name} embeds into ${r.dim} dimensions, not ${dim}` });
      recognizer = r.name;
      dim ||= r.dim;
    }
    if (input.params.dim === 0) {
      const badDim = dimViolations(dim);
      if (badDim.length > 0) throw new InvalidArgumentError(badDim);
    }
    params.dim = dim;
    if (params.mode === 'code' || params.init === 'code') {
      // init code takes a gallery (the optimiser's term); the code's own limits on N and D hold for both
      const bad = codeViolation(params, params.mode === 'code' && gallery.kind !== 'none');
      if (bad) throw bad;
    }
    const fixed = await checkFixed(input, params.dim, deps.paths);
    options = { ...options, memory: estimatePack({ identities: params.identities, dim: params.dim, mode: params.mode, galleryRows }) };
    if (hasFixed) {
      // Fixed rows (packing/fixed.ts): 4 candidate vectors per point and set, and one block (the top-k
      // scratch is the compute engine's, bounded by its block size whatever the set's size).
      const sets = (input.exclude ? 1 : 0) + (input.extend ? 1 : 0);
      const extra = sets * (params.identities * FIXED_K * params.dim * 4 + BLOCK_ROWS * params.dim * 4);
      options = { ...options, memory: { bytes: options.memory!.bytes + extra, what: `${options.memory!.what}, ${sets} fixed set(s) streamed in blocks of ${BLOCK_ROWS}` } };
    }

    const request: PackJobRequest = {
      params,
      recognizer,
      gallery:
        gallery.kind === 'none'
          ? { kind: 'none' }
          : gallery.kind === 'image_dir'
            ? { kind: 'image_dir', path: deps.paths.resolve(gallery.path, 'gallery.image_dir') }
            : gallery.kind === 'builtin'
              ? { kind: 'builtin', size: gallery.size || 1000 }
              : { kind: 'file', path: galleryFile ?? '' },
      outputPath: input.outputPath ? deps.paths.resolve(input.outputPath, 'output_path') : undefined,
      ...(fixed ? { fixed: fixed.request } : {}),
    };
    if (request.outputPath) {
      // A bad output path fails the request now, not after the optimisation has run.
      await deps.files.writableTarget(request.outputPath, 'output_path', 'file');
      await deps.files.writableTarget(sidecarOf(request.outputPath), 'output_path', 'file');
    }
    if (request.gallery.kind === 'image_dir' && !existsSync(request.gallery.path)) throw new NotFoundError(`gallery folder ${gallery.kind === 'image_dir' ? gallery.path : ''}`);

    // Inline rows live in the job folder (the job record points at that file, for a resume); the
    // rows read or sent stay in memory for the first run.
    let jobDir: string | undefined;
    const prepare = async (dir: string): Promise<PackJobRequest> => {
      jobDir = dir;
      if (galleryRead) this.held.set(dir, galleryRead);
      const out: PackJobRequest = { ...request };
      if (inline) {
        const file = join(dir, 'gallery.npy');
        await writeFileAtomic(file, encodeNpyFloat32(inline.data, inline.rows, inline.dim));
        out.gallery = { kind: 'file', path: file };
      }
      if (fixed) out.fixed = await fixed.prepare(dir);
      return out;
    };
    try {
      return await deps.jobs.start(packJob, inline ? { ...request, gallery: { kind: 'file', path: '' } } : request, { ...options, prepare });
    } catch (error) {
      if (jobDir !== undefined) this.held.delete(jobDir);
      throw error;
    }
  }

  /** The job runner registered with the JobManager for 'pack' jobs. */
  readonly run = async (ctx: JobContext<PackJobRequest>): Promise<unknown> => {
    const req = ctx.request;
    const gallery = await this.loadGallery(req, ctx);
    const compute = await this.deps.compute(req.params.device);
    const spool = req.params.mode === 'code' ? new RowSpoolFile(join(ctx.dir, SPOOL)) : undefined;
    const fixed = req.fixed
      ? await loadFixed(req.fixed, { dir: ctx.dir, signal: ctx.signal, recognizer: req.recognizer, dim: req.params.dim, files: this.deps.paths.files, own: OWN_FILES, galleries: this.deps.galleries })
      : { groups: [], angleSource: '' };
    const outcome = await runPacking(req.params, gallery, {
      compute,
      signal: ctx.signal,
      onProgress: (p) => {
        ctx.setProgress(p.iterations > 0 ? p.iteration / p.iterations : 0);
        ctx.emit('pack', { progress: p }).catch((e: unknown) => ctx.log.warn('progress event lost', { error: e as Error }));
      },
      checkpoints: { load: () => ctx.loadCheckpoint(), save: (b) => ctx.saveCheckpoint(b) },
      spool,
      log: (msg) => ctx.log.info(msg),
    }, fixed.groups).finally(() => spool?.close());
    const reports = fixedReports(outcome.metrics.fixed, fixed.angleSource);
    // streamed from the rows in views: no second copy of a result that may be gigabytes
    const npy = () => npyChunks(outcome.embeddings, outcome.identities, outcome.dim);
    if (this.results.has(ctx.id)) this.results.set(ctx.id, { data: outcome.embeddings, rows: outcome.identities, cols: outcome.dim });
    const npyPath = join(ctx.dir, 'result.npy');
    const sidecarPath = join(ctx.dir, 'result.json');
    const sidecar = packSidecar(req.params, outcome, { jobId: ctx.id, recognizer: req.recognizer || null, gallery: describeGallery(req), softwareVersion: this.deps.version, ...reports, ...(req.fixed ? { fixedSources: req.fixed } : {}) });
    await writeChunksAtomic(npyPath, npy());
    await writeFileAtomic(sidecarPath, JSON.stringify(sidecar, null, 2) + '\n');
    let outNpy = npyPath;
    let outSidecar = sidecarPath;
    if (req.outputPath) {
      outNpy = req.outputPath;
      outSidecar = sidecarOf(req.outputPath);
      // Checked again: a link may have been planted while the job ran.
      for (const p of [outNpy, outSidecar]) await this.deps.files.writableTarget(p, 'output_path', 'file');
      await mkdir(dirname(req.outputPath), { recursive: true });
      await writeChunksAtomic(outNpy, npy());
      await writeFileAtomic(outSidecar, JSON.stringify(sidecar, null, 2) + '\n');
    }
    await spool?.remove();
    const result: PackResultInfo = {
      jobId: ctx.id,
      shape: [outcome.identities, outcome.dim],
      metrics: outcome.metrics,
      iterationsRun: outcome.iterationsRun,
      elapsedSeconds: outcome.elapsedSeconds,
      stopReason: outcome.stopReason,
      npyPath: outNpy,
      sidecarPath: outSidecar,
      provider: outcome.provider,
      ...reports,
    };
    await ctx.emit('pack', { result });
    return result;
  };

  /**
   * The rows of a finished job's result: its own copy in the job folder, read through the file
   * guard (a regular file of the daemon's own, type- and size-checked), for the stream that asked.
   */
  resultRows(jobId: string, signal?: AbortSignal): Promise<Rows> {
    const kept = this.results.get(jobId);
    this.results.delete(jobId);
    if (kept) return Promise.resolve(kept);
    return readNpyMatrix(OWN_FILES, ownPath(join(this.deps.jobs.dirOf(jobId), 'result.npy')), 'result', signal);
  }

  /**
   * A stream will ask for the job's result rows: the run keeps them in memory for it (resultRows)
   * instead of the stream reading back the file it just wrote. The returned function lets go.
   */
  wantResult(jobId: string): () => void {
    if (!this.results.has(jobId)) this.results.set(jobId, null);
    return () => this.results.delete(jobId);
  }

  private async loadGallery(req: PackJobRequest, ctx: JobContext): Promise<{ data: Float32Array; rows: number } | null> {
    const g = req.gallery;
    if (g.kind === 'none') return null;
    const held = this.held.get(ctx.dir);
    this.held.delete(ctx.dir);
    if (held) return { data: normalizedCopy(held.data, held.rows, held.cols), rows: held.rows };
    const cached = join(ctx.dir, 'gallery.npy');
    const file = g.kind === 'file' ? g.path : cached;
    if (existsSync(file)) {
      // The request's file is confined to the data root; the cached copy is the job's own.
      // (an inline gallery's copy is in the job folder too: the data dir is closed to request paths)
      const own = g.kind !== 'file' || isInside(resolve(this.deps.jobs.dirOf('')), resolve(file));
      const m = await readNpyMatrix(own ? OWN_FILES : this.deps.paths.files, own ? ownPath(file) : recordedPath(file), 'gallery', ctx.signal);
      if (m.cols !== req.params.dim) throw new InvalidArgumentError({ field: 'gallery', description: `gallery rows have ${m.cols} dimensions, the packing has ${req.params.dim}` });
      return { data: normalizedCopy(m.data, m.rows, m.cols), rows: m.rows };
    }
    const built =
      g.kind === 'image_dir'
        ? await this.deps.galleries.fromImageDir(recordedPath(g.path), req.recognizer, ctx.signal, this.deps.paths.files)
        : await this.deps.galleries.builtin(g.kind === 'builtin' ? g.size : 1000, req.recognizer, req.params.seed, ctx.signal);
    if (built.dim !== req.params.dim) throw new InvalidArgumentError({ field: 'gallery', description: `gallery embeddings have ${built.dim} dimensions, the packing has ${req.params.dim}` });
    await writeFileAtomic(cached, encodeNpyFloat32(built.data, built.rows, built.dim));
    return { data: normalizedCopy(built.data, built.rows, built.dim), rows: built.rows };
  }
}

/** Mode code's rotated rows between checkpoints (job folder; removed once the result is written). */
const SPOOL = 'rows.f32';

function* npyChunks(data: Float32Array, rows: number, cols: number): Generator<Uint8Array> {
  yield npyHeader('float32', [rows, cols]);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, rows * cols * 4);
  for (let off = 0; off < bytes.length; off += 16 << 20) yield bytes.subarray(off, Math.min(bytes.length, off + (16 << 20)));
}

/** Files the daemon wrote itself (job folders): not confined to the data root, still type- and size-checked. */
const OWN_FILES = new FileGuard(undefined);

function checkGallery(rows: number, cols: number, dim: number, field: string, data: Float32Array): void {
  if (rows < 1) throw new InvalidArgumentError({ field, description: 'the gallery is empty' });
  if (dim !== 0 && cols !== dim) throw new InvalidArgumentError({ field, description: `gallery rows have ${cols} dimensions but dim is ${dim}` });
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c]!;
      if (!Number.isFinite(v)) throw new InvalidArgumentError({ field, description: `row ${r} contains NaN or infinite values` });
      norm += v * v;
    }
    if (norm === 0) throw new InvalidArgumentError({ field, description: `row ${r} is all zeros` });
  }
}

function describeGallery(req: PackJobRequest): unknown {
  return req.gallery.kind === 'file' ? { kind: 'npy', path: req.gallery.path } : req.gallery;
}

/** A normalised copy (the gallery file itself stays as the user wrote it). */
function normalizedCopy(data: Float32Array, rows: number, dim: number): Float32Array {
  return normalizeRows(data.slice(0, rows * dim), rows, dim, 'e0');
}
