// runPacking: initialisation, the iteration loop (progress, checkpoints, wall-clock budget, abort),
// resume, and the final exact metrics of the returned (best) iterate.
import { readFileSync } from 'node:fs';
import { FailedPreconditionError, InvalidArgumentError, throwIfAborted } from '../../errors.js';
import { type ComputeEngine } from '../../runtime/compute/engine.js';
import { decodeCheckpoint, encodeCheckpoint, type PackStateArrays } from './checkpoint.js';
import { normalizeRows, type PackMetricsInfo } from './objective.js';
import { FusedPaperOptimiser } from './fused.js';
import {
  exactEvaluation,
  type Evaluation,
  PaperOptimiser,
  StochasticOptimiser,
  type Optimiser,
  type OptimiserContext,
} from './optimisers.js';
import { FastOptimiser } from './fast-optimiser.js';
import { isBaselineMode, type PackParams } from './params.js';
import { Rng } from '../../util/rng.js';

export interface PackProgressInfo {
  iteration: number;
  iterations: number;
  metrics: PackMetricsInfo;
  bestMinAngleDeg: number;
  elapsedSeconds: number;
  etaSeconds: number;
  phase: string;
}

export interface PackCheckpointStore {
  load(): Promise<Uint8Array | null>;
  save(bytes: Uint8Array): Promise<void>;
}

export interface PackOutcome {
  embeddings: Float32Array;
  identities: number;
  dim: number;
  metrics: PackMetricsInfo;
  iterationsRun: number;
  elapsedSeconds: number;
  stopReason: 'completed' | 'max_seconds';
  provider: string;
}

export interface PackRunContext {
  compute: ComputeEngine;
  signal?: AbortSignal;
  onProgress?: (p: PackProgressInfo) => void;
  checkpoints?: PackCheckpointStore;
  log?: (msg: string) => void;
  /** Paper mode on the fused runtime step (false: the step-by-step JS reference). @default true */
  fused?: boolean;
}

/** The parameters that shape the trajectory; a checkpoint only resumes a run with the same ones. */
function fingerprint(p: PackParams, galleryRows: number, provider: string): string {
  return JSON.stringify([p.mode, p.identities, p.dim, p.init, p.alpha, p.learningRate, p.iterations, p.batchSize, p.seed, p.checkpointEvery, galleryRows, provider]);
}

function initialPoints(p: PackParams, gallery: Float32Array | null, galleryRows: number, rng: Rng): Float32Array {
  const { identities: n, dim: d } = p;
  const x = new Float32Array(n * d);
  if (p.init === 'gallery' && gallery && galleryRows > 0) {
    if (galleryRows >= n) {
      const rows = rng.sample(galleryRows, n);
      for (let i = 0; i < n; i++) x.set(gallery.subarray(rows[i]! * d, rows[i]! * d + d), i * d);
    } else {
      // with replacement + jitter (noise of norm ≈ 0.1, i.e. about 6°)
      const sigma = 0.1 / Math.sqrt(d);
      for (let i = 0; i < n; i++) {
        const r = i < galleryRows ? i : rng.int(galleryRows);
        for (let c = 0; c < d; c++) x[i * d + c] = gallery[r * d + c]! + sigma * rng.normal();
      }
    }
  } else {
    for (let c = 0; c < n * d; c++) x[c] = rng.normal();
  }
  normalizeRows(x, n, d);
  return x;
}

