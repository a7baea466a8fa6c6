// Mode `code` as a job: the exact metrics first (they depend on the code only), then the rows in
// blocks of `batch_size`, rotated by a seeded Haar-random frame on the compute engine, with progress,
// checkpoints (rotated rows go to the job's row spool; the checkpoint records how many are durable),
// resume, the wall-clock budget, and a check of sampled pairs in fp32 against the code's prediction.
import { FailedPreconditionError, InvalidArgumentError, throwIfAborted } from '../../shared/errors.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import type { PackMetricsInfo } from './objective.js';
import type { PackParams } from './params.js';
import type { PackOutcome, PackRunContext } from './run.js';
import { CodeSet, planCode, randomFrameSteps, type CodeFamily } from './spherical-code.js';
import { Rng } from '../../util/rng.js';
import type { ComputeEngine } from '../../runtime/compute/engine.js';

/** Where a `code` job keeps the rows it has rotated, so a resumed job reads them back instead of redoing them. */
export interface PackRowSpool {
  /** Prepares a spool of rows × dim float32 (keeps what an earlier run of the job wrote). */
  open(rows: number, dim: number): Promise<void>;
  write(firstRow: number, data: Float32Array): Promise<void>;
  read(firstRow: number, into: Float32Array): Promise<void>;
  /** Makes every write so far durable (called before a checkpoint records it). */
  sync(): Promise<void>;
}

export interface CodeReport {
  family: CodeFamily;
  /** GF(2^m) degree, code length n = 2^m − 1 (the cross-polytope: 0 and D). */
  m: number;
  length: number;
  /** Dimension of the subcode the points span (⌈log2 N⌉). */
  subcodeDim: number;
  capacity: number;
  guaranteedMinAngleDeg: number;
  /** False when max_seconds stopped the rotation: the rows are the code itself (axis-aligned), same metrics. */
  rotated: boolean;
  /** Pairs checked in fp32 against the predicted cosine, and the largest difference seen. */
  verifiedPairs: number;
  maxCosineError: number;
}

/** Largest |fp32 cosine − predicted| accepted before the job fails (a bug, not rounding: rounding is ≈ 1e-6). */
const VERIFY_TOLERANCE = 1e-4;
/** A progress event at least this often, whatever progress_every says. */
const PROGRESS_SECONDS = 20;
/** Longest stretch of synchronous work between two turns of the event loop (the daemon's watchdog, health). */
const SLICE_MS = 50;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs a generator to its end, letting the event loop turn every SLICE_MS. */
async function drive<T>(steps: Generator<void, T>, signal?: AbortSignal): Promise<T> {
  let since = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - since > SLICE_MS) {
      await turn();
      throwIfAborted(signal);
      since = performance.now();
    }
  }
}

export function codeViolation(p: PackParams, hasGallery: boolean): InvalidArgumentError | null {
  if (hasGallery) return new InvalidArgumentError({ field: 'gallery', description: 'mode code is gallery-free (it places points by an algebraic code and ignores faces): pass gallery none (--gallery none), or use init code with mode fast/paper for a gallery' });
  try {
    planCode(p.identities, p.dim);
    return null;
  } catch (e) {
    if (e instanceof InvalidArgumentError) return e;
    throw e;
  }
}

