// Exact nearest other row by an int8 coarse Gram with a proven error bound, then exact float32 dots
// on the candidates only (graph nodes for the fused paper step).
//
// Quantisation: q = round(x / S) with one scale S = max|x| / 127, e = x − S·q (per row ε = ‖e‖).
// For unit rows, x_i·x_j − S²⟨q_i, q_j⟩ = x_i·e_j + e_i·x_j − e_i·e_j, so |·| ≤ ε_i + ε_j + ε_i·ε_j.
// A lower bound L_i of row i's best cosine is the exact cosine to a known row (the previous step's
// neighbour). Every j whose cosine can reach L_i has S²⟨q_i, q_j⟩ ≥ L_i − ε_i − E − ε_i·E (E = max ε),
// so those pairs are the candidates (≈ 6 per row on random rows, ≈ 30 on packed ones with a tight
// L_i, hundreds when L_i is stale: docs/packing.md); their exact dots give the exact argmax. The
// int Gram (MatMulInteger u8·s8, MLAS's VNNI kernel) is ~2.8× the fp32 Gemm's rate here and is
// computed on the upper-triangle blocks only; a pair is kept when it is a candidate for either row.
// The candidate list is capped (memory): a step that overflows reports it and the caller reruns it
// on the fp32 graph, so results are always exact.
import { type Graph, ranges } from './paper-graph.js';

/** Slack for float32 rounding of the bound's terms, of L_i and of the exact dots (γ_512 ≈ 3.1e-5). */
const MARGIN = 1e-4;
/** Added to a diagonal block's self products: never a candidate. */
const SELF_INT = -(2 ** 30);
const INT8 = 3;
const UINT8 = 2;
const INT32 = 6;

export interface Int8NearestSpec {
  n: number;
  block: number;
  /** Most candidate pairs a step may re-rank (memory bound: pairs × D × 8 bytes per chunk alive). */
  maxPairs: number;
  /** Pairs per re-rank chunk (one chunk's gathered rows alive at a time). */
  chunk: number;
}

export interface Int8Nearest {
  /** [N, 1] exact nearest-other cosine. */
  cos: string;
  /** [N, 1] int64 index of it (the smallest index among exact ties, as ArgMax). */
  idx: string;
  /** int64 [1]: candidate pairs this step found (more than maxPairs = overflow, results invalid). */
  pairs: string;
  /** int64 [1]: the most pairs one Gram block found beyond its share (> 0 = overflow, results invalid). */
  excess: string;
}

