// runPacking: initialisation, the iteration loop (progress, checkpoints, wall-clock budget, abort),
// resume, and the final exact metrics of the returned iterate (the last one; fast mode: the best).
import { readFileSync } from 'node:fs';
import { FailedPreconditionError, InvalidArgumentError, throwIfAborted } from '../../shared/errors.js';
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
import { FixedSet, packScore, type FixedGroup } from './fixed.js';
import { codePoints, runCode, type CodeReport, type PackRowSpool } from './code-run.js';

export interface PackProgressInfo {
  iteration: number;
  iterations: number;
  metrics: PackMetricsInfo;
  bestMinAngleDeg: number;
  elapsedSeconds: number;
  etaSeconds: number;
  phase: string;
  /** `metrics` are exact (a pass over all pairs); false: over refined candidate lists, so the angles are upper bounds. Absent in older job logs. */
  exact?: boolean;
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
  /** Mode code: the construction, and the fp32 check of sampled pairs. */
  code?: CodeReport;
}

export interface PackRunContext {
  compute: ComputeEngine;
  signal?: AbortSignal;
  onProgress?: (p: PackProgressInfo) => void;
  checkpoints?: PackCheckpointStore;
  /** Mode code: where rotated rows persist between checkpoints (without one, a resumed code job starts over). */
  spool?: PackRowSpool;
  log?: (msg: string) => void;
  /** Paper mode on the fused runtime step (false: the step-by-step JS reference). @default true */
  fused?: boolean;
}

