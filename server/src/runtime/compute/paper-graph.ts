// The paper-mode packing step as one ONNX graph: nearest-neighbour search (symmetric blockwise Gram:
// each block X_I·X_Jᵀ with I ≤ J is computed once and reduced along both axes), gradient, Adam update
// and renormalisation, unrolled T times so X, the Adam moments and the best iterate stay inside
// onnxruntime between steps. Only per-step cosines ([T, N]) are needed by the caller.
// Ops are limited to what the CPU and WebGPU EPs both implement (Gemm, ReduceMax/ArgMax, Gather,
// GatherElements, ScatterND(add), elementwise, Where, Concat, Slice, Reshape).
import { buildOnnxModel, type OnnxNode, type OnnxInitializer, type OnnxValueInfo } from './onnx-graph.js';
import { int8Nearest } from './coarse-int8.js';

export interface PaperGraphSpec {
  n: number;
  d: number;
  /** Gallery rows; 0 = pure geometry. */
  galleryRows: number;
  alpha: number;
  /** Steps per run (unrolled). */
  steps: number;
  /** Rows per Gram block (the last block may be smaller). */
  block: number;
  /** Rows per gallery block (gallery blocks are [rows, G]). */
  galleryBlock: number;
  /** Also output the first step's projected gradient `grad` (tests: finite differences). */
  gradient?: boolean;
  /**
   * Block maxima with TopK(k=1) (one pass for value and index; 2-3× faster than ReduceMax+ArgMax on
   * the CPU EP) instead of ReduceMax+ArgMax (kernels the WebGPU EP has; its TopK falls back to the CPU).
   */
  topk: boolean;
  /**
   * Neighbour search by the int8 coarse Gram with exact re-rank (coarse-int8.ts): input `nn_prev` [N]
   * int64 (the previous step's neighbours), outputs `pairs` and `excess` [T] int64 (a step with
   * pairs > maxPairs or excess > 0 overflowed: rerun it on the fp32 graph).
   */
  coarse?: { maxPairs: number; chunk: number };
  /** Output `nn_prev_out` [N] int64: the last step's neighbour indices (the next run's `nn_prev`). */
  emitIdx?: boolean;
}

export const BETA1 = 0.9;
export const BETA2 = 0.999;
export const EPS = 1e-8;
/** Added to the self inner product on diagonal blocks so a point never is its own neighbour. */
const SELF = -4;

const i64 = (values: number[]): BigInt64Array => BigInt64Array.from(values.map((v) => BigInt(v)));

export class Graph {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxInitializer[] = [];
  private readonly consts = new Map<string, string>();
  private k = 0;
  op(op: string, inputs: string[], attributes?: OnnxNode['attributes'], outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, () => `t${this.k++}`);
    this.nodes.push({ op, inputs, outputs: outs, ...(attributes ? { attributes } : {}) });
    return outs;
  }
  one(op: string, inputs: string[], attributes?: OnnxNode['attributes']): string {
    return this.op(op, inputs, attributes)[0]!;
  }
  /** A shared constant (deduplicated by value). */
  f(v: number): string {
    return this.konst(`f${v}`, () => ({ dims: [], data: new Float32Array([v]) }));
  }
  ints(v: number[]): string {
    return this.konst(`i${v.join(',')}`, () => ({ dims: [v.length], data: i64(v) }));
  }
  konst(key: string, make: () => Omit<OnnxInitializer, 'name'>): string {
    let name = this.consts.get(key);
    if (!name) {
      name = `c${this.consts.size}`;
      this.inits.push({ name, ...make() });
      this.consts.set(key, name);
    }
    return name;
  }
}

export function ranges(n: number, block: number): [number, number][] {
  const nb = Math.ceil(n / Math.max(1, Math.min(block, n)));
  const size = Math.ceil(n / nb);
  const out: [number, number][] = [];
  for (let lo = 0; lo < n; lo += size) out.push([lo, Math.min(n, lo + size)]);
  return out;
}

/**
 * The candidates of every row block from the Gram blocks X_I·X_Jᵀ (I ≤ J), each computed once: `rows`
 * reduces a block along its rows (block I's candidates among J), `cols` along its columns (block J's
 * candidates among I, by symmetry: ≈ half the FLOPs of X·Xᵀ); both return [value, index] shaped
 * [rows of that side, ·] with indices local to the other block. Only one Gram block is alive at a time.
 */