/** x: [N, D] unit rows (float32); prev: [N] int64, any other row per row (the tighter L_i, the fewer candidates). */
export function int8Nearest(g: Graph, x: string, prev: string, spec: Int8NearestSpec): Int8Nearest {
  const { n } = spec;
  const axis1 = g.ints([1]);
  const s = g.one('Div', [g.one('ReduceMax', [g.one('Abs', [x])], { keepdims: 0 }), g.f(127)]);
  const q = g.one('Round', [g.one('Div', [x, s])]);
  const qt = g.one('Transpose', [g.one('Cast', [q], { to: INT8 })], { perm: [1, 0] });
  const qu = g.one('Cast', [g.one('Add', [q, g.f(128)])], { to: UINT8 });
  const eps = g.one('Sqrt', [g.one('ReduceSumSquare', [g.one('Sub', [x, g.one('Mul', [q, s])]), axis1], { keepdims: 1 })]);
  const big = g.one('ReduceMax', [eps], { keepdims: 0 });
  // L_i: exact cosine to the previous neighbour (same ops as the re-rank, so bitwise the same value)
  const lower = g.one('ReduceSum', [g.one('Mul', [x, g.one('Gather', [x, prev], { axis: 0 })]), axis1], { keepdims: 0 });
  const slack = g.one('Add', [g.one('Add', [eps, big]), g.one('Add', [g.one('Mul', [eps, big]), g.f(MARGIN)])]);
  const thr = g.one('Sub', [g.one('Reshape', [lower, g.ints([n, 1])]), slack]);
  const tint = g.one('Cast', [g.one('Floor', [g.one('Div', [thr, g.one('Mul', [s, s])])])], { to: INT32 });
  const zp = g.konst('zp128', () => ({ dims: [], data: Uint8Array.from([128]) }));

  const blocks = ranges(n, spec.block);
  const cols = blocks.map(([lo, hi]) => (blocks.length === 1 ? qt : g.one('Slice', [qt, g.ints([lo]), g.ints([hi]), axis1])));
  const tcol = blocks.map(([lo, hi]) => (blocks.length === 1 ? tint : g.one('Slice', [tint, g.ints([lo]), g.ints([hi]), g.ints([0])])));
  const trow = blocks.map(([lo, hi], J) => g.one('Reshape', [tcol[J]!, g.ints([1, hi - lo])]));
  // a block keeps at most 4× its share of maxPairs (plus a row's worth): bounded memory whatever L_i is
  const cap = (rows: number, width: number) => Math.ceil((8 * rows * width * spec.maxPairs) / (n * n)) + Math.max(rows, width);
  const found: string[] = [];
  const counts: string[] = [];
  const excess: string[] = [];
  let token: string | null = null;
  for (let I = 0; I < blocks.length; I++) {
    const [loI, hiI] = blocks[I]!;
    for (let J = I; J < blocks.length; J++) {
      const [loJ, hiJ] = blocks[J]!;
      // the rows' Slice start depends on the previous block's result (+0): one block alive at a time
      const start = token ? g.one('Add', [g.ints([loI]), token]) : g.ints([loI]);
      const rows = g.one('Slice', [qu, start, g.ints([hiI]), g.ints([0])]);
      let gram = g.one('MatMulInteger', [rows, cols[J]!, zp]);
      if (I === J) gram = g.one('Add', [gram, selfMask(g, hiI - loI)]);
      const keep = g.one('GreaterOrEqual', [gram, g.one('Min', [tcol[I]!, trow[J]!])]);
      const nz = g.one('NonZero', [keep]);
      const m = g.one('Slice', [g.one('Shape', [nz]), g.ints([1]), g.ints([2])]);
      const limit = cap(hiI - loI, hiJ - loJ);
      const kept = g.one('Slice', [nz, g.ints([0]), g.ints([limit]), axis1]);
      found.push(g.one('Add', [kept, g.konst(`off${loI},${loJ}`, () => ({ dims: [2, 1], data: BigInt64Array.from([BigInt(loI), BigInt(loJ)]) }))]));
      counts.push(m);
      excess.push(g.one('Sub', [m, g.ints([limit])]));
      token = g.one('Mul', [m, g.ints([0])]);
    }
  }
  const all = found.length === 1 ? found[0]! : g.one('Concat', found, { axis: 1 });
  const pairs = counts.length === 1 ? counts[0]! : g.one('ReduceSum', [g.one('Concat', counts, { axis: 0 })], { keepdims: 1 });
  const worst = excess.length === 1 ? excess[0]! : g.one('ReduceMax', [g.one('Concat', excess, { axis: 0 })], { keepdims: 1 });
  // exact dots, chunk by chunk (beyond maxPairs nothing is re-ranked: the caller sees `pairs` and reruns)
  const pi: string[] = [];
  const pj: string[] = [];
  const dots: string[] = [];
  token = null;
  for (let lo = 0; lo < spec.maxPairs; lo += spec.chunk) {
    const start = token ? g.one('Add', [g.ints([lo]), token]) : g.ints([lo]);
    const part = g.one('Slice', [all, start, g.ints([Math.min(spec.maxPairs, lo + spec.chunk)]), axis1]);
    const a = g.one('Gather', [part, g.ints([0])], { axis: 0 });
    const b = g.one('Gather', [part, g.ints([1])], { axis: 0 });
    const ia = g.one('Reshape', [a, g.ints([-1])]);
    const ib = g.one('Reshape', [b, g.ints([-1])]);
    const dot = g.one('ReduceSum', [g.one('Mul', [g.one('Gather', [x, ia], { axis: 0 }), g.one('Gather', [x, ib], { axis: 0 })]), axis1], { keepdims: 0 });
    pi.push(ia);
    pj.push(ib);
    dots.push(dot);
    token = g.one('Mul', [g.one('Shape', [dot]), g.ints([0])]);
  }
  // each pair counts for both of its rows; the previous neighbour is always a candidate
  const arange = g.konst(`arange${n}`, () => ({ dims: [n], data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)) }));
  const rowsOf = g.one('Concat', [...pi, ...pj, arange], { axis: 0 });
  const colsOf = g.one('Concat', [...pj, ...pi, prev], { axis: 0 });
  const vals = g.one('Concat', [...dots, ...dots, lower], { axis: 0 });
  const floor = g.konst(`fill-4x${n}`, () => ({ dims: [n], data: new Float32Array(n).fill(-4) }));
  const best = g.one('ScatterElements', [floor, rowsOf, vals], { axis: 0, reduction: 'max' });
  const hit = g.one('Reshape', [g.one('NonZero', [g.one('Equal', [vals, g.one('Gather', [best, rowsOf], { axis: 0 })])]), g.ints([-1])]);
  const none = g.konst(`fillN${n}`, () => ({ dims: [n], data: new BigInt64Array(n).fill(BigInt(n)) }));
  const idx = g.one('ScatterElements', [none, g.one('Gather', [rowsOf, hit], { axis: 0 }), g.one('Gather', [colsOf, hit], { axis: 0 })], { axis: 0, reduction: 'min' });
  const col = g.ints([n, 1]);
  return { cos: g.one('Reshape', [best, col]), idx: g.one('Reshape', [idx, col]), pairs, excess: worst };
}

function selfMask(g: Graph, size: number): string {
  return g.konst(`selfint${size}`, () => {
    const data = new Int32Array(size * size);
    for (let i = 0; i < size; i++) data[i * size + i] = SELF_INT;
    return { dims: [size, size], data };
  });
}
