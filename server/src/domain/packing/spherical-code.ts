// Mode `code`: N points from a binary linear code, no optimisation (docs/packing.md, "Algebraic
// spherical codes"). A codeword c of length n = 2^m − 1 maps to x = (1 − 2c)/√n, zero-padded to D, so
// cos(x_a, x_b) = 1 − 2·w(c_a ⊕ c_b)/n; for a linear code c_a ⊕ c_b is a codeword, and the angles are
// those of the code's weight distribution. Codewords c(x) = Tr(a·x + b·x³ [+ e·x⁵]) over GF(2^m), m odd:
// the dual of the 2-error BCH code (Gold; weights 2^(m−1) ± 2^((m−1)/2), 2^(m−1)) holds 2^(2m) words,
// the dual of the 3-error BCH code (adds 2^(m−1) ± 2^((m+1)/2)) 2^(3m). N ≤ 2D: the cross-polytope ±e_i.
// Point i is the XOR of the k = ⌈log2 N⌉ seeded basis words selected by the bits of i; since
// 2^(k−1) < N ≤ 2^k every nonzero word of that k-dimensional subcode is the difference of a pair in the
// set, so its minimum weight gives the exact min angle (2^k popcounts, no pairwise pass).
import { InvalidArgumentError } from '../../shared/errors.js';
import { Rng } from '../../util/rng.js';

/** Primitive polynomials (bit i = coefficient of x^i) for the odd degrees used. */
const PRIMITIVE: Record<number, number> = { 5: 0b100101, 7: 0b10000011, 9: 0b1000010001, 11: 0b100000000101 };
/** The subcode's dimension k is at most this: 2^k weights are enumerated (Uint16, 8 MiB at 22). */
export const MAX_CODE_BITS = 22;

export type CodeFamily = 'cross-polytope' | 'gold' | 'bch3';

export interface CodePlan {
  family: CodeFamily;
  /** GF(2^m) degree (0 for the cross-polytope). */
  m: number;
  /** Code length n = 2^m − 1 (the cross-polytope: D). */
  length: number;
  /** Largest N this family and D take. */
  capacity: number;
  /** Min angle the family guarantees at any N up to its capacity, degrees. */
  guaranteedMinAngleDeg: number;
}

const DEG = 180 / Math.PI;
const angleOfWeight = (w: number, n: number): number => Math.acos(Math.max(-1, Math.min(1, 1 - (2 * w) / n))) * DEG;

/** The largest odd m in 5..11 with 2^m − 1 ≤ D, or 0. */
export function codeDegree(d: number): number {
  let m = 0;
  for (const c of [5, 7, 9, 11]) if ((1 << c) - 1 <= d) m = c;
  return m;
}

/** What `code` builds for N points in D dimensions; INVALID_ARGUMENT beyond its limits. */
export function planCode(n: number, d: number): CodePlan {
  if (n <= 2 * d) return { family: 'cross-polytope', m: 0, length: d, capacity: 2 * d, guaranteedMinAngleDeg: 90 };
  const m = codeDegree(d);
  if (m === 0) {
    throw new InvalidArgumentError({ field: 'dim', description: `mode code takes up to 2·D = ${2 * d} identities below D = 31 (the cross-polytope); above that it needs D >= 31 (a code of length 31)` });
  }
  const len = (1 << m) - 1;
  const half = 2 ** (m - 1);
  const gold = Math.min(2 ** (2 * m), 2 ** MAX_CODE_BITS);
  const bch3 = Math.min(2 ** (3 * m), 2 ** MAX_CODE_BITS);
  if (n <= gold) return { family: 'gold', m, length: len, capacity: gold, guaranteedMinAngleDeg: angleOfWeight(half - 2 ** ((m - 1) / 2), len) };
  if (n <= bch3) return { family: 'bch3', m, length: len, capacity: bch3, guaranteedMinAngleDeg: angleOfWeight(half - 2 ** ((m + 1) / 2), len) };
  throw new InvalidArgumentError({
    field: 'identities',
    description: `mode code takes at most ${bch3} identities at D = ${d} (the dual 3-error BCH code of length ${len}${bch3 < 2 ** (3 * m) ? `, capped at 2^${MAX_CODE_BITS}` : ''})`,
  });
}

