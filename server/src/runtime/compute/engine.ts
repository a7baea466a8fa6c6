// Blockwise similarity search on onnxruntime-node sessions whose graphs are built in code.
// The O(N²·D) work (Gram blocks X_b·Yᵀ and their row-wise top-k) runs inside ORT; callers get
// only O(rows·k) results back, so no N×N matrix is ever held: one block is at most
// `blockElements` floats (64 MiB by default) whatever N is.
import * as ort from 'onnxruntime-node';
import { availableParallelism } from 'node:os';
import { throwIfAborted } from '../../shared/errors.js';
import { buildOnnxModel } from './onnx-graph.js';
import { blockModel } from './block-graph.js';
import { buildSymTopKModel } from './sym-topk.js';
import { createPaperStepper, type PaperStepper, type PaperStepperOptions } from './paper-step.js';
import { buildCandidateDotModel, candidateTopK, galleryCandidateLists, refineNeighbours, type DotSession, type GalleryRefineRequest, type RefineRequest } from './candidates.js';

export type ComputeDevice = 'cpu' | 'gpu';
export type ComputeProvider = 'cpu' | 'webgpu';

export interface ComputeEngineOptions {
  /** 'gpu' asks for onnxruntime-node's bundled WebGPU EP and falls back to CPU (logged) when no adapter is found. @default 'cpu' */
  device?: ComputeDevice;
  /** CPU EP intra-op threads. Fixed by default so results are reproducible on one machine. @default os.availableParallelism() */
  threads?: number;
  /** Largest Gram block (rows × keys) materialised at once, in floats. @default 16_777_216 (64 MiB) */
  blockElements?: number;
  log?: (msg: string) => void;
  /**
   * Where the self match is removed for nearest-other-point queries: 'graph' masks it inside the
   * graph (Equal/Where, one extra pass over each block), 'js' asks TopK for k+1 and drops it after.
   * @default 'graph' on WebGPU, 'js' on CPU
   */
  selfMask?: 'graph' | 'js';
  /** Fused paper steps per session.run (state stays in ORT between them). @default 4 on CPU, 16 on WebGPU */
  paperStepsPerRun?: number;
  /** Rows per symmetric Gram block in the fused paper step (smaller: closer to half the FLOPs of X·Xᵀ, more ops; 1024 measured best at N = 10k, D = 512 on 2 cores). @default 1024 */
  paperBlock?: number;
  /** Block maxima by TopK (true) or ReduceMax+ArgMax (false, WebGPU kernels). @default true on CPU, false on WebGPU */
  paperTopK?: boolean;
  /**
   * Paper-step neighbour search by an int8 coarse Gram with a proven error bound and an exact fp32
   * re-rank of the candidates (coarse-int8.ts; the argmax stays exact). Candidate pairs per step are
   * capped at `paperCoarseMaxPairs` × N; a step past it is rerun on the fp32 graph. 0 = off (CPU only).
   * Off by default: on packed sets the proven bound keeps tens to hundreds of candidates per row, and
   * their exact re-rank costs what the int8 Gram saves (docs/packing.md, "int8 coarse search").
   * @default 0
   */
  paperCoarseMaxPairs?: number;
  /** Rows per symmetric Gram block of nearestNeighbours on the CPU EP (0 = the non-symmetric blockwise search). @default 1024 */
  nnBlock?: number;
  /** From this many rows, packing refreshes its neighbour lists with refineNeighbours (sub-quadratic) between full passes. @default 20000 */
  refineFrom?: number;
}

export interface TopKRequest {
  /** Query rows, [rows, dim] row-major. Omit with `selfQuery` to use `keys[queryStart .. queryStart+rows)`. */
  queries?: Float32Array;
  /** Number of query rows. */
  rows: number;
  /** Key rows, [keyRows, dim]. */
  keys: Float32Array;
  keyRows: number;
  dim: number;
  /** Neighbours per query row (largest inner product first). */
  k: number;
  /**
   * When set, query row r is key row `selfIndex[r]` and that key is excluded from its results
   * (nearest *other* point). Without it every key is a candidate (e.g. nearest gallery row).
   */
  selfIndex?: Int32Array;
  signal?: AbortSignal;
}

export interface TopKResult {
  /** [rows, k] key indices, best first. */
  index: Int32Array;
  /** [rows, k] inner products (cosines for unit rows), best first. */
  value: Float32Array;
}