/** The parameters that shape the trajectory; a checkpoint only resumes a run with the same ones. */
function fingerprint(p: PackParams, galleryRows: number, provider: string, fixed: FixedSet | null): string {
  const base = [p.mode, p.identities, p.dim, p.init, p.alpha, p.learningRate, p.iterations, p.batchSize, p.seed, p.checkpointEvery, galleryRows, provider];
  return JSON.stringify(fixed ? [...base, fixed.digest] : base);
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

/** Modes that take fixed rows (exclusion set / existing identities): the JS paper step and stochastic. */
export const FIXED_MODES: readonly string[] = ['paper', 'stochastic'];

export async function runPacking(
  params: PackParams,
  gallery: { data: Float32Array; rows: number } | null,
  ctx: PackRunContext,
  fixedGroups: FixedGroup[] = [],
): Promise<PackOutcome> {
  // `params` were validated once by the caller (validatePackParams, with the configured bounds).
  if (fixedGroups.length > 0 && !FIXED_MODES.includes(params.mode)) {
    throw new InvalidArgumentError({ field: 'mode', description: `exclusion sets and --extend need mode ${FIXED_MODES.join(' or ')}, not ${params.mode}` });
  }
  const fixed = fixedGroups.length > 0 ? new FixedSet(fixedGroups, params.identities, params.dim) : null;
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
  if (params.mode === 'code') return runCode(params, g !== null, ctx, started);
  if (isBaselineMode(params.mode)) return baseline(params, g, gRows, ctx, started);
  // Fixed rows run paper mode on the JS step (the fused runtime step has no fixed block).
  const useFused = params.mode === 'paper' && ctx.fused !== false && !fixed;
  const fp = fingerprint(params, gRows, ctx.compute.provider + (useFused ? ':fused' : ''), fixed);
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
    x = params.init === 'code' ? await codePoints(params.identities, d, params.seed, params.batchSize, ctx.compute, ctx.signal) : initialPoints(params, g, gRows, rng);
    if (fixed) {
      await fixed.refresh(x, ctx.compute, ctx.signal);
      fixed.project(x);
    }
    best = Float32Array.from(x);
  }
  if (fixed && saved) await fixed.refresh(x, ctx.compute, ctx.signal);

  const elapsed = () => priorElapsed + (performance.now() - started) / 1000;
  /** Seconds held back from max_seconds for the final exact metrics (updated as passes are timed). */
  let reserved = 0;
  /** The exact metrics of `best` when this run evaluated it (a second final pass would only repeat them). */
  let bestMetrics: PackMetricsInfo | undefined;
  const timeFraction = () => (params.maxSeconds > 0 ? Math.min(1, elapsed() / Math.max(1e-3, params.maxSeconds - reserved)) : 0);
  const octx: OptimiserContext = { params, n, d, x, gallery: g, galleryRows: gRows, fixed, compute: ctx.compute, rng, signal: ctx.signal, timeFraction };
  const { bestMin: _b, ...optScalars } = restoreScalars;
  const restore = restoreArrays ? { arrays: restoreArrays, scalars: optScalars } : undefined;
  const fused = useFused ? new FusedPaperOptimiser(octx, best, restore) : null;
  const prev = fixed ? new Float32Array(n * d) : null;
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
  const checkpoint = async (el: number): Promise<void> => {
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
    await ctx.checkpoints!.save(bytes);
  };
  /** The next steps: several per run on the fused path (never past a checkpoint), else one. */
  const advance = async (): Promise<Evaluation[]> => {
    if (fused) return fused.chunk(it, Math.min(fused.stepsPerRun, T - it, params.checkpointEvery - (it % params.checkpointEvery)));
    if (fixed) await fixed.ensureFresh(x, ctx.compute, ctx.signal);
    const ev = await opt!.evaluate(it);
    if (ev.exact && packScore(ev.metrics.minAngleDeg, ev.metrics.fixed) > bestMin) best.set(x);
    throwIfAborted(ctx.signal);
    prev?.set(x);
    opt!.update(it);
    if (fixed) fixed.afterStep(prev!, x);
    return [ev];
  };
  // max_seconds covers the final exact metrics too: stop when the next advance plus one exact pass
  // (as long as the last one the engine timed; a fused paper step holds one) would not fit
  let recent: number[] = [];
  let firstDt: number | null = null;
  // no full pass timed yet (a resumed large-N run): a timed sample estimates the final one
  let estimated: number | undefined;
  const reserve = (perStep: number) => {
    const nn = ctx.compute.passSeconds('nn', n, d) ?? (fused ? perStep : (estimated ?? 0));
    return 1.05 * (nn + (g ? (ctx.compute.passSeconds('gallery', n, d, gRows) ?? 0) : 0));
  };
  try {
    while (it < T) {
      throwIfAborted(ctx.signal);
      const a0 = performance.now();
      const evs = await advance();
      // the first advance carries one-off costs (sessions, a first full pass): it predicts only until others exist
      const dt = (performance.now() - a0) / 1000;
      if (firstDt === null) firstDt = dt;
      else recent = [...recent.slice(-3), dt];
      if (params.maxSeconds > 0 && !fused && estimated === undefined && ctx.compute.passSeconds('nn', n, d) === undefined) estimated = await ctx.compute.estimatePassSeconds(x, n, d, ctx.signal);
      const el = elapsed();
      const next = recent.length ? Math.max(...recent) : firstDt;
      reserved = reserve(next / evs.length);
      const overBudget = params.maxSeconds > 0 && el + next + reserved >= params.maxSeconds;
      for (const [k, ev] of evs.entries()) {
        const score = packScore(ev.metrics.minAngleDeg, ev.metrics.fixed);
        if (ev.exact && score > bestMin) {
          bestMin = score;
          bestMetrics = ev.metrics;
        }
        it++;
        if (ctx.onProgress && (it % params.progressEvery === 0 || it === T || (overBudget && k === evs.length - 1))) {
          const rate = (performance.now() - loopStart) / 1000 / Math.max(1, it - startIteration);
          let eta = rate * (T - it);
          if (params.maxSeconds > 0) eta = Math.min(eta, Math.max(0, params.maxSeconds - el));
          ctx.onProgress({ iteration: it, iterations: T, metrics: ev.metrics, bestMinAngleDeg: Math.max(bestMin, 0), elapsedSeconds: el, etaSeconds: Number.isFinite(eta) ? eta : -1, phase: ev.phase, exact: ev.exact });
        }
      }
      if (overBudget) {
        stopReason = 'max_seconds';
        break;
      }
      if (ctx.checkpoints && it % params.checkpointEvery === 0 && it < T) await checkpoint(el);
    }
    if (fused) await fused.sync(best);
  } finally {
    await fused?.release();
  }
  // Paper and stochastic return the final iterate (Algorithm 1/2 of the paper). Fast mode returns its
  // best iterate (its restart cycles start from fresh points; the last cycle need not be the best).
  const exact = async (y: Float32Array) => {
    if (fixed) await fixed.refresh(y, ctx.compute, ctx.signal);
    return (await exactEvaluation(octx, y)).metrics;
  };
  let metrics = await exact(x);
  let out = x;
  if (params.mode === 'fast' && !(packScore(metrics.minAngleDeg, metrics.fixed) >= bestMin)) {
    out = best;
    // the exclusion constraint's candidates must be refreshed for `best`, hence the pass with `fixed`
    metrics = !fixed && bestMetrics ? bestMetrics : await exact(best);
  }
  const ex = metrics.fixed?.exclusion;
  if (fixed && ex && ex.minAngleDeg < ex.requiredMinAngleDeg) {
    // A last projection with exact candidates, checked by a fresh exact pass.
    fixed.project(out);
    metrics = await exact(out);
    const ex2 = metrics.fixed!.exclusion!;
    if (ex2.minAngleDeg < ex2.requiredMinAngleDeg) {
      if (ctx.checkpoints) await checkpoint(elapsed());
      throw new FailedPreconditionError(
        `exclusion constraint not met: the returned identities come within ${ex2.minAngleDeg.toFixed(3)}° of an excluded row, ` +
          `${ex2.requiredMinAngleDeg.toFixed(3)}° required (the best iterate is kept in the job's checkpoint; lower exclude_min_angle_deg, ` +
          'pack fewer identities or raise iterations)',
      );
    }
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
    ...(outcome.code ? { code: outcome.code } : {}),
    ...extra,
  };
}