/** Generator rows Tr(β_j · x^p) for x = α^0..α^(n−1), p in `powers`, β_j = α^j: bit-packed, W words each. */
export function traceRows(m: number, powers: readonly number[]): { rows: Uint32Array[]; length: number; words: number } {
  const n = (1 << m) - 1;
  const poly = PRIMITIVE[m];
  if (poly === undefined) throw new Error(`no primitive polynomial for m = ${m}`);
  const exp = new Int32Array(2 * n);
  let v = 1;
  for (let i = 0; i < n; i++) {
    exp[i] = v;
    v <<= 1;
    if (v >> m) v ^= poly;
  }
  for (let i = n; i < 2 * n; i++) exp[i] = exp[i - n]!;
  const log = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) log[exp[i]!] = i;
  const mul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : exp[log[a]! + log[b]!]!);
  // Tr(y) = y + y² + … + y^(2^(m−1)), 0 or 1 for y in GF(2^m)
  const tr = (y: number) => {
    let s = 0;
    let z = y;
    for (let i = 0; i < m; i++) {
      s ^= z;
      z = mul(z, z);
    }
    return s;
  };
  const words = Math.ceil(n / 32);
  const rows: Uint32Array[] = [];
  for (const p of powers) {
    for (let j = 0; j < m; j++) {
      const row = new Uint32Array(words);
      for (let k = 0; k < n; k++) if (tr(mul(exp[j]!, exp[(p * k) % n]!)) & 1) row[k >>> 5]! |= 1 << (k & 31);
      rows.push(row);
    }
  }
  return { rows, length: n, words };
}

export const popcount32 = (x: number): number => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

export function weightOf(w: Uint32Array, off = 0, words = w.length): number {
  let s = 0;
  for (let i = 0; i < words; i++) s += popcount32(w[off + i]!);
  return s;
}

/** Rank over GF(2) of bit vectors (each an array of 32-bit words). */
function rank2(vectors: Uint32Array[]): number {
  const basis: Uint32Array[] = [];
  for (const v0 of vectors) {
    const v = Uint32Array.from(v0);
    for (const b of basis) {
      const lead = leadBit(b);
      if ((v[lead >>> 5]! >>> (lead & 31)) & 1) for (let i = 0; i < v.length; i++) v[i]! ^= b[i]!;
    }
    if (v.some((x) => x !== 0)) basis.push(v);
  }
  return basis.length;
}
function leadBit(v: Uint32Array): number {
  for (let i = v.length - 1; i >= 0; i--) if (v[i]) return i * 32 + 31 - Math.clz32(v[i]!);
  return -1;
}

/** The N points' codewords: a seeded k-dimensional subcode of the family's code. */
export class CodeSet {
  readonly k: number;
  readonly length: number;
  readonly words: number;
  /** k basis codewords, W words each. */
  readonly basis: Uint32Array;
  private weights?: Uint16Array;

  constructor(
    readonly plan: CodePlan,
    readonly n: number,
    seed: number,
  ) {
    this.k = Math.max(1, Math.ceil(Math.log2(n)));
    if (plan.family === 'cross-polytope') {
      this.length = plan.length;
      this.words = 0;
      this.basis = new Uint32Array(0);
      return;
    }
    const gen = traceRows(plan.m, plan.family === 'gold' ? [1, 3] : [1, 3, 5]);
    this.length = gen.length;
    this.words = gen.words;
    const rng = Rng.derive(seed, 'pack-code');
    // k random messages whose codewords are independent (the generator has full rank, so any
    // independent messages would do; checking the words themselves is as cheap and needs no proof)
    for (;;) {
      const picked: Uint32Array[] = [];
      for (let t = 0; t < this.k; t++) {
        const w = new Uint32Array(this.words);
        for (const row of gen.rows) if (rng.nextU32() & 1) for (let i = 0; i < this.words; i++) w[i]! ^= row[i]!;
        picked.push(w);
      }
      if (rank2(picked) === this.k) {
        this.basis = new Uint32Array(this.k * this.words);
        picked.forEach((w, t) => this.basis.set(w, t * this.words));
        break;
      }
    }
  }

  /** Codeword of point i (the XOR of the basis words its bits select) into `out` at `off`. */
  codeword(i: number, out: Uint32Array, off = 0): void {
    const W = this.words;
    out.fill(0, off, off + W);
    for (let t = 0; i > 0; t++, i = Math.floor(i / 2)) if (i & 1) for (let j = 0; j < W; j++) out[off + j]! ^= this.basis[t * W + j]!;
  }

  /** Weight of every word of the subcode by index (Gray-code walk: one XOR of a basis word per step). */
  subcodeWeights(): Uint16Array {
    if (this.weights) return this.weights;
    const W = this.words;
    const total = 2 ** this.k;
    const wt = new Uint16Array(total);
    const cur = new Uint32Array(W);
    for (let s = 1; s < total; s++) {
      const t = 31 - Math.clz32(s & -s);
      for (let j = 0; j < W; j++) cur[j]! ^= this.basis[t * W + j]!;
      wt[s ^ (s >>> 1)] = weightOf(cur);
    }
    this.weights = wt;
    return wt;
  }