export interface ComputeEngine {
  readonly provider: ComputeProvider;
  readonly threads: number;
  /** From this many rows, neighbour refreshes after the first are refined (sub-quadratic), not full passes. */
  readonly refineFrom: number;
  /** Row-wise top-k of Q·Kᵀ, computed blockwise. */
  topK(req: TopKRequest): Promise<TopKResult>;
  /** For every row of the unit-row matrix x [n, dim], its k nearest other rows. */
  nearestNeighbours(x: Float32Array, n: number, dim: number, k: number, signal?: AbortSignal): Promise<TopKResult>;
  /** For every row of x, the nearest gallery row (k = 1). */
  nearestGallery(x: Float32Array, n: number, gallery: Float32Array, g: number, dim: number, signal?: AbortSignal): Promise<TopKResult>;
  /** Sub-quadratic refresh: the exact top-k among candidates drawn from the previous neighbour graph (candidates.ts). */
  refineNeighbours(req: RefineRequest): Promise<TopKResult>;
  /** Sub-quadratic nearest-gallery refresh (k = 1) from the previous matches and the gallery's own graph. */
  refineGallery(req: GalleryRefineRequest): Promise<TopKResult>;
  /** Wall seconds of the last full (exact, quadratic) pass of this kind and shape, if one ran: budgets reserve it for the final metrics. */
  passSeconds(kind: 'nn' | 'gallery', n: number, dim: number, g?: number): number | undefined;
  /** The last full nearest-neighbour pass's seconds at this shape or, if none ran, an estimate from a timed sample of ≤ 1024 rows against all n (O(n·D)·1024). */
  estimatePassSeconds(x: Float32Array, n: number, dim: number, signal?: AbortSignal): Promise<number>;
  /** The fused paper-mode step (nearest neighbours, gradient, Adam, renormalisation) with resident state. */
  paperStepper(opts: PaperStepperOptions): PaperStepper;
  /** out [rows, cols] = a [rows, inner] · b [inner, cols] (a row block times a fixed matrix, e.g. a rotation). */
  matmul(a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number, signal?: AbortSignal): Promise<Float32Array>;
  /** Number of cached sessions (one per graph shape). */
  readonly sessionCount: number;
  release(): Promise<void>;
}

interface BlockGraph {
  session: ort.InferenceSession;
  /** Query rows per run. */
  rows: number;
  /** Whether the graph takes the queries from the keys input (`selfIndex` then picks them). */
  topOut: number;
}

class OrtComputeEngine implements ComputeEngine {
  private readonly sessions = new Map<string, Promise<BlockGraph>>();
  private readonly passes = new Map<string, number>();
  constructor(
    readonly provider: ComputeProvider,
    readonly threads: number,
    private readonly blockElements: number,
    private readonly selfMask: 'graph' | 'js',
    private readonly paper: { stepsPerRun: number; block: number; topk: boolean; coarsePerRow: number; log: (msg: string) => void },
    private readonly nnBlock: number,
    readonly refineFrom: number,
  ) {}

