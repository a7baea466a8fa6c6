// The paper and stochastic optimisers, and what all three (fast: fast-optimiser.ts) share, behind one interface. Each iteration is split into evaluate() (the
// blockwise neighbour search for the current iterate; metrics of that iterate) and update() (the
// O(N·D) step in JS), so the driver can keep the best iterate before it moves. All state needed to
// continue lives in saveState()/the constructor's `restore`, so a resumed run is bit-identical.
import { type ComputeEngine } from '../../runtime/compute/engine.js';
import { type PackParams } from './params.js';
import { type Rng } from '../../util/rng.js';
import { metricsFrom, packingGradient, normalizeRows, type PackMetricsInfo } from './objective.js';
import { type PackStateArrays } from './checkpoint.js';
import type { FixedSet } from './fixed.js';

export interface OptimiserContext {
  params: PackParams;
  n: number;
  d: number;
  /** The current iterate, unit rows [N, D]; optimisers update it in place. */
  x: Float32Array;
  gallery: Float32Array | null;
  galleryRows: number;
  /** Fixed rows that repel and never move (exclusion set / existing identities); paper and stochastic modes. */
  fixed?: FixedSet | null;
  compute: ComputeEngine;
  rng: Rng;
  signal?: AbortSignal;
  /** Fraction of the wall-clock budget used (0 without max_seconds); fast mode anneals over it. */
  timeFraction: () => number;
}

export interface Evaluation {
  metrics: PackMetricsInfo;
  /** True when the metrics are exact for the whole iterate (eligible as the best iterate). */
  exact: boolean;
  phase: string;
}

export interface Optimiser {
  evaluate(iteration: number): Promise<Evaluation>;
  update(iteration: number): void;
  saveState(): { arrays: PackStateArrays; scalars: Record<string, number> };
}

/** Exact metrics of an iterate: one blockwise nearest-neighbour pass (+ nearest gallery rows). */
export async function exactEvaluation(ctx: OptimiserContext, x: Float32Array): Promise<{ metrics: PackMetricsInfo; nn: Int32Array; nnCos: Float32Array; galleryNn: Int32Array | null }> {
  const { n, d, compute, gallery, galleryRows, signal, params } = ctx;
  const nn = await compute.nearestNeighbours(x, n, d, 1, signal);
  let gnn: Int32Array | null = null;
  let gcos: Float32Array | null = null;
  if (gallery) {
    const r = await compute.nearestGallery(x, n, gallery, galleryRows, d, signal);
    gnn = r.index;
    gcos = r.value;
  }
  const metrics = metricsFrom(nn.value, gcos, params.alpha);
  if (ctx.fixed) metrics.fixed = ctx.fixed.metrics(x);
  return { metrics, nn: nn.index, nnCos: nn.value, galleryNn: gnn };
}

// ---------------------------------------------------------------------------------------------
// Paper mode: full-batch Adam on the points, re-projected on the sphere after every step.

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

export function adamRows(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, d: number, t: number, lr: number, rows: Iterable<number>): void {
  const c1 = 1 - BETA1 ** t;
  const c2 = 1 - BETA2 ** t;
  const a = lr / c1;
  const s2 = 1 / Math.sqrt(c2);
  for (const i of rows) {
    const o = i * d;
    for (let c = o; c < o + d; c++) {
      const gi = g[c]!;
      const mi = (m[c] = BETA1 * m[c]! + (1 - BETA1) * gi);
      const vi = (v[c] = BETA2 * v[c]! + (1 - BETA2) * gi * gi);
      x[c]! -= (a * mi) / (Math.sqrt(vi) * s2 + EPS);
    }
  }
}

/** Adam moments (restored from a checkpoint when present) and a gradient buffer, [N, D] each. */
function adamState(ctx: OptimiserContext, restore?: PackStateArrays): { m: Float32Array; v: Float32Array; g: Float32Array } {
  const size = ctx.n * ctx.d;
  return {
    m: restore?.m instanceof Float32Array ? restore.m : new Float32Array(size),
    v: restore?.v instanceof Float32Array ? restore.v : new Float32Array(size),
    g: new Float32Array(size),
  };
}

/** dir_i −= w·x_j and dir_j −= w·x_i (rows at offsets oi ≠ oj); unrolled by 4: ≈ 1.5–2× faster in V8, same result. */
export function axpyPair(dir: Float32Array, x: Float32Array, oi: number, oj: number, d: number, w: number): void {
  let q = 0;
  for (; q + 3 < d; q += 4) {
    dir[oi + q]! -= w * x[oj + q]!;
    dir[oi + q + 1]! -= w * x[oj + q + 1]!;
    dir[oi + q + 2]! -= w * x[oj + q + 2]!;
    dir[oi + q + 3]! -= w * x[oj + q + 3]!;
    dir[oj + q]! -= w * x[oi + q]!;
    dir[oj + q + 1]! -= w * x[oi + q + 1]!;
    dir[oj + q + 2]! -= w * x[oi + q + 2]!;
    dir[oj + q + 3]! -= w * x[oi + q + 3]!;
  }
  for (; q < d; q++) {
    dir[oi + q]! -= w * x[oj + q]!;
    dir[oj + q]! -= w * x[oi + q]!;
  }
}