  /** Exact min angle and mean nearest-neighbour angle of the N points (degrees), and the max cosine. */
  exactMetrics(): { minAngleDeg: number; meanNnAngleDeg: number; maxCosine: number; meanNnCosine: number } {
    if (this.plan.family === 'cross-polytope') return { minAngleDeg: 90, meanNnAngleDeg: 90, maxCosine: 0, meanNnCosine: 0 };
    const wt = this.subcodeWeights();
    const total = wt.length;
    // nonzero words grouped by weight, lightest first
    const byWeight = new Map<number, number[]>();
    for (let v = 1; v < total; v++) {
      let list = byWeight.get(wt[v]!);
      if (!list) byWeight.set(wt[v]!, (list = []));
      list.push(v);
    }
    const classes = [...byWeight.entries()].sort((a, b) => a[0] - b[0]);
    const minW = classes[0]![0];
    const angleByWeight = new Map(classes.map(([w]) => [w, angleOfWeight(w, this.length)]));
    // nearest neighbour of a: the lightest v with a ⊕ v < N (a partner in the set)
    let sum = 0;
    let sumCos = 0;
    for (let a = 0; a < this.n; a++) {
      let found = -1;
      for (const [w, list] of classes) {
        for (const v of list) {
          if ((a ^ v) < this.n) {
            found = w;
            break;
          }
        }
        if (found >= 0) break;
      }
      sum += angleByWeight.get(found)!;
      sumCos += 1 - (2 * found) / this.length;
    }
    return { minAngleDeg: angleOfWeight(minW, this.length), meanNnAngleDeg: sum / this.n, maxCosine: 1 - (2 * minW) / this.length, meanNnCosine: sumCos / this.n };
  }

  /** Predicted cosine between points i and j from their codewords. */
  cosine(i: number, j: number): number {
    if (this.plan.family === 'cross-polytope') return i === j ? 1 : i % this.length === j % this.length ? -1 : 0;
    return 1 - (2 * this.subcodeWeights()[i ^ j]!) / this.length;
  }

  /** Unrotated rows [lo, hi) × `cols` (cols ≥ length): ±1/√n on the first n coordinates, 0 after. */
  rows(lo: number, hi: number, cols: number, out: Float32Array): void {
    out.fill(0, 0, (hi - lo) * cols);
    if (this.plan.family === 'cross-polytope') {
      // e_0..e_(D−1), then −e_0..: any two distinct rows are orthogonal or opposite
      for (let i = lo; i < hi; i++) out[(i - lo) * cols + (i % this.length)] = i < this.length ? 1 : -1;
      return;
    }
    const s = 1 / Math.sqrt(this.length);
    const cw = new Uint32Array(this.words);
    for (let i = lo; i < hi; i++) {
      this.codeword(i, cw);
      const o = (i - lo) * cols;
      for (let c = 0; c < this.length; c++) out[o + c] = (cw[c >>> 5]! >>> (c & 31)) & 1 ? -s : s;
    }
  }
}

/**
 * A Haar-random orthonormal frame: `rows` orthonormal vectors in R^D (Gram–Schmidt, twice, of seeded
 * Gaussian vectors), as float32 [rows, D]. Multiplying the code's rows by it keeps every inner product.
 * A generator that yields after each row, so a caller can keep its event loop turning (O(rows²·D)).
 */
export function* randomFrameSteps(rows: number, d: number, seed: number): Generator<void, Float32Array> {
  const rng = Rng.derive(seed, 'pack-code-rotation');
  const f = new Float64Array(rows * d);
  for (let i = 0; i < f.length; i++) f[i] = rng.normal();
  for (let r = 0; r < rows; r++) {
    const v = f.subarray(r * d, r * d + d);
    for (let pass = 0; pass < 2; pass++) {
      for (let q = 0; q < r; q++) {
        const u = f.subarray(q * d, q * d + d);
        let dot = 0;
        for (let c = 0; c < d; c++) dot += v[c]! * u[c]!;
        for (let c = 0; c < d; c++) v[c]! -= dot * u[c]!;
      }
    }
    let norm = 0;
    for (let c = 0; c < d; c++) norm += v[c]! * v[c]!;
    const inv = 1 / Math.sqrt(norm);
    for (let c = 0; c < d; c++) v[c]! *= inv;
    yield;
  }
  return Float32Array.from(f);
}

export function randomFrame(rows: number, d: number, seed: number): Float32Array {
  const it = randomFrameSteps(rows, d, seed);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}