export async function runCode(params: PackParams, hasGallery: boolean, ctx: PackRunContext, started: number): Promise<PackOutcome & { code: CodeReport }> {
  const bad = codeViolation(params, hasGallery);
  if (bad) throw bad;
  const { identities: n, dim: d, seed } = params;
  const log = ctx.log ?? (() => {});
  const plan = planCode(n, d);
  const set = new CodeSet(plan, n, seed);
  const exact = set.exactMetrics();
  const metrics: PackMetricsInfo = { minAngleDeg: exact.minAngleDeg, meanNnAngleDeg: exact.meanNnAngleDeg, maxCosine: exact.maxCosine, meanGalleryDistance: 0, loss: exact.meanNnCosine, packingLoss: exact.meanNnCosine, galleryLoss: 0 };
  const cross = plan.family === 'cross-polytope';
  const len = cross ? Math.min(n, d) : plan.length;
  const frame = await drive(randomFrameSteps(len, d, seed), ctx.signal);
  const B = Math.min(params.batchSize, n);
  const T = Math.ceil(n / B);
  const fp = JSON.stringify(['code', n, d, seed, B, ctx.compute.provider]);

  let startBlock = 0;
  let priorElapsed = 0;
  const x = new Float32Array(n * d);
  const spool = ctx.checkpoints ? ctx.spool : undefined;
  if (spool) await spool.open(n, d);
  const saved = ctx.checkpoints ? await ctx.checkpoints.load() : null;
  if (saved) {
    const cp = decodeCheckpoint(saved);
    if (cp.fingerprint !== fp) throw new FailedPreconditionError('packing checkpoint was written for different parameters or another execution provider');
    if (spool) {
      startBlock = cp.iteration;
      priorElapsed = cp.elapsedSeconds;
      await spool.read(0, x.subarray(0, Math.min(n, startBlock * B) * d));
      log(`pack: code resuming at row ${Math.min(n, startBlock * B)}/${n} (block ${startBlock}/${T})`);
    }
  }
  const elapsed = () => priorElapsed + (performance.now() - started) / 1000;
  const progress = (block: number, phase: string) =>
    ctx.onProgress?.({ iteration: block, iterations: T, metrics, bestMinAngleDeg: metrics.minAngleDeg, elapsedSeconds: elapsed(), etaSeconds: -1, phase, exact: true });

  const scratch = new Float32Array(B * (cross ? d : len));
  let rotated = true;
  let stopReason: PackOutcome['stopReason'] = 'completed';
  let lastEvent = performance.now();
  let blockSeconds = 0;
  for (let b = startBlock; b < T; b++) {
    throwIfAborted(ctx.signal);
    const t0 = performance.now();
    const lo = b * B;
    const hi = Math.min(n, lo + B);
    const block = x.subarray(lo * d, hi * d);
    if (cross) {
      // ±F_(i mod D): the frame's rows are the rotated axes
      for (let i = lo; i < hi; i++) for (let c = 0; c < d; c++) block[(i - lo) * d + c] = (i < d ? 1 : -1) * frame[(i % len) * d + c]!;
    } else {
      set.rows(lo, hi, len, scratch);
      block.set(await ctx.compute.matmul(scratch, hi - lo, len, frame, d, ctx.signal));
    }
    if (spool) await spool.write(lo, block);
    blockSeconds += (performance.now() - t0) / 1000;
    const done = b + 1;
    if (done % params.progressEvery === 0 || done === T || (performance.now() - lastEvent) / 1000 >= PROGRESS_SECONDS) {
      progress(done, 'rotate');
      lastEvent = performance.now();
    }
    // the budget: as soon as the remaining blocks would not fit, return the code unrotated (drawing
    // every row again costs what the blocks' drawing and storing cost, less than rotating them)
    const per = blockSeconds / (done - startBlock);
    if (params.maxSeconds > 0 && done < T && elapsed() + 1.1 * per * (T - done) >= params.maxSeconds) {
      stopReason = 'max_seconds';
      rotated = false;
      break;
    }
    if (spool && done % params.checkpointEvery === 0 && done < T) {
      await spool.sync();
      throwIfAborted(ctx.signal);
      await ctx.checkpoints!.save(encodeCheckpoint({ fingerprint: fp, iteration: done, rng: [], elapsedSeconds: elapsed(), scalars: {}, arrays: {} }));
    }
  }
  if (!rotated) {
    log(`pack: code: max_seconds reached after ${elapsed().toFixed(1)} s; returning the code's rows unrotated (the same exact metrics)`);
    if (cross) {
      x.fill(0);
      for (let i = 0; i < n; i++) x[i * d + (i % d)] = i < d ? 1 : -1;
    } else {
      for (let lo = 0; lo < n; lo += B) {
        set.rows(lo, Math.min(n, lo + B), d, x.subarray(lo * d, Math.min(n, lo + B) * d));
        await turn();
      }
    }
    // the spool holds rotated rows a resume would mix with these: checkpoint nothing further
  }
  const check = verifySample(set, x, n, d, seed);
  if (check.maxError > VERIFY_TOLERANCE) {
    throw new Error(`mode code: sampled pair cosines differ from the code's prediction by up to ${check.maxError} (tolerance ${VERIFY_TOLERANCE}): a bug`);
  }
  if (!rotated) progress(T, 'unrotated');
  const total = elapsed();
  log(`pack: code (${plan.family}${plan.m ? `, m = ${plan.m}` : ''}) ${n} × ${d} in ${total.toFixed(1)} s: exact min angle ${metrics.minAngleDeg.toFixed(3)}°, mean NN ${metrics.meanNnAngleDeg.toFixed(3)}°; ${check.pairs} pairs checked in fp32, max |Δcos| ${check.maxError.toExponential(2)}`);
  return {
    embeddings: x,
    identities: n,
    dim: d,
    metrics,
    iterationsRun: 0,
    elapsedSeconds: total,
    stopReason,
    provider: ctx.compute.provider,
    code: { family: plan.family, m: plan.m, length: plan.length, subcodeDim: set.k, capacity: plan.capacity, guaranteedMinAngleDeg: plan.guaranteedMinAngleDeg, rotated, verifiedPairs: check.pairs, maxCosineError: check.maxError },
  };
}

