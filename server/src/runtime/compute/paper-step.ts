// Resident state for the fused paper step: X, the Adam moments and the best iterate live in
// onnxruntime tensors that each run's outputs hand to the next run's inputs. On the CPU EP those are
// the output buffers themselves (no JS work per step); on WebGPU they are asked for as GPU buffers
// (`preferredOutputLocation: 'gpu-buffer'`), so only the per-step cosines ([T, N]) come back.
import * as ort from 'onnxruntime-node';
import { throwIfAborted } from '../../shared/errors.js';
import { buildPaperStepModel, BETA1, BETA2 } from './paper-graph.js';

export interface PaperStepperOptions {
  n: number;
  d: number;
  alpha: number;
  /** Unit rows [G, D]; null = pure geometry. */
  gallery: Float32Array | null;
  galleryRows: number;
  /** Also return the first step's projected gradient of each run (tests). */
  gradient?: boolean;
}

export interface PaperState {
  x: Float32Array;
  m: Float32Array;
  v: Float32Array;
  best: Float32Array;
  /** Largest nearest-neighbour cosine of `best` (float32 value; Infinity = none yet). */
  bestCos: number;
}

export interface PaperChunk {
  /** [steps, N]: nearest-other cosine of every row, for the iterate each step started from. */
  nnCos: Float32Array;
  /** [steps, N] nearest gallery cosines, with a gallery. */
  galleryCos: Float32Array | null;
  /** [N, D] projected gradient of the first step, when asked. */
  grad?: Float32Array;
  /** Per step, the candidate pairs the int8 coarse search re-ranked exactly; null when the run used the fp32 search. */
  coarsePairs: number[] | null;
}

export interface PaperStepper {
  /** Most steps one `run` may take (one session.run). */
  readonly stepsPerRun: number;
  /** True when the state stays on the device between runs. */
  readonly resident: boolean;
  load(state: PaperState): void;
  /** `steps` Adam steps numbered t, t+1, … (1-based, for the bias corrections) at learning rate lr. */
  run(t: number, steps: number, lr: number, signal?: AbortSignal): Promise<PaperChunk>;
  /** A copy of the current state. */
  read(): Promise<PaperState>;
  release(): Promise<void>;
}

export interface PaperStepperConfig {
  provider: 'cpu' | 'webgpu';
  sessionOptions: ort.InferenceSession.SessionOptions;
  stepsPerRun: number;
  block: number;
  blockElements: number;
  topk: boolean;
  /** Int8 coarse search with at most this many candidate pairs per row and step (0 = fp32 search only). */
  coarsePerRow: number;
  log: (msg: string) => void;
}

/** Pairs re-ranked per chunk of the coarse search (one chunk's gathered rows alive: chunk × D × 8 bytes), at least. */
const COARSE_CHUNK = 8192;
/** Most re-rank chunks per step (graph size): past COARSE_CHUNK × this many pairs, chunks grow. */
const COARSE_CHUNKS = 256;
/** Most runs in a row on the fp32 search after the coarse one overflowed (doubling from 1). */
const MAX_BACKOFF = 64;

const STATE = ['x', 'm', 'v', 'best', 'best_cos'] as const;
type StateName = (typeof STATE)[number];

class OrtPaperStepper implements PaperStepper {
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  private state: Record<StateName, ort.Tensor> | null = null;
  /** The last step's neighbour indices ([N] int64): the coarse search's lower bounds. Null after load(). */
  private prev: ort.Tensor | null = null;
  /** fp32 runs left before the coarse search is tried again, and the current backoff. */
  private skip = 0;
  private backoff = 0;
  private readonly galleryTensor: ort.Tensor | null;
  resident: boolean;

  constructor(
    private readonly opts: PaperStepperOptions,
    private readonly cfg: PaperStepperConfig,
  ) {
    this.resident = cfg.provider === 'webgpu';
    const { gallery, galleryRows, d } = opts;
    this.galleryTensor = gallery ? new ort.Tensor('float32', gallery, [galleryRows, d]) : null;
  }

  get stepsPerRun(): number {
    return this.cfg.stepsPerRun;
  }

  /** The pair cap: coarsePerRow × N, never more than the N(N−1)/2 pairs there are. */
  private get maxPairs(): number {
    const { n } = this.opts;
    return Math.min(this.cfg.coarsePerRow * n, (n * (n - 1)) / 2);
  }

