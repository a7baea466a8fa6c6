// Fast mode, the third optimiser behind the Optimiser interface of optimisers.ts (kept apart: its
// annealed soft-max schedule is a file's worth on its own).
import { SMALL_PROBLEM } from './params.js';
import { addGalleryRows, dot, metricsFrom, projectTangent, normalizeRows } from './objective.js';
import { type PackStateArrays } from './checkpoint.js';
import { adamRows, axpyPair, range, type Evaluation, type Optimiser, type OptimiserContext } from './optimisers.js';

// ---------------------------------------------------------------------------------------------
// Fast mode: smoothed maximum over candidate pairs with an annealed temperature.
//  * Candidates: every point's K nearest others, refreshed by the blockwise engine every R steps
//    (between refreshes JS evaluates only the N·K candidate pairs: O(N·K·D)).
//  * Weights w_ij = exp((c_ij − c_max)/τ_t): at a large τ every close pair repels (an energy warm
//    start that spreads the points); as τ anneals geometrically the weight concentrates on the
//    closest pairs (the max-min objective itself); the last steps polish the active pairs.
//  * Riemannian step: the repulsion is projected on each tangent space, scaled so the most pushed
//    point moves η_t radians (η_t anneals too), then retracted by normalisation.
//  * Gallery: the paper's term α·mean_i(1 − max_g cos(x_i, g)) with its exact gradient, added to the
//    smoothed maximum's gradient (pair weights normalised to sum 1), so α means what it means in
//    paper mode. Fast mode maximises the worst pair; it does not minimise the paper's mean
//    nearest-neighbour cosine (a different objective: see docs/packing.md).

/** Fraction of a cycle spent at the warm-start temperature. */
const WARM = 0.35;
/** τ_end/τ_start and η_end/η_start over a cycle. */
const TAU_END = 1e-3;
const ETA_END = 2e-3;
/** Warm-start temperature (× the initial spread of nearest-neighbour cosines) per restart cycle:
 * broad energies find the symmetric basins (24-cell), sharp ones the irregular optima (N = 7, D = 3). */
const TAU_SCALES = [4, 1, 1, 2];
/** Riesz s-energy warm start (s = 1) instead of the broad exponential one, per restart cycle: the
 * 24-cell's basin is much wider under it, while the cross-polytopes prefer the exponential. */
const RIESZ_CYCLE = [false, true, false, false];
/** Steps per restart cycle for small pure-geometry problems. */
export const FAST_CYCLE = 300;
/** Adam learning-rate decay over the fast schedule (large N). */
const ADAM_LR_END = 0.01;

export class FastOptimiser implements Optimiser {
  private cand: Int32Array;
  private galleryNn: Int32Array | null;
  /** The gallery's own neighbour graph (large N: candidates for the gallery refresh). */
  private galleryGraph: Int32Array | null = null;
  private pi = new Int32Array(0);
  private pj = new Int32Array(0);
  private pc = new Float32Array(0);
  private readonly k: number;
  private readonly refreshEvery: number;
  private readonly scalars: Record<string, number>;
  private readonly dir: Float32Array;
  private cmax = 1;
  private adam: { m: Float32Array; v: Float32Array } | null = null;
  private adamT = 0;
  /** Steps per annealing cycle; small pure-geometry problems restart from fresh random points each cycle. */
  private readonly cycleLength: number;

  constructor(
    private readonly ctx: OptimiserContext,
    restore?: { arrays: PackStateArrays; scalars: Record<string, number> },
  ) {
    const { n, d } = ctx;
    // large N: fresh short lists beat long stale ones (N = 10k, D = 512, 90 steps: K = 8 refreshed
    // every 2 steps 85.07°, K = 16 every 6 84.41°; the symmetric NN graph keeps refreshes cheap)
    this.k = Math.min(n - 1, n <= 4096 ? 24 : 8);
    this.refreshEvery = this.k === n - 1 ? Number.POSITIVE_INFINITY : n <= 2048 || n > 4096 ? 2 : 6;
    const c = restore?.arrays.cand;
    this.cand = c instanceof Int32Array ? c : new Int32Array(0);
    const g = restore?.arrays.galleryNn;
    this.galleryNn = g instanceof Int32Array ? g : null;
    this.scalars = { ...(restore?.scalars ?? {}) };
    this.dir = new Float32Array(n * d);
    const T = ctx.params.iterations;
    const restarts = n <= SMALL_PROBLEM && !ctx.gallery ? Math.max(1, Math.floor(T / FAST_CYCLE)) : 1;
    this.cycleLength = Math.ceil(T / restarts);
    if (this.cand.length) this.buildPairs();
    if (n > SMALL_PROBLEM) {
      const m = restore?.arrays.m;
      const v = restore?.arrays.v;
      this.adam = { m: m instanceof Float32Array ? m : new Float32Array(n * d), v: v instanceof Float32Array ? v : new Float32Array(n * d) };
      this.adamT = restore?.scalars.adamT ?? 0;
    }
  }