/** The points of mode code (same seed = the same rows as runCode's), as the start of an optimiser (`init: code`). */
export async function codePoints(n: number, d: number, seed: number, blockRows: number, compute: ComputeEngine, signal?: AbortSignal): Promise<Float32Array> {
  const plan = planCode(n, d);
  const set = new CodeSet(plan, n, seed);
  const cross = plan.family === 'cross-polytope';
  const len = cross ? Math.min(n, d) : plan.length;
  const frame = await drive(randomFrameSteps(len, d, seed), signal);
  const x = new Float32Array(n * d);
  const B = Math.min(blockRows, n);
  const scratch = new Float32Array(B * len);
  for (let lo = 0; lo < n; lo += B) {
    throwIfAborted(signal);
    const hi = Math.min(n, lo + B);
    if (cross) {
      for (let i = lo; i < hi; i++) x.set(frame.subarray((i % len) * d, (i % len) * d + d).map((v) => (i < d ? v : -v)), i * d);
    } else {
      set.rows(lo, hi, len, scratch);
      x.set(await compute.matmul(scratch, hi - lo, len, frame, d, signal), lo * d);
    }
  }
  return x;
}

/** fp32 cosines of sampled pairs (random ones, and each sampled row with its nearest partner) against the code's prediction. */
export function verifySample(set: CodeSet, x: Float32Array, n: number, d: number, seed: number, pairs = 2000): { pairs: number; maxError: number } {
  const rng = Rng.derive(seed, 'pack-code-verify');
  let maxError = 0;
  let count = 0;
  const dot = (i: number, j: number) => {
    let s = 0;
    for (let c = 0; c < d; c++) s += x[i * d + c]! * x[j * d + c]!;
    return s;
  };
  const light = set.plan.family === 'cross-polytope' ? [] : lightestWords(set, 64);
  for (let p = 0; p < pairs && n >= 2; p++) {
    const i = rng.int(n);
    let j = rng.int(n - 1);
    if (j >= i) j++;
    // every other pair: a partner at the minimum weight, where one exists in the set
    if (p % 2 === 1) {
      const v = light.find((w) => (i ^ w) < n);
      if (v !== undefined) j = i ^ v;
    }
    maxError = Math.max(maxError, Math.abs(dot(i, j) - set.cosine(i, j)), Math.abs(dot(i, i) - 1));
    count++;
  }
  return { pairs: count, maxError };
}

function lightestWords(set: CodeSet, count: number): number[] {
  const wt = set.subcodeWeights();
  let min = Infinity;
  for (let v = 1; v < wt.length; v++) min = Math.min(min, wt[v]!);
  const out: number[] = [];
  for (let v = 1; v < wt.length && out.length < count; v++) if (wt[v] === min) out.push(v);
  return out;
}