export function symmetricCandidates(
  g: Graph,
  blocks: [number, number][],
  xb: string[],
  rows: (gram: string, width: number) => [string, string],
  cols: (gram: string, width: number, height: number) => [string, string],
): { candV: string[][]; candI: string[][] } {
  const nb = blocks.length;
  const candV: string[][] = blocks.map(() => []);
  const candI: string[][] = blocks.map(() => []);
  const chain = new Chain(g);
  for (let I = 0; I < nb; I++) {
    for (let J = I; J < nb; J++) {
      const [loI, hiI] = blocks[I]!;
      const [loJ, hiJ] = blocks[J]!;
      const a = chain.after(xb[I]!);
      // the self inner product gets −4 on diagonal blocks: never a candidate
      const gram = I === J ? g.one('Gemm', [a, xb[J]!, diagonal(g, hiI - loI)], { transB: 1 }) : g.one('Gemm', [a, xb[J]!], { transB: 1 });
      const [rv, ri] = rows(gram, hiJ - loJ);
      candV[I]!.push(rv);
      candI[I]!.push(loJ ? g.one('Add', [ri, g.ints([loJ])]) : ri);
      if (I === J) {
        chain.done([rv]);
        continue;
      }
      const [cv, ci] = cols(gram, hiJ - loJ, hiI - loI);
      chain.done([rv, cv]);
      candV[J]!.push(cv);
      candI[J]!.push(loI ? g.one('Add', [ci, g.ints([loI])]) : ci);
    }
  }
  return { candV, candI };
}

/** Per row block, the best of its candidates (`pick` chooses along axis 1 and returns [values, positions]). */
export function mergeCandidates(g: Graph, candV: string[][], candI: string[][], pick: (v: string) => [string, string]): { vals: string[]; idxs: string[] } {
  const vals: string[] = [];
  const idxs: string[] = [];
  for (let J = 0; J < candV.length; J++) {
    if (candV.length === 1) {
      vals.push(candV[0]![0]!);
      idxs.push(candI[0]![0]!);
      continue;
    }
    const v = g.one('Concat', candV[J]!, { axis: 1 });
    const ix = g.one('Concat', candI[J]!, { axis: 1 });
    const [bv, pos] = pick(v);
    vals.push(bv);
    idxs.push(g.one('GatherElements', [ix, pos], { axis: 1 }));
  }
  return { vals, idxs };
}

/** Nearest other row of every row of x [N, D]: cosines [N, 1] and indices [N, 1] (int64). */
export function nearest(g: Graph, blocks: [number, number][], xb: string[], topk: boolean): { cos: string; idx: string } {
  const { candV, candI } = symmetricCandidates(
    g,
    blocks,
    xb,
    (gram) => blockMax(g, gram, 1, topk),
    (gram, width) => {
      const col = g.ints([width, 1]);
      const [cv, cix] = blockMax(g, gram, 0, topk);
      return [g.one('Reshape', [cv, col]), g.one('Reshape', [cix, col])];
    },
  );
  // ArgMax + GatherElements rather than TopK: the WebGPU EP has kernels for these
  const { vals, idxs } = mergeCandidates(g, candV, candI, (v) => {
    const sel = g.one('ArgMax', [v], { axis: 1, keepdims: 1 });
    return [g.one('GatherElements', [v, sel], { axis: 1 }), sel];
  });
  return vals.length === 1 ? { cos: vals[0]!, idx: idxs[0]! } : { cos: g.one('Concat', vals, { axis: 0 }), idx: g.one('Concat', idxs, { axis: 0 }) };
}

/**
 * Orders the block computations: the next block's Gemm reads its rows through `+ 0·token`, where the
 * token depends on the previous block's reductions, so only one Gram block is alive at a time
 * (without it the executor may run every Gemm first: ≈ 2·N² bytes at once). x + 0 is exact.
 */
export class Chain {
  private token: string | null = null;
  constructor(private readonly g: Graph) {}
  after(rows: string): string {
    return this.token ? this.g.one('Add', [rows, this.token]) : rows;
  }
  done(reduced: string[]): void {
    const sum = reduced.map((r) => this.g.one('ReduceMax', [r], { keepdims: 0 })).reduce((p, q) => this.g.one('Add', [p, q]));
    this.token = this.g.one('Mul', [sum, this.g.f(0)]);
  }
}

