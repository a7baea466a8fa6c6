// Sub-quadratic neighbour refresh for large N (issue 21): instead of a full O(N²·D) Gram pass, each
// row's candidates come from the previous neighbour graph (its neighbours, their neighbours, the rows
// that list it, and a few random rows: NN-descent's local join), and only those N·C inner products
// are computed exactly, inside onnxruntime (Gather → batched MatMul, int32 indices, no BigInt).
// The result is the exact top-k *among the candidates*; it is the true top-k whenever the true
// neighbours are reachable from the previous graph, which the caller checks with exact passes.
import * as ort from 'onnxruntime-node';
import { throwIfAborted } from '../../shared/errors.js';
import { buildOnnxModel } from './onnx-graph.js';

export interface RefineRequest {
  /** Unit rows [n, dim]. */
  x: Float32Array;
  n: number;
  dim: number;
  /** The previous neighbour lists [n, kPrev] (e.g. the last refresh's). */
  prev: Int32Array;
  kPrev: number;
  /** Neighbours wanted per row. */
  k: number;
  /** Uniform [0, 1) source for the exploration rows (the caller's seeded RNG). */
  uniform: () => number;
  /** Uniformly random candidates per row. @default 2 */
  random?: number;
  signal?: AbortSignal;
}

export interface CandidateSpec {
  /** Previous neighbour lists [n, kPrev]. */
  prev: Int32Array;
  n: number;
  kPrev: number;
  /** Neighbours of each neighbour taken (the head of its list). @default min(kPrev, 4) */
  hops?: number;
  /** Rows that list this row, at most this many. @default kPrev */
  reverse?: number;
  /** Uniformly random rows per row (exploration). @default 2 */
  random?: number;
  /** Uniform [0, 1) source for the random rows. */
  uniform: () => number;
}

/** Candidate lists [n, width], deduplicated, never the row itself; unused slots hold -1. */
export function candidateLists(spec: CandidateSpec): { index: Int32Array; width: number } {
  const { prev, n, kPrev, uniform } = spec;
  const hops = Math.min(kPrev, spec.hops ?? Math.min(kPrev, 4));
  const rev = spec.reverse ?? kPrev;
  const rnd = Math.min(spec.random ?? 2, n - 1);
  // reverse lists (CSR, capped per row)
  const revCount = new Int32Array(n);
  for (let p = 0; p < n * kPrev; p++) {
    const j = prev[p]!;
    if (j >= 0 && revCount[j]! < rev) revCount[j]!++;
  }
  const revStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) revStart[i + 1] = revStart[i]! + revCount[i]!;
  const revList = new Int32Array(revStart[n]!);
  const fill = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < kPrev; a++) {
      const j = prev[i * kPrev + a]!;
      if (j >= 0 && fill[j]! < revCount[j]!) revList[revStart[j]! + fill[j]!++] = i;
    }
  }
  const width = kPrev + kPrev * hops + rev + rnd;
  const index = new Int32Array(n * width).fill(-1);
  const stamp = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    let w = i * width;
    const end = w + width;
    stamp[i] = i;
    const put = (j: number) => {
      if (j >= 0 && stamp[j] !== i && w < end) {
        stamp[j] = i;
        index[w++] = j;
      }
    };
    for (let a = 0; a < kPrev; a++) put(prev[i * kPrev + a]!);
    for (let a = 0; a < kPrev; a++) {
      const j = prev[i * kPrev + a]!;
      if (j < 0) continue;
      for (let b = 0; b < hops; b++) put(prev[j * kPrev + b]!);
    }
    for (let r = revStart[i]!; r < revStart[i + 1]!; r++) put(revList[r]!);
    for (let r = 0; r < rnd; r++) put(Math.floor(uniform() * n));
  }
  return { index, width };
}

/**
 * Inputs: x [N, D] (the keys), rows [B, D] (the query rows), cand [B, C] int32 (row indices into x).
 * Output: dots [B, C] = rows[b] · x[cand[b, c]].
 */
export function buildCandidateDotModel(spec: { n: number; d: number; rows: number; width: number }): Uint8Array {
  const { n, d, rows, width } = spec;
  const i64 = (v: number[]) => BigInt64Array.from(v.map(BigInt));
  return buildOnnxModel({
    inputs: [
      { name: 'x', dtype: 'float32', shape: [n, d] },
      { name: 'rows', dtype: 'float32', shape: [rows, d] },
      { name: 'cand', dtype: 'int32', shape: [rows, width] },
    ],
    outputs: [{ name: 'dots', dtype: 'float32', shape: [rows, width] }],
    nodes: [
      { op: 'Gather', inputs: ['x', 'cand'], outputs: ['g'], attributes: { axis: 0 } },
      { op: 'Reshape', inputs: ['rows', 'col'], outputs: ['q'] },
      { op: 'MatMul', inputs: ['g', 'q'], outputs: ['m'] },
      { op: 'Reshape', inputs: ['m', 'flat'], outputs: ['dots'] },
    ],
    initializers: [
      { name: 'col', dims: [3], data: i64([rows, d, 1]) },
      { name: 'flat', dims: [2], data: i64([rows, width]) },
    ],
    opset: 17,
    graphName: 'candidate_dots',
  });
}

