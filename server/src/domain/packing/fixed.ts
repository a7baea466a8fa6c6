// Fixed identities in packing: rows that repel the packed points and never move. Two roles:
//  * exclude: real identities; every packed point must end >= `minAngleDeg` from every row
//    (a hard constraint: the objective's repulsion plus a projection out of each spherical cap);
//  * extend: existing identities; new points repel them exactly as they repel each other.
// Scale: the rows are never all in memory. A refresh streams them in blocks of BLOCK_ROWS through
// compute.topK and keeps, per packed point, its K nearest fixed rows (their vectors). Between
// refreshes only those candidates are used, which is exact while no point has moved further than its
// slack since the refresh (triangle inequality on the sphere):
//   exclude: every row within the angle is a candidate while moved_i < a_K(i) − θ;
//   extend:  the nearest fixed row is a candidate while moved_i < (a_K(i) − a_1(i)) / 2.
// Memory: one block (BLOCK_ROWS × D floats) + topK scratch + candidates (N × K × D floats).
import type { ComputeEngine } from '../../runtime/compute/engine.js';
import { throwIfAborted } from '../../shared/errors.js';
import { angleDeg, clampCos, dot } from './objective.js';
import type { FixedSource } from './fixed-source.js';

export const FIXED_K = 4;
export const BLOCK_ROWS = 16384;
/** Points are pushed this far past the excluded angle, so float32 rounding cannot put them back inside. */
export const PROJECT_MARGIN_DEG = 0.01;
/** Projection sweeps per point (pushing out of one cap can push into another). */
const SWEEPS = 8;

export interface FixedGroup {
  role: 'exclude' | 'extend';
  source: FixedSource;
  /** exclude: the required smallest angle to every row, degrees (0 < θ < 180). extend: unused (0). */
  minAngleDeg: number;
}

export interface FixedRoleMetrics {
  rows: number;
  /** Smallest angle between a packed point and a row of this role, degrees. */
  minAngleDeg: number;
  /** Mean over packed points of the angle to the nearest row of this role, degrees. */
  meanNearestAngleDeg: number;
  /** exclude only: the constraint. */
  requiredMinAngleDeg: number;
}

/** What a result reports per role: the metrics and, for an exclusion, how its angle was obtained. */
export interface FixedReportInfo extends FixedRoleMetrics {
  angleSource: string;
}

export interface FixedMetrics {
  exclusion?: FixedRoleMetrics;
  extension?: FixedRoleMetrics;
}

export class FixedSet {
  /** Candidate vectors [n, K, D], their role (0 exclude, 1 extend) and group; empty slots have group −1. */
  private readonly vec: Float32Array;
  private readonly group: Int8Array;
  private readonly slack: Float64Array;
  private readonly moved: Float64Array;
  private readonly k: number;
  refreshes = 0;

  constructor(
    readonly groups: FixedGroup[],
    private readonly n: number,
    private readonly d: number,
  ) {
    this.k = FIXED_K * groups.length;
    this.vec = new Float32Array(n * this.k * d);
    this.group = new Int8Array(n * this.k).fill(-1);
    this.slack = new Float64Array(n);
    this.moved = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  }

  get digest(): string {
    return this.groups.map((g) => `${g.role}:${g.minAngleDeg}:${g.source.digest}`).join('|');
  }

  /** The candidates still guarantee what the header says (no refresh needed). */
  fresh(): boolean {
    for (let i = 0; i < this.n; i++) if (!(this.moved[i]! < this.slack[i]!)) return false;
    return true;
  }

  async ensureFresh(x: Float32Array, compute: ComputeEngine, signal?: AbortSignal): Promise<void> {
    if (!this.fresh()) await this.refresh(x, compute, signal);
  }