export function* range(n: number): Iterable<number> {
  for (let i = 0; i < n; i++) yield i;
}

export class PaperOptimiser implements Optimiser {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly g: Float32Array;
  private nn: Int32Array | null = null;
  private galleryNn: Int32Array | null = null;
  private fixedSlot: Int32Array | null = null;

  constructor(
    private readonly ctx: OptimiserContext,
    restore?: PackStateArrays,
  ) {
    ({ m: this.m, v: this.v, g: this.g } = adamState(ctx, restore));
  }

  async evaluate(): Promise<Evaluation> {
    const e = await exactEvaluation(this.ctx, this.ctx.x);
    this.nn = e.nn;
    this.galleryNn = e.galleryNn;
    this.fixedSlot = this.ctx.fixed ? this.ctx.fixed.gradientSlots(this.ctx.x, e.nnCos) : null;
    return { metrics: e.metrics, exact: true, phase: 'adam' };
  }

  update(iteration: number): void {
    const { x, n, d, gallery, params } = this.ctx;
    packingGradient({ x, n, d, nn: this.nn!, gallery, galleryNn: this.galleryNn, alpha: params.alpha, out: this.g, fixedVectors: this.ctx.fixed?.vectors, fixedSlot: this.fixedSlot });
    adamRows(x, this.g, this.m, this.v, d, iteration + 1, params.learningRate, range(n));
    normalizeRows(x, n, d);
  }

  saveState() {
    return { arrays: { m: this.m, v: this.v }, scalars: {} };
  }
}

// ---------------------------------------------------------------------------------------------
// Stochastic mode (the paper's Algorithm 2): each step draws a mini-batch of identities, finds their
// nearest other identities among ALL points, and takes an Adam step on the whole parameter tensor as
// torch.optim.Adam would with a loss over the batch: rows outside the batch get a zero gradient, so
// their moments still decay and they still move by their momentum; every row is re-normalised.

export class StochasticOptimiser implements Optimiser {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly g: Float32Array;
  private batch: Int32Array = new Int32Array(0);
  private nn: Int32Array | null = null;
  private galleryNn: Int32Array | null = null;
  private fixedSlot: Int32Array | null = null;
  private readonly evalEvery: number;

  constructor(
    private readonly ctx: OptimiserContext,
    restore?: PackStateArrays,
  ) {
    ({ m: this.m, v: this.v, g: this.g } = adamState(ctx, restore));
    const b = Math.min(ctx.params.batchSize, ctx.n);
    // An exact (full) evaluation costs ⌈N/B⌉ steps; doing one every 4 epochs keeps it under 25 %.
    this.evalEvery = Math.max(ctx.params.checkpointEvery, 4 * Math.ceil(ctx.n / b));
  }

  async evaluate(iteration: number): Promise<Evaluation> {
    const { x, n, d, compute, gallery, galleryRows, signal, params, rng } = this.ctx;
    const b = Math.min(params.batchSize, n);
    let exact: PackMetricsInfo | null = null;
    if (iteration % this.evalEvery === 0) exact = (await exactEvaluation(this.ctx, x)).metrics;
    const batch = rng.sample(n, b);
    batch.sort();
    const q = new Float32Array(b * d);
    for (let r = 0; r < b; r++) q.set(x.subarray(batch[r]! * d, batch[r]! * d + d), r * d);
    const nn = await compute.topK({ queries: q, rows: b, keys: x, keyRows: n, dim: d, k: 1, selfIndex: batch, signal });
    let gcos: Float32Array | null = null;
    this.galleryNn = null;
    if (gallery) {
      const r = await compute.topK({ queries: q, rows: b, keys: gallery, keyRows: galleryRows, dim: d, k: 1, signal });
      this.galleryNn = r.index;
      gcos = r.value;
    }
    this.batch = batch;
    this.nn = nn.index;
    this.fixedSlot = this.ctx.fixed ? this.ctx.fixed.gradientSlots(x, nn.value, batch) : null;
    return { metrics: exact ?? metricsFrom(nn.value, gcos, params.alpha), exact: exact !== null, phase: exact ? 'adam+eval' : 'adam' };
  }

  update(iteration: number): void {
    const { x, n, d, gallery, params } = this.ctx;
    // zero outside the batch (packingGradient writes batch rows only), then Adam on every row
    packingGradient({ x, n, d, rows: this.batch, nn: this.nn!, gallery, galleryNn: this.galleryNn, alpha: params.alpha, out: this.g, fixedVectors: this.ctx.fixed?.vectors, fixedSlot: this.fixedSlot });
    adamRows(x, this.g, this.m, this.v, d, iteration + 1, params.learningRate, range(n));
    normalizeRows(x, n, d);
  }

  saveState() {
    return { arrays: { m: this.m, v: this.v }, scalars: {} };
  }
}