  paperStepper(opts: PaperStepperOptions): PaperStepper {
    return createPaperStepper(opts, { provider: this.provider, sessionOptions: this.sessionOptions(), blockElements: this.blockElements, ...this.paper });
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  private sessionOptions(): ort.InferenceSession.SessionOptions {
    if (this.provider === 'webgpu') return { executionProviders: ['webgpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3 };
    return {
      executionProviders: ['cpu'],
      intraOpNumThreads: this.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    };
  }

  private graph(key: string, build: () => Uint8Array, rows: number, topOut: number, quiet = false): Promise<BlockGraph> {
    let g = this.sessions.get(key);
    if (!g) {
      const options = this.sessionOptions();
      // many mid-sized ops between the Gemms: spinning threads would burn the cores other work needs
      if (quiet) options.extra = { session: { intra_op: { allow_spinning: '0' } } };
      g = ort.InferenceSession.create(build(), options).then((session) => ({ session, rows, topOut }));
      this.sessions.set(key, g);
      g.catch(() => this.sessions.delete(key));
    }
    return g;
  }

  async topK(req: TopKRequest): Promise<TopKResult> {
    const { rows, keyRows, dim, keys, selfIndex, signal } = req;
    const k = Math.min(req.k, selfIndex ? keyRows - 1 : keyRows);
    if (k < 1) throw new RangeError(`topK needs k >= 1 candidates (k=${req.k}, keys=${keyRows})`);
    if (keys.length < keyRows * dim) throw new RangeError('keys shorter than keyRows × dim');
    const index = new Int32Array(rows * k);
    const value = new Float32Array(rows * k);
    if (rows === 0) return { index, value };
    const gpu = this.provider === 'webgpu';
    // CPU: no mask pass; ask for k+1 and drop the self index in JS (the self inner product ≈ 1 is
    // always among the top 2 unless duplicates tie with it, which the drop handles as well).
    // WebGPU: mask in-graph (elementwise ops are free there) and run many sub-blocks per upload.
    const mask = this.selfMask === 'graph' && !!selfIndex;
    const kk = selfIndex && !mask ? Math.min(k + 1, keyRows) : k;
    const sub = Math.max(1, Math.min(rows, Math.floor(this.blockElements / keyRows)));
    const perRun = gpu ? Math.max(sub, Math.min(rows, sub * 64)) : sub;
    const selfContiguous = !req.queries;
    for (let start = 0; start < rows; start += perRun) {
      throwIfAborted(signal);
      const r = Math.min(perRun, rows - start);
      const separate = !(selfContiguous && r === keyRows && start === 0) || !!req.queries;
      const subR = Math.min(sub, r);
      const argmax = gpu || this.selfMask === 'graph';
      const key = `${r}x${keyRows}x${dim}:k${kk}:s${subR}:m${mask ? 1 : 0}:q${separate ? 1 : 0}:a${argmax ? 1 : 0}`;
      const g = await this.graph(key, () => blockModel({ rows: r, keyRows, dim, kk, sub: subR, mask, separateQueries: separate, argmax }), r, kk);
      const feeds: Record<string, ort.Tensor> = { keys: new ort.Tensor('float32', keys.subarray(0, keyRows * dim), [keyRows, dim]) };
      if (separate) {
        const q = req.queries ? req.queries.subarray(start * dim, (start + r) * dim) : keys.subarray(start * dim, (start + r) * dim);
        feeds.queries = new ort.Tensor('float32', q, [r, dim]);
      }
      if (mask && selfIndex) {
        const s = new BigInt64Array(r);
        for (let i = 0; i < r; i++) s[i] = BigInt(selfIndex[start + i] ?? -1);
        feeds.self = new ort.Tensor('int64', s, [r]);
      }
      const out = await g.session.run(feeds);
      const v = out.value!.data as Float32Array;
      const ix = out.index!.data as BigInt64Array;
      for (let i = 0; i < r; i++) {
        const row = start + i;
        const self = selfIndex && !mask ? (selfIndex[row] ?? -1) : -1;
        let w = row * k;
        const end = (row + 1) * k;
        for (let c = 0; c < kk && w < end; c++) {
          const j = Number(ix[i * kk + c]);
          if (j === self) continue;
          index[w] = j;
          value[w] = v[i * kk + c]!;
          w++;
        }
      }
      for (const t of Object.values(out)) t.dispose();
    }
    return { index, value };
  }

  passSeconds(kind: 'nn' | 'gallery', n: number, dim: number, g = 0): number | undefined {
    return this.passes.get(`${kind}:${n}x${dim}x${g}`);
  }

  private dotSession(dim: number): DotSession {
    return async (keyRows, rows, width) =>
      (await this.graph(`cand:${keyRows}x${dim}:${rows}x${width}`, () => buildCandidateDotModel({ n: keyRows, d: dim, rows, width }), rows, width)).session;
  }

  async estimatePassSeconds(x: Float32Array, n: number, dim: number, signal?: AbortSignal): Promise<number> {
    const known = this.passSeconds('nn', n, dim) ?? this.passes.get(`estimate:${n}x${dim}`);
    if (known !== undefined) return known;
    const m = Math.min(n, 1024);
    const selfIndex = Int32Array.from({ length: m }, (_, i) => i);
    const once = () => this.topK({ rows: m, keys: x, keyRows: n, dim, k: 1, selfIndex, signal });
    await once(); // session creation is not part of the estimate
    const t0 = performance.now();
    await once();
    // the symmetric full pass does about half of n/m such sample runs' Gram work, plus its reductions: n/m is the safe side
    const est = ((performance.now() - t0) / 1000) * (n / m);
    this.passes.set(`estimate:${n}x${dim}`, est);
    return est;
  }

  refineNeighbours(req: RefineRequest): Promise<TopKResult> {
    return refineNeighbours(req, this.blockElements, this.dotSession(req.dim));
  }

  refineGallery(req: GalleryRefineRequest): Promise<TopKResult> {
    const { index: cand, width } = galleryCandidateLists(req);
    return candidateTopK({ queries: req.x, n: req.n, keys: req.gallery, keyRows: req.g, dim: req.dim, cand, width, k: 1, signal: req.signal }, this.blockElements, this.dotSession(req.dim));
  }

  async matmul(a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number, signal?: AbortSignal): Promise<Float32Array> {
    throwIfAborted(signal);
    const build = () =>
      buildOnnxModel({
        inputs: [
          { name: 'a', dtype: 'float32', shape: [rows, inner] },
          { name: 'b', dtype: 'float32', shape: [inner, cols] },
        ],
        outputs: [{ name: 'y', dtype: 'float32', shape: [rows, cols] }],
        nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }],
      });
    const g = await this.graph(`matmul:${rows}x${inner}x${cols}`, build, rows, cols);
    const out = await g.session.run({ a: new ort.Tensor('float32', a.subarray(0, rows * inner), [rows, inner]), b: new ort.Tensor('float32', b.subarray(0, inner * cols), [inner, cols]) });
    const y = out.y!.data as Float32Array;
    const copy = y.slice(0, rows * cols);
    for (const t of Object.values(out)) t.dispose();
    return copy;
  }

  async nearestNeighbours(x: Float32Array, n: number, dim: number, k: number, signal?: AbortSignal): Promise<TopKResult> {
    const t0 = performance.now();
    const r = await this.nearestNeighboursPass(x, n, dim, k, signal);
    this.passes.set(`nn:${n}x${dim}x0`, (performance.now() - t0) / 1000);
    return r;
  }

  private async nearestNeighboursPass(x: Float32Array, n: number, dim: number, k: number, signal?: AbortSignal): Promise<TopKResult> {
    // CPU: one symmetric graph (each Gram block once) while ≤ 32 blocks per side fit in a block
    const block = Math.max(this.nnBlock, Math.ceil(n / 32));
    if (this.provider === 'cpu' && this.nnBlock > 0 && n >= 2 && block * Math.min(block, n) <= this.blockElements) {
      throwIfAborted(signal);
      const kk = Math.min(k, n - 1);
      const g = await this.graph(`sym:${n}x${dim}:k${kk}:b${block}`, () => buildSymTopKModel({ n, d: dim, k: kk, block }), n, kk, true);
      const out = await g.session.run({ x: new ort.Tensor('float32', x.subarray(0, n * dim), [n, dim]) });
      const index = Int32Array.from(out.index!.data as BigInt64Array, Number);
      const value = Float32Array.from(out.value!.data as Float32Array);
      for (const t of Object.values(out)) t.dispose();
      return { index, value };
    }
    const selfIndex = new Int32Array(n);
    for (let i = 0; i < n; i++) selfIndex[i] = i;
    return this.topK({ rows: n, keys: x, keyRows: n, dim, k, selfIndex, signal });
  }

  async nearestGallery(x: Float32Array, n: number, gallery: Float32Array, g: number, dim: number, signal?: AbortSignal): Promise<TopKResult> {
    const t0 = performance.now();
    const r = await this.topK({ queries: x, rows: n, keys: gallery, keyRows: g, dim, k: 1, signal });
    this.passes.set(`gallery:${n}x${dim}x${g}`, (performance.now() - t0) / 1000);
    return r;
  }

  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const g of all) {
      try {
        await (await g).session.release();
      } catch {
        // a session that failed to build has nothing to release
      }
    }
  }
}