/** Per row, the k best of its candidates by `dots` (unused slots skipped), best first. */
export function selectTopK(cand: Int32Array, dots: Float32Array, rows: number, width: number, k: number, outIndex: Int32Array, outValue: Float32Array, rowOffset: number): void {
  for (let r = 0; r < rows; r++) {
    const o = (rowOffset + r) * k;
    let have = 0;
    for (let c = 0; c < width; c++) {
      const j = cand[r * width + c]!;
      if (j < 0) continue;
      const v = dots[r * width + c]!;
      if (have === k && v <= outValue[o + k - 1]!) continue;
      // insertion into the sorted head
      let p = have < k ? have++ : k - 1;
      while (p > 0 && outValue[o + p - 1]! < v) {
        outValue[o + p] = outValue[o + p - 1]!;
        outIndex[o + p] = outIndex[o + p - 1]!;
        p--;
      }
      outValue[o + p] = v;
      outIndex[o + p] = j;
    }
    for (let p = have; p < k; p++) {
      outIndex[o + p] = -1;
      outValue[o + p] = -Infinity;
    }
  }
}

/** The exact top-k among each row's candidates; `session(rows, width)` gives the dot graph for a block. */
export async function refineNeighbours(req: RefineRequest, blockElements: number, session: DotSession): Promise<{ index: Int32Array; value: Float32Array }> {
  const { x, n, dim, k, signal } = req;
  const { index: cand, width } = candidateLists({ prev: req.prev, n, kPrev: req.kPrev, uniform: req.uniform, random: req.random });
  return candidateTopK({ queries: x, n, keys: x, keyRows: n, dim, cand, width, k, signal }, blockElements, session);
}

export type DotSession = (keyRows: number, rows: number, width: number) => Promise<ort.InferenceSession>;

/** Per query row, the exact top-k of its candidate key rows (cand [n, width], -1 = unused). */
export async function candidateTopK(
  req: { queries: Float32Array; n: number; keys: Float32Array; keyRows: number; dim: number; cand: Int32Array; width: number; k: number; signal?: AbortSignal },
  blockElements: number,
  session: DotSession,
): Promise<{ index: Int32Array; value: Float32Array }> {
  const { queries, n, keys, keyRows, dim, cand, width, k, signal } = req;
  const index = new Int32Array(n * k);
  const value = new Float32Array(n * k);
  const block = Math.max(1, Math.min(n, Math.floor(blockElements / (width * dim))));
  const kt = new ort.Tensor('float32', keys.subarray(0, keyRows * dim), [keyRows, dim]);
  for (let lo = 0; lo < n; lo += block) {
    throwIfAborted(signal);
    const rows = Math.min(block, n - lo);
    const c = cand.subarray(lo * width, (lo + rows) * width);
    const s = await session(keyRows, rows, width);
    const out = await s.run({ x: kt, rows: new ort.Tensor('float32', queries.subarray(lo * dim, (lo + rows) * dim), [rows, dim]), cand: new ort.Tensor('int32', c, [rows, width]) });
    selectTopK(c, out.dots!.data as Float32Array, rows, width, k, index, value, lo);
    out.dots!.dispose();
  }
  return { index, value };
}

export interface GalleryRefineRequest {
  x: Float32Array;
  n: number;
  /** Unit gallery rows [g, dim]. */
  gallery: Float32Array;
  g: number;
  dim: number;
  /** Each row's previous nearest gallery row [n]. */
  prevGallery: Int32Array;
  /** The gallery's own neighbour graph [g, kg] (computed once: the gallery does not move). */
  galleryGraph: Int32Array;
  kg: number;
  /** The rows' current neighbour lists [n, k]: a neighbour's gallery match is a candidate too. */
  neighbours: Int32Array;
  k: number;
  uniform: () => number;
  signal?: AbortSignal;
}

/** Candidates for each row's nearest gallery row: the previous one, its gallery neighbours, the neighbours' matches, 2 random rows. */
export function galleryCandidateLists(req: Omit<GalleryRefineRequest, 'x' | 'gallery' | 'dim' | 'signal'>): { index: Int32Array; width: number } {
  const { n, g, prevGallery, galleryGraph, kg, neighbours, k, uniform } = req;
  const width = 1 + kg + k + 2;
  const index = new Int32Array(n * width).fill(-1);
  const stamp = new Int32Array(g).fill(-1);
  for (let i = 0; i < n; i++) {
    let w = i * width;
    const put = (j: number) => {
      if (j >= 0 && stamp[j] !== i) {
        stamp[j] = i;
        index[w++] = j;
      }
    };
    const p = prevGallery[i]!;
    put(p);
    for (let a = 0; a < kg; a++) put(galleryGraph[p * kg + a]!);
    for (let a = 0; a < k; a++) {
      const j = neighbours[i * k + a]!;
      if (j >= 0) put(prevGallery[j]!);
    }
    put(Math.floor(uniform() * g));
    put(Math.floor(uniform() * g));
  }
  return { index, width };
}