export async function runPacking(
  params: PackParams,
  gallery: { data: Float32Array; rows: number } | null,
  ctx: PackRunContext,
): Promise<PackOutcome> {
  // `params` were validated once by the caller (validatePackParams, with the configured bounds).
  const { identities: n, dim: d } = params;
  const log = ctx.log ?? (() => {});
  let g: Float32Array | null = null;
  let gRows = 0;
  if (gallery) {
    if (!Number.isInteger(gallery.rows) || gallery.rows < 1 || gallery.data.length !== gallery.rows * d) {
      throw new InvalidArgumentError({ field: 'gallery', description: `expected float32 [G, ${d}] with G >= 1, got ${gallery.data.length} values for ${gallery.rows} rows` });
    }
    g = Float32Array.from(gallery.data);
    gRows = gallery.rows;
    normalizeRows(g, gRows, d);
  }
  const started = performance.now();
  if (isBaselineMode(params.mode)) return baseline(params, g, gRows, ctx, started);
  const fp = fingerprint(params, gRows, ctx.compute.provider + (params.mode === 'paper' && ctx.fused !== false ? ':fused' : ''));
  const saved = ctx.checkpoints ? await ctx.checkpoints.load() : null;
  throwIfAborted(ctx.signal);

  let rng: Rng;
  let x: Float32Array;
  let best: Float32Array;
  let bestMin = -Infinity;
  let startIteration = 0;
  let priorElapsed = 0;
  let restoreArrays: PackStateArrays | undefined;
  let restoreScalars: Record<string, number> = {};
  if (saved) {
    const cp = decodeCheckpoint(saved);
    if (cp.fingerprint !== fp) throw new FailedPreconditionError('packing checkpoint was written for different parameters or another execution provider');
    rng = new Rng(Uint32Array.from(cp.rng));
    x = cp.arrays.x as Float32Array;
    best = cp.arrays.best as Float32Array;
    bestMin = cp.scalars.bestMin ?? -Infinity;
    startIteration = cp.iteration;
    priorElapsed = cp.elapsedSeconds;
    restoreArrays = cp.arrays;
    restoreScalars = cp.scalars;
    log(`pack: resuming at iteration ${startIteration}/${params.iterations}`);
  } else {
    rng = new Rng(params.seed);
    x = initialPoints(params, g, gRows, rng);
    best = Float32Array.from(x);
  }

  const elapsed = () => priorElapsed + (performance.now() - started) / 1000;
  const timeFraction = () => (params.maxSeconds > 0 ? Math.min(1, elapsed() / params.maxSeconds) : 0);
  const octx: OptimiserContext = { params, n, d, x, gallery: g, galleryRows: gRows, compute: ctx.compute, rng, signal: ctx.signal, timeFraction };
  const { bestMin: _b, ...optScalars } = restoreScalars;
  const restore = restoreArrays ? { arrays: restoreArrays, scalars: optScalars } : undefined;
  const fused = params.mode === 'paper' && ctx.fused !== false ? new FusedPaperOptimiser(octx, best, restore) : null;
  const opt: Optimiser | null = fused
    ? null
    : params.mode === 'paper'
      ? new PaperOptimiser(octx, restoreArrays)
      : params.mode === 'stochastic'
        ? new StochasticOptimiser(octx, restoreArrays)
        : new FastOptimiser(octx, restore);

  const T = params.iterations;
  let stopReason: PackOutcome['stopReason'] = 'completed';
  let it = startIteration;
  const loopStart = performance.now();
  /** The next steps: several per run on the fused path (never past a checkpoint), else one. */
  const advance = async (): Promise<Evaluation[]> => {
    if (fused) return fused.chunk(it, Math.min(fused.stepsPerRun, T - it, params.checkpointEvery - (it % params.checkpointEvery)));
    const ev = await opt!.evaluate(it);
    if (ev.exact && ev.metrics.minAngleDeg > bestMin) best.set(x);
    throwIfAborted(ctx.signal);
    opt!.update(it);
    return [ev];
  };
  try {
    while (it < T) {
      throwIfAborted(ctx.signal);
      const evs = await advance();
      const el = elapsed();
      const overBudget = params.maxSeconds > 0 && el >= params.maxSeconds;
      for (const [k, ev] of evs.entries()) {
        if (ev.exact && ev.metrics.minAngleDeg > bestMin) bestMin = ev.metrics.minAngleDeg;
        it++;
        if (ctx.onProgress && (it % params.progressEvery === 0 || it === T || (overBudget && k === evs.length - 1))) {
          const rate = (performance.now() - loopStart) / 1000 / Math.max(1, it - startIteration);
          let eta = rate * (T - it);
          if (params.maxSeconds > 0) eta = Math.min(eta, Math.max(0, params.maxSeconds - el));
          ctx.onProgress({ iteration: it, iterations: T, metrics: ev.metrics, bestMinAngleDeg: Math.max(bestMin, 0), elapsedSeconds: el, etaSeconds: Number.isFinite(eta) ? eta : -1, phase: ev.phase });
        }
      }
      if (overBudget) {
        stopReason = 'max_seconds';
        break;
      }
      if (ctx.checkpoints && it % params.checkpointEvery === 0 && it < T) {
        const st = fused ? await fused.sync(best) : opt!.saveState();
        const bytes = encodeCheckpoint({
          fingerprint: fp,
          iteration: it,
          rng: Array.from(rng.state()),
          elapsedSeconds: el,
          scalars: { ...st.scalars, bestMin },
          arrays: { x, best, ...st.arrays },
        });
        throwIfAborted(ctx.signal);
        await ctx.checkpoints.save(bytes);
      }
    }
    if (fused) await fused.sync(best);
  } finally {
    await fused?.release();
  }
  // The final iterate competes for "best" too; then exact metrics of what we return.
  const last = await exactEvaluation(octx, x);
  let metrics = last.metrics;
  let out = x;
  if (!(last.metrics.minAngleDeg >= bestMin)) {
    out = best;
    metrics = (await exactEvaluation(octx, best)).metrics;
  }
  const total = elapsed();
  log(`pack: ${params.mode} done after ${it} iterations in ${total.toFixed(1)} s: min angle ${metrics.minAngleDeg.toFixed(3)}°`);
  return { embeddings: out, identities: n, dim: d, metrics, iterationsRun: it, elapsedSeconds: total, stopReason, provider: ctx.compute.provider };
}