/** Max along `axis` of a Gram block, keepdims: [value, int64 index]. */
function blockMax(g: Graph, gram: string, axis: number, topk: boolean): [string, string] {
  if (topk) {
    const [v, i] = g.op('TopK', [gram, g.ints([1])], { axis, largest: 1, sorted: 1 }, 2);
    return [v!, i!];
  }
  return [g.one('ReduceMax', [gram, g.ints([axis])], { keepdims: 1 }), g.one('ArgMax', [gram], { axis, keepdims: 1 })];
}

export function diagonal(g: Graph, size: number): string {
  return g.konst(`eye${size}`, () => {
    const data = new Float32Array(size * size);
    for (let i = 0; i < size; i++) data[i * size + i] = SELF;
    return { dims: [size, size], data };
  });
}

/** Nearest gallery row of every row: cosines [N, 1], indices [N, 1]. */
function nearestGallery(g: Graph, x: string, gblocks: [number, number][], topk: boolean): { cos: string; idx: string } {
  const cos: string[] = [];
  const idx: string[] = [];
  const chain = new Chain(g);
  for (const [lo, hi] of gblocks) {
    const q = gblocks.length === 1 ? x : g.one('Slice', [x, g.ints([lo]), g.ints([hi]), g.ints([0])]);
    const [v, i] = blockMax(g, g.one('Gemm', [chain.after(q), 'gallery'], { transB: 1 }), 1, topk);
    chain.done([v]);
    cos.push(v);
    idx.push(i);
  }
  return gblocks.length === 1 ? { cos: cos[0]!, idx: idx[0]! } : { cos: g.one('Concat', cos, { axis: 0 }), idx: g.one('Concat', idx, { axis: 0 }) };
}

/**
 * Inputs: x, m, v, best [N, D]; best_cos [1] (largest nearest-neighbour cosine of `best`);
 * coef [2T] (per step: lr / (1 − β1^t), 1 / sqrt(1 − β2^t)); gallery [G, D] when G > 0.
 * Outputs: x_out, m_out, v_out, best_out, best_cos_out; nn_cos [T, N] and gallery_cos [T, N] (with a
 * gallery) of the iterate each step started from; `grad` [N, D] of the first step when asked.
 * The best iterate is the one with the smallest largest cosine (the paper run keeps the best min angle).
 */