/** Probes the WebGPU EP with a tiny graph; returns the error message when no adapter is usable. */
async function probeWebGpu(): Promise<string | null> {
  const bytes = buildOnnxModel({
    inputs: [{ name: 'x', dtype: 'float32', shape: [2, 2] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [2, 2] }],
    nodes: [{ op: 'MatMul', inputs: ['x', 'x'], outputs: ['y'] }],
  });
  try {
    const s = await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'] });
    await s.run({ x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [2, 2]) });
    await s.release();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export async function createComputeEngine(opts: ComputeEngineOptions = {}): Promise<ComputeEngine> {
  const log = opts.log ?? (() => {});
  const threads = Math.max(1, Math.floor(opts.threads ?? availableParallelism()));
  const blockElements = Math.max(1024, Math.floor(opts.blockElements ?? 16_777_216));
  let provider: ComputeProvider = 'cpu';
  if (opts.device === 'gpu') {
    const err = await probeWebGpu();
    if (err === null) provider = 'webgpu';
    else log(`compute: device=gpu requested but the WebGPU execution provider found no adapter; falling back to the CPU EP (${threads} threads). Cause: ${err.split('\n')[0]}`);
  }
  log(`compute: provider=${provider}${provider === 'cpu' ? ` threads=${threads}` : ''}`);
  const paper = {
    stepsPerRun: Math.max(1, Math.floor(opts.paperStepsPerRun ?? (provider === 'webgpu' ? 16 : 4))),
    block: Math.max(1, Math.floor(opts.paperBlock ?? 1024)),
    topk: opts.paperTopK ?? provider === 'cpu',
    coarsePerRow: provider === 'cpu' ? Math.max(0, Math.floor(opts.paperCoarseMaxPairs ?? 0)) : 0,
    log,
  };
  return new OrtComputeEngine(provider, threads, blockElements, opts.selfMask ?? (provider === 'webgpu' ? 'graph' : 'js'), paper, Math.max(0, Math.floor(opts.nnBlock ?? 1024)), Math.max(2, Math.floor(opts.refineFrom ?? 20_000)));
}