/** `random` / `random-gallery`: the seeded initial points themselves, no optimisation step. */
async function baseline(params: PackParams, g: Float32Array | null, gRows: number, ctx: PackRunContext, started: number): Promise<PackOutcome> {
  if (params.mode === 'random-gallery' && !g) throw new InvalidArgumentError({ field: 'gallery', description: 'mode random-gallery draws gallery rows and needs a gallery' });
  const { identities: n, dim: d } = params;
  const rng = new Rng(params.seed);
  const x = initialPoints(params, g, gRows, rng);
  const octx: OptimiserContext = { params, n, d, x, gallery: g, galleryRows: gRows, compute: ctx.compute, rng, signal: ctx.signal, timeFraction: () => 0 };
  const { metrics } = await exactEvaluation(octx, x);
  const el = (performance.now() - started) / 1000;
  ctx.onProgress?.({ iteration: 1, iterations: 1, metrics, bestMinAngleDeg: metrics.minAngleDeg, elapsedSeconds: el, etaSeconds: 0, phase: params.mode });
  return { embeddings: x, identities: n, dim: d, metrics, iterationsRun: 0, elapsedSeconds: el, stopReason: 'completed', provider: ctx.compute.provider };
}

let version: string | undefined;
function softwareVersion(): string {
  if (version === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
      version = pkg.version ?? 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

/** The JSON sidecar written next to the result .npy: parameters, seed, metrics, software version. */
export function packSidecar(params: PackParams, outcome: PackOutcome, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    kind: 'hyperface.pack',
    software: { name: '@hyperface/server', version: softwareVersion() },
    created: new Date().toISOString(),
    shape: [outcome.identities, outcome.dim],
    dtype: 'float32',
    parameters: { ...params },
    seed: params.seed,
    metrics: { ...outcome.metrics },
    iterationsRun: outcome.iterationsRun,
    elapsedSeconds: outcome.elapsedSeconds,
    stopReason: outcome.stopReason,
    provider: outcome.provider,
    ...extra,
  };
}