export function buildPaperStepModel(spec: PaperGraphSpec): Uint8Array {
  const { n, d, galleryRows: G, alpha, steps } = spec;
  const g = new Graph();
  const blocks = ranges(n, spec.block);
  const gblocks = ranges(n, spec.galleryBlock);
  const w = 1 / n;
  let x = 'x';
  let m = 'm';
  let v = 'v';
  let best = 'best';
  let bestCos = 'best_cos';
  const nnOut: string[] = [];
  const gOut: string[] = [];
  let grad0 = '';
  const row = g.ints([1, n]);
  const coarse = spec.coarse;
  let prev = 'nn_prev';
  const pairsOut: string[] = [];
  const excessOut: string[] = [];
  for (let s = 0; s < steps; s++) {
    let nn: { cos: string; idx: string };
    if (coarse) {
      const c = int8Nearest(g, x, prev, { n, block: spec.block, ...coarse });
      pairsOut.push(c.pairs);
      excessOut.push(c.excess);
      nn = c;
    } else {
      const xb = blocks.length === 1 ? [x] : blocks.map(([lo, hi]) => g.one('Slice', [x, g.ints([lo]), g.ints([hi]), g.ints([0])]));
      nn = nearest(g, blocks, xb, spec.topk);
    }
    if (coarse || spec.emitIdx) prev = g.one('Reshape', [nn.idx, g.ints([n])]);
    nnOut.push(g.one('Reshape', [nn.cos, row]));
    // gradient of (1/N) Σ_i cos(x_i, x_nn(i)): x_nn(i) for row i, plus x_i scattered onto row nn(i)
    const flat = g.one('Reshape', [nn.idx, g.ints([n])]);
    const pulled = g.one('Gather', [x, flat], { axis: 0 });
    const both = g.one('ScatterND', [pulled, nn.idx, x], { reduction: 'add' });
    let raw = g.one('Mul', [both, g.f(w)]);
    if (G > 0) {
      const gnn = nearestGallery(g, x, gblocks, spec.topk);
      gOut.push(g.one('Reshape', [gnn.cos, row]));
      if (alpha !== 0) {
        const gg = g.one('Gather', ['gallery', g.one('Reshape', [gnn.idx, g.ints([n])])], { axis: 0 });
        raw = g.one('Sub', [raw, g.one('Mul', [gg, g.f(alpha * w)])]);
      }
    }
    // tangent projection at x (unit rows)
    const p = g.one('ReduceSum', [g.one('Mul', [raw, x]), g.ints([1])], { keepdims: 1 });
    const grad = g.one('Sub', [raw, g.one('Mul', [p, x])]);
    if (s === 0) grad0 = grad;
    // best iterate so far (this step's starting point competes)
    const worst = g.one('Min', [g.one('ReduceMax', [nn.cos], { keepdims: 0 }), g.f(1)]);
    const better = g.one('Less', [worst, bestCos]);
    best = g.one('Where', [better, x, best]);
    bestCos = g.one('Where', [better, worst, bestCos]);
    // Adam (the JS reference's order of operations)
    const a = g.one('Slice', ['coef', g.ints([2 * s]), g.ints([2 * s + 1]), g.ints([0])]);
    const s2 = g.one('Slice', ['coef', g.ints([2 * s + 1]), g.ints([2 * s + 2]), g.ints([0])]);
    m = g.one('Add', [g.one('Mul', [m, g.f(BETA1)]), g.one('Mul', [grad, g.f(1 - BETA1)])]);
    v = g.one('Add', [g.one('Mul', [v, g.f(BETA2)]), g.one('Mul', [g.one('Mul', [grad, grad]), g.f(1 - BETA2)])]);
    const den = g.one('Add', [g.one('Mul', [g.one('Sqrt', [v]), s2]), g.f(EPS)]);
    const moved = g.one('Sub', [x, g.one('Div', [g.one('Mul', [m, a]), den])]);
    const norm = g.one('Sqrt', [g.one('ReduceSumSquare', [moved, g.ints([1])], { keepdims: 1 })]);
    x = g.one('Div', [moved, norm]);
  }
  // name the final values (renaming their producers' outputs: an Identity would copy N×D floats)
  const named = (from: string, to: string) => {
    for (const node of g.nodes) {
      node.inputs = node.inputs.map((i) => (i === from ? to : i));
      node.outputs = node.outputs.map((o) => (o === from ? to : o));
    }
  };
  named(x, 'x_out');
  named(m, 'm_out');
  named(v, 'v_out');
  named(best, 'best_out');
  named(bestCos, 'best_cos_out');
  named(steps === 1 ? nnOut[0]! : g.one('Concat', nnOut, { axis: 0 }), 'nn_cos');
  if (G > 0) named(steps === 1 ? gOut[0]! : g.one('Concat', gOut, { axis: 0 }), 'gallery_cos');
  if (spec.gradient) named(grad0, 'grad');
  if (coarse || spec.emitIdx) named(prev, 'nn_prev_out');
  if (coarse) {
    named(steps === 1 ? pairsOut[0]! : g.one('Concat', pairsOut, { axis: 0 }), 'pairs');
    named(steps === 1 ? excessOut[0]! : g.one('Concat', excessOut, { axis: 0 }), 'excess');
  }
  const mat = (name: string): OnnxValueInfo => ({ name, dtype: 'float32', shape: [n, d] });
  const inputs: OnnxValueInfo[] = [mat('x'), mat('m'), mat('v'), mat('best'), { name: 'best_cos', dtype: 'float32', shape: [1] }, { name: 'coef', dtype: 'float32', shape: [2 * steps] }];
  if (G > 0) inputs.push({ name: 'gallery', dtype: 'float32', shape: [G, d] });
  if (coarse) inputs.push({ name: 'nn_prev', dtype: 'int64', shape: [n] });
  const outputs: OnnxValueInfo[] = [mat('x_out'), mat('m_out'), mat('v_out'), mat('best_out'), { name: 'best_cos_out', dtype: 'float32', shape: [1] }, { name: 'nn_cos', dtype: 'float32', shape: [steps, n] }];
  if (G > 0) outputs.push({ name: 'gallery_cos', dtype: 'float32', shape: [steps, n] });
  if (spec.gradient) outputs.push(mat('grad'));
  if (coarse || spec.emitIdx) outputs.push({ name: 'nn_prev_out', dtype: 'int64', shape: [n] });
  if (coarse) outputs.push({ name: 'pairs', dtype: 'int64', shape: [steps] }, { name: 'excess', dtype: 'int64', shape: [steps] });
  return buildOnnxModel({ inputs, outputs, nodes: g.nodes, initializers: g.inits, opset: 18, graphName: 'paper_step' });
}