  private session(steps: number, coarse: boolean): Promise<ort.InferenceSession> {
    const key = `${steps}${coarse ? ':int8' : ''}`;
    let s = this.sessions.get(key);
    if (!s) {
      const { n, d, galleryRows, alpha, gradient } = this.opts;
      const bytes = buildPaperStepModel({
        n,
        d,
        galleryRows: this.opts.gallery ? galleryRows : 0,
        alpha,
        steps,
        block: this.cfg.block,
        galleryBlock: Math.max(1, Math.floor(this.cfg.blockElements / Math.max(1, galleryRows))),
        gradient,
        topk: this.cfg.topk,
        ...(coarse ? { coarse: { maxPairs: this.maxPairs, chunk: Math.max(COARSE_CHUNK, Math.ceil(this.maxPairs / COARSE_CHUNKS)) } } : {}),
        emitIdx: this.cfg.coarsePerRow > 0,
      });
      const options: ort.InferenceSession.SessionOptions = { ...this.cfg.sessionOptions };
      // ~100 small ops sit between the big Gemms of a step: spinning intra-op threads burn the cores
      // other work needs (measured on 2 shared cores: −25 % CPU time and −20 % wall per step without)
      if (this.cfg.provider === 'cpu') options.extra = { session: { intra_op: { allow_spinning: '0' } } };
      if (this.resident) options.preferredOutputLocation = Object.fromEntries(STATE.map((k) => [`${k}_out`, 'gpu-buffer']));
      s = ort.InferenceSession.create(bytes, options);
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  load(st: PaperState): void {
    const { n, d } = this.opts;
    const mat = (a: Float32Array) => new ort.Tensor('float32', Float32Array.from(a), [n, d]);
    this.dispose();
    this.skip = 0;
    this.backoff = 0;
    this.state = { x: mat(st.x), m: mat(st.m), v: mat(st.v), best: mat(st.best), best_cos: new ort.Tensor('float32', Float32Array.from([st.bestCos]), [1]) };
  }

  async run(t: number, steps: number, lr: number, signal?: AbortSignal): Promise<PaperChunk> {
    if (!this.state) throw new Error('paper stepper: load() first');
    if (steps < 1 || steps > this.cfg.stepsPerRun) throw new RangeError(`steps must be in [1, ${this.cfg.stepsPerRun}]`);
    throwIfAborted(signal);
    const coef = new Float32Array(2 * steps);
    for (let s = 0; s < steps; s++) {
      const step = t + s;
      coef[2 * s] = lr / (1 - BETA1 ** step);
      coef[2 * s + 1] = 1 / Math.sqrt(1 - BETA2 ** step);
    }
    const feeds: Record<string, ort.Tensor> = { ...this.state, coef: new ort.Tensor('float32', coef, [2 * steps]) };
    if (this.galleryTensor) feeds.gallery = this.galleryTensor;
    const tried = await this.coarse(steps, feeds);
    let out = tried?.out;
    try {
      out ??= await (await this.session(steps, false)).run(feeds);
    } catch (e) {
      if (!this.resident) throw e;
      // GPU-resident outputs unsupported by this build/adapter: keep the graph, read state back per run
      this.cfg.log(`pack: WebGPU outputs cannot stay on the device (${(e as Error).message.split('\n')[0]}); state crosses to the host per run`);
      this.resident = false;
      await this.releaseSessions();
      out = await (await this.session(steps, false)).run(feeds);
    }
    const previous = this.state;
    this.state = { x: out.x_out!, m: out.m_out!, v: out.v_out!, best: out.best_out!, best_cos: out.best_cos_out! };
    for (const k of STATE) if (previous[k] !== this.state[k]) previous[k].dispose();
    if (out.nn_prev_out) {
      this.prev?.dispose();
      this.prev = out.nn_prev_out;
    }
    const chunk: PaperChunk = { nnCos: (await out.nn_cos!.getData()) as Float32Array, galleryCos: out.gallery_cos ? ((await out.gallery_cos.getData()) as Float32Array) : null, coarsePairs: tried?.pairs ?? null };
    if (out.grad) chunk.grad = (await out.grad.getData()) as Float32Array;
    return chunk;
  }

  /** The run on the int8 coarse search, when the last neighbours are known and it is not backing off; null: run the fp32 graph. */
  private async coarse(steps: number, feeds: Record<string, ort.Tensor>): Promise<{ out: ort.InferenceSession.ReturnType; pairs: number[] } | null> {
    if (!this.prev || this.skip > 0) {
      this.skip = Math.max(0, this.skip - 1);
      return null;
    }
    const out = await (await this.session(steps, true)).run({ ...feeds, nn_prev: this.prev });
    const pairs = Array.from(out.pairs!.data as BigInt64Array, Number);
    if (pairs.every((p) => p <= this.maxPairs) && Array.from(out.excess!.data as BigInt64Array).every((e) => e <= 0n)) {
      this.backoff = 0;
      return { out, pairs };
    }
    // too many candidates (points moved far since their neighbours were known): the run is redone on
    // fp32, and the coarse search waits 1, 2, 4 … runs before it is tried again
    for (const t of Object.values(out)) t.dispose();
    this.backoff = Math.min(MAX_BACKOFF, Math.max(1, 2 * this.backoff));
    this.skip = this.backoff;
    return null;
  }

  async read(): Promise<PaperState> {
    if (!this.state) throw new Error('paper stepper: load() first');
    const get = async (k: StateName) => Float32Array.from((await this.state![k].getData()) as Float32Array);
    return { x: await get('x'), m: await get('m'), v: await get('v'), best: await get('best'), bestCos: (await get('best_cos'))[0]! };
  }

  private dispose(): void {
    if (this.state) for (const k of STATE) this.state[k].dispose();
    this.state = null;
    this.prev?.dispose();
    this.prev = null;
  }

  private async releaseSessions(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) {
      try {
        await (await s).release();
      } catch {
        // a session that failed to build has nothing to release
      }
    }
  }

  async release(): Promise<void> {
    this.dispose();
    await this.releaseSessions();
  }
}

export function createPaperStepper(opts: PaperStepperOptions, cfg: PaperStepperConfig): PaperStepper {
  return new OrtPaperStepper(opts, cfg);
}