  private buildPairs(): void {
    const { n } = this.ctx;
    const k = this.k;
    const pi: number[] = [];
    const pj: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < k; a++) {
        const j = this.cand[i * k + a]!;
        if (j < i) {
          // keep (i, j) with j < i only when i is not already in j's list (that pair is kept there)
          let dup = false;
          for (let b = 0; b < k; b++) if (this.cand[j * k + b] === i) dup = true;
          if (dup) continue;
        }
        pi.push(i);
        pj.push(j);
      }
    }
    this.pi = Int32Array.from(pi);
    this.pj = Int32Array.from(pj);
    this.pc = new Float32Array(pi.length);
  }

  /** Schedule position in [0, 1] within the current cycle (or of the wall-clock budget, if further). */
  private fraction(iteration: number): number {
    const f = (iteration % this.cycleLength) / Math.max(1, this.cycleLength - 1);
    return Math.min(1, this.cycleLength === this.ctx.params.iterations ? Math.max(f, this.ctx.timeFraction()) : f);
  }

  private isRefresh(iteration: number): boolean {
    if (!this.cand.length) return true;
    return Number.isFinite(this.refreshEvery) && iteration % this.refreshEvery === 0;
  }

  async evaluate(iteration: number): Promise<Evaluation> {
    const { x, n, d, compute, gallery, galleryRows, signal, params } = this.ctx;
    const cycleStep = iteration % this.cycleLength;
    if (cycleStep === 0 && iteration > 0) {
      // restart: fresh uniform points and a fresh schedule (the best iterate so far is kept by the driver)
      for (let c = 0; c < n * d; c++) x[c] = this.ctx.rng.normal();
      normalizeRows(x, n, d);
      delete this.scalars.tau0;
    }
    let exact = !Number.isFinite(this.refreshEvery) && this.cand.length > 0;
    if (this.isRefresh(iteration)) {
      // large N (compute.refineFrom): exact inner products with candidates from the previous
      // neighbour graph (compute/candidates.ts), not a full Gram pass
      const refine = n >= compute.refineFrom && this.cand.length === n * this.k;
      this.cand = refine
        ? (await compute.refineNeighbours({ x, n, dim: d, prev: this.cand, kPrev: this.k, k: this.k, uniform: () => this.ctx.rng.next(), signal })).index
        : (await compute.nearestNeighbours(x, n, d, this.k, signal)).index;
      if (gallery && refine && this.galleryNn && galleryRows > 8) {
        this.galleryGraph ??= (await compute.nearestNeighbours(gallery, galleryRows, d, Math.min(8, galleryRows - 1), signal)).index;
        const kg = this.galleryGraph.length / galleryRows;
        const uniform = () => this.ctx.rng.next();
        const r = { x, n, gallery, g: galleryRows, dim: d, prevGallery: this.galleryNn, galleryGraph: this.galleryGraph, kg, neighbours: this.cand, k: this.k, uniform, signal };
        this.galleryNn = (await compute.refineGallery(r)).index;
      } else if (gallery) this.galleryNn = (await compute.nearestGallery(x, n, gallery, galleryRows, d, signal)).index;
      this.buildPairs();
      // a refined graph is exact among its candidates only: its metrics never claim the best iterate
      exact = !refine;
    }
    // cosines of the candidate pairs, each point's nearest candidate
    const nnCos = new Float32Array(n).fill(-1);
    let cmax = -1;
    for (let p = 0; p < this.pi.length; p++) {
      const i = this.pi[p]!;
      const j = this.pj[p]!;
      const c = dot(x, i * d, x, j * d, d);
      this.pc[p] = c;
      if (c > nnCos[i]!) nnCos[i] = c;
      if (c > nnCos[j]!) nnCos[j] = c;
      if (c > cmax) cmax = c;
    }
    this.cmax = cmax;
    let gcos: Float32Array | null = null;
    if (gallery && this.galleryNn) {
      gcos = new Float32Array(n);
      for (let i = 0; i < n; i++) gcos[i] = dot(x, i * d, gallery, this.galleryNn[i]! * d, d);
    }
    if (this.scalars.tau0 === undefined) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += nnCos[i]!;
      mean /= n;
      const spread = Math.max(1e-3, cmax - mean);
      this.scalars.tau0 = spread / 2;
      // step: at most half the gap between the mean nearest-neighbour angle and the minimum angle
      // (keeps the candidate lists valid between refreshes), capped by 10 × learning_rate
      const gap = Math.acos(Math.min(1, mean)) - Math.acos(Math.min(1, cmax));
      this.scalars.eta0 = Math.min(10 * params.learningRate, Math.max(0.005, 0.5 * gap));
    }
    const frac = this.fraction(iteration);
    const phase = frac < 0.3 ? 'warm-start' : frac < 0.85 ? 'anneal' : 'polish';
    return { metrics: metricsFrom(nnCos, gcos, params.alpha), exact, phase };
  }

  update(iteration: number): void {
    const { x, n, d, gallery, params } = this.ctx;
    const frac = this.fraction(iteration);
    // warm start: τ held at τ0 (a smooth energy, spreads the points); then τ and η anneal together
    const hold = WARM;
    const a = frac < hold ? 0 : (frac - hold) / (1 - hold);
    const cycle = Math.floor(iteration / this.cycleLength);
    const tau = this.scalars.tau0! * TAU_SCALES[cycle % TAU_SCALES.length]! * Math.pow(TAU_END, a);
    const eta = this.scalars.eta0! * Math.pow(ETA_END, frac);
    const dir = this.dir;
    dir.fill(0);
    const riesz = RIESZ_CYCLE[cycle % RIESZ_CYCLE.length] && frac < WARM ? 1 : 0;
    const cut = riesz > 0 ? -2 : this.cmax - 30 * tau;
    let wsum = 0;
    for (let p = 0; p < this.pi.length; p++) {
      const c = this.pc[p]!;
      if (c < cut) continue;
      const w = riesz > 0 ? Math.pow(Math.max(2 - 2 * c, 1e-9) / Math.max(2 - 2 * this.cmax, 1e-9), -(riesz / 2 + 1)) : Math.exp((c - this.cmax) / tau);
      wsum += w;
      axpyPair(dir, x, this.pi[p]! * d, this.pj[p]! * d, d, w);
    }
    // normalised weights: the descent direction of the smoothed maximum τ·log Σ exp(c_ij/τ) (a
    // soft max of the pair cosines with total weight 1), so the gallery term below — the paper's
    // α·mean_i(1 − max_g cos), with its exact gradient — weighs the same against packing in every mode
    if (wsum > 0) for (let c = 0; c < n * d; c++) dir[c]! /= wsum;
    if (gallery && this.galleryNn && params.alpha > 0) addGalleryRows(dir, d, gallery, this.galleryNn, params.alpha / n);
    projectTangent(dir, x, n, d);
    let maxNorm = 0;
    for (let i = 0; i < n; i++) maxNorm = Math.max(maxNorm, Math.sqrt(dot(dir, i * d, dir, i * d, d)));
    if (maxNorm <= 0) return;
    if (this.adam) {
      // large N: Riemannian Adam on the tempered objective (per-coordinate normalisation moves the
      // whole crowd, not only the worst pair), learning rate annealed with the temperature
      this.adamT++;
      for (let c = 0; c < n * d; c++) dir[c] = -dir[c]!;
      adamRows(x, dir, this.adam.m, this.adam.v, d, this.adamT, params.learningRate * Math.pow(ADAM_LR_END, frac), range(n));
    } else {
      const s = eta / maxNorm;
      for (let c = 0; c < n * d; c++) x[c]! += s * dir[c]!;
    }
    normalizeRows(x, n, d);
  }

  saveState() {
    const arrays: PackStateArrays = { cand: this.cand };
    if (this.adam) {
      arrays.m = this.adam.m;
      arrays.v = this.adam.v;
    }
    if (this.galleryNn) arrays.galleryNn = this.galleryNn;
    return { arrays, scalars: { ...this.scalars, adamT: this.adamT } };
  }
}