  /** One streamed pass per group: each point's K nearest rows of that group become its candidates. */
  async refresh(x: Float32Array, compute: ComputeEngine, signal?: AbortSignal): Promise<void> {
    const { n, d, k } = this;
    this.group.fill(-1);
    this.slack.fill(Number.POSITIVE_INFINITY);
    for (const [gi, g] of this.groups.entries()) {
      const base = gi * FIXED_K;
      const cos = new Float32Array(n * FIXED_K).fill(Number.NEGATIVE_INFINITY);
      for await (const b of g.source.blocks(BLOCK_ROWS, signal)) {
        throwIfAborted(signal);
        const kk = Math.min(FIXED_K, b.rows);
        const r = await compute.topK({ queries: x, rows: n, keys: b.data, keyRows: b.rows, dim: d, k: kk, signal });
        for (let i = 0; i < n; i++) {
          const row = i * FIXED_K;
          for (let t = 0; t < kk; t++) {
            const c = r.value[i * kk + t]!;
            if (!(c > cos[row + FIXED_K - 1]!)) break; // sorted: the rest are smaller
            let p = FIXED_K - 1;
            while (p > 0 && c > cos[row + p - 1]!) {
              cos[row + p] = cos[row + p - 1]!;
              this.vec.copyWithin(((i * k) + base + p) * d, ((i * k) + base + p - 1) * d, ((i * k) + base + p) * d);
              this.group[i * k + base + p] = this.group[i * k + base + p - 1]!;
              p--;
            }
            cos[row + p] = c;
            const src = r.index[i * kk + t]! * d;
            this.vec.set(b.data.subarray(src, src + d), (i * k + base + p) * d);
            this.group[i * k + base + p] = gi;
          }
        }
      }
      for (let i = 0; i < n; i++) {
        const a1 = Math.acos(clampCos(cos[i * FIXED_K]!));
        const last = cos[i * FIXED_K + FIXED_K - 1]!;
        if (last === Number.NEGATIVE_INFINITY) continue; // every row of the group is a candidate
        const aK = Math.acos(clampCos(last));
        // exclude: the constraint is exact (every row within θ is a candidate); the gradient's nearest
        // fixed row is the nearest candidate. extend: the nearest fixed row is exact.
        const s = g.role === 'exclude' ? aK - (g.minAngleDeg * Math.PI) / 180 : (aK - a1) / 2;
        if (s < this.slack[i]!) this.slack[i] = s;
      }
    }
    this.moved.fill(0);
    this.refreshes++;
  }

  /** Nearest candidate of point i (any role): slot and cosine; slot −1 when none. */
  nearestOf(x: Float32Array, i: number): { slot: number; cos: number } {
    const { d, k } = this;
    let best = -1;
    let bc = Number.NEGATIVE_INFINITY;
    for (let s = i * k; s < i * k + k; s++) {
      if (this.group[s]! < 0) continue;
      const c = dot(x, i * d, this.vec, s * d, d);
      if (c > bc) {
        bc = c;
        best = s;
      }
    }
    return { slot: best, cos: bc };
  }

  /** Candidate vectors, indexed by slot (for the gradient's fixed term). */
  get vectors(): Float32Array {
    return this.vec;
  }

  /**
   * For the listed rows (all when omitted): the fixed slot that is the row's nearest neighbour, or −1
   * when its nearest packed neighbour (cosine `nnCos[r]`) is at least as close.
   */
  gradientSlots(x: Float32Array, nnCos: ArrayLike<number>, rows?: ArrayLike<number>): Int32Array {
    const m = rows ? rows.length : this.n;
    const out = new Int32Array(m);
    for (let r = 0; r < m; r++) {
      const f = this.nearestOf(x, rows ? rows[r]! : r);
      out[r] = f.slot >= 0 && f.cos > nnCos[r]! ? f.slot : -1;
    }
    return out;
  }

  /**
   * After a step: pushes every point out of the excluded caps (rotating it along the great circle away
   * from the most violated candidate, SWEEPS times at most) and adds each point's motion since `prev`.
   */
  afterStep(prev: Float32Array, x: Float32Array): void {
    this.project(x);
    const { n, d } = this;
    for (let i = 0; i < n; i++) this.moved[i]! += Math.acos(clampCos(dot(prev, i * d, x, i * d, d)));
  }

  /** The projection alone (initial points, final check); the motion is counted by the caller's refresh. */
  project(x: Float32Array): void {
    const { n, d, k } = this;
    const limits = this.groups.map((g) => (g.role === 'exclude' ? Math.cos(((g.minAngleDeg + PROJECT_MARGIN_DEG) * Math.PI) / 180) : 2));
    if (!limits.some((l) => l < 2)) return;
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let sweep = 0; sweep < SWEEPS; sweep++) {
        let worst = -1;
        let excess = 0;
        for (let s = i * k; s < i * k + k; s++) {
          const g = this.group[s]!;
          if (g < 0) continue;
          const c = dot(x, o, this.vec, s * d, d);
          if (c > limits[g]! && c - limits[g]! > excess) {
            excess = c - limits[g]!;
            worst = s;
          }
        }
        if (worst < 0) break;
        rotateAway(x, o, this.vec, worst * d, d, Math.acos(limits[this.group[worst]!]!));
      }
    }
  }

  /** Metrics from the candidates (exact while fresh()). */
  metrics(x: Float32Array): FixedMetrics {
    const { n, d, k } = this;
    const out: FixedMetrics = {};
    for (const role of ['exclude', 'extend'] as const) {
      const gs = this.groups.flatMap((g, gi) => (g.role === role ? [gi] : []));
      if (gs.length === 0) continue;
      let maxCos = Number.NEGATIVE_INFINITY;
      let sumAngle = 0;
      for (let i = 0; i < n; i++) {
        let bc = Number.NEGATIVE_INFINITY;
        for (let s = i * k; s < i * k + k; s++) if (gs.includes(this.group[s]!)) bc = Math.max(bc, dot(x, i * d, this.vec, s * d, d));
        maxCos = Math.max(maxCos, bc);
        sumAngle += angleDeg(bc);
      }
      const m: FixedRoleMetrics = {
        rows: gs.reduce((a, gi) => a + this.groups[gi]!.source.rows, 0),
        minAngleDeg: angleDeg(maxCos),
        meanNearestAngleDeg: sumAngle / n,
        requiredMinAngleDeg: role === 'exclude' ? Math.max(...gs.map((gi) => this.groups[gi]!.minAngleDeg)) : 0,
      };
      if (role === 'exclude') out.exclusion = m;
      else out.extension = m;
    }
    return out;
  }
}

/** x_o ← the unit vector at `angle` from f on the great circle from f through x_o. */
function rotateAway(x: Float32Array, o: number, f: Float32Array, fo: number, d: number, angle: number): void {
  const c = dot(x, o, f, fo, d);
  let nu = 0;
  const u = new Float64Array(d);
  for (let q = 0; q < d; q++) {
    u[q] = x[o + q]! - c * f[fo + q]!;
    nu += u[q]! * u[q]!;
  }
  if (nu < 1e-20) {
    // x sits on f: any orthogonal direction will do (deterministic: the first axis not parallel to f).
    const axis = Math.abs(f[fo]!) < 0.9 ? 0 : 1;
    for (let q = 0; q < d; q++) u[q] = (q === axis ? 1 : 0) - f[fo + axis]! * f[fo + q]!;
    nu = u.reduce((a, v) => a + v * v, 0);
  }
  const inv = 1 / Math.sqrt(nu);
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  for (let q = 0; q < d; q++) x[o + q] = ca * f[fo + q]! + sa * u[q]! * inv;
}

/** The score the driver maximises when choosing the iterate to return (larger is better). */
export function packScore(minAngleDeg: number, fixed: FixedMetrics | undefined): number {
  if (!fixed) return minAngleDeg;
  const ex = fixed.exclusion;
  if (ex && ex.minAngleDeg < ex.requiredMinAngleDeg - 1e-6) return Number.NEGATIVE_INFINITY;
  return Math.min(minAngleDeg, fixed.extension?.minAngleDeg ?? Number.POSITIVE_INFINITY);
}
