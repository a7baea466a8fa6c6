// `onnx-diffusion`: the Arc2Face pipeline on onnxruntime-node.
//  1. identity embedding x (ArcFace, 512-d) → x' = normalize(x + β n) → zero-padded to the text
//     width (768) and substituted for the token embedding of `id` in "photo of a id person"
//     (Arc2Face's project_face_embs), then the CLIP text encoder (positional embeddings, causal
//     transformer, final layer norm) → prompt embeddings [77, 768];
//  2. classifier-free guidance against the encoding of the empty prompt "" (what diffusers'
//     StableDiffusionPipeline uses when only prompt_embeds are given), scale 3.0 by default;
//  3. SD-1.5 UNet with the DPM-Solver++ 2M scheduler (25 steps), latents N(0, I) from the seed
//     (or the caller's x_T, RenderItem.initialLatents, to reproduce an upstream image);
//  4. VAE decoder on latents / 0.18215 → [3, 512, 512] in [-1, 1] → resized to imageSize (112:
//     Arc2Face's training images are ArcFace-aligned crops, so the full frame is already aligned).
//
// The model folder (see examples/arc2face-export) holds pipeline.json, text_encoder.onnx,
// unet.onnx, vae_decoder.onnx and the two token-embedding tables (float32 LE, [seqLen, hidden]).
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { FailedPreconditionError, InvalidArgumentError, throwIfAborted } from '../../../shared/errors.js';
import { resolveModelFile } from '../../models/config.js';
import type { CallOptions, Generator, ModelInfo, RawImageData, RenderItem } from '../../models/types.js';
import { Rng } from '../../../util/rng.js';
import { perturbEmbedding } from '../embedding-noise.js';
import { type OnnxGeneratorContext, type OnnxGeneratorEntry, optNumber, planarToImage, shapeOf, specInfo } from '../onnx-decoder.js';
import { availableProviders } from '../onnx.js';
import { DEFAULT_DPM_SOLVER, type DpmSolverConfig, DpmSolverMultistep } from './scheduler.js';

export { DpmSolverMultistep, buildSchedule, alphasCumprod, inferenceTimesteps, firstOrderUpdate, secondOrderUpdate, epsilonToX0, DEFAULT_DPM_SOLVER } from './scheduler.js';

/** pipeline.json, written by examples/arc2face-export/export_onnx.py. */
export interface Arc2FaceManifest {
  format: 'hyperface-arc2face/1';
  textEncoder: string;
  unet: string;
  vaeDecoder: string;
  /** Token embeddings of the tokenized prompt "photo of a id person" (padded to seqLen), float32 [seqLen, hidden]. */
  promptTokenEmbeddings: string;
  /** Token embeddings of the empty prompt "" (padded), float32 [seqLen, hidden]. */
  uncondTokenEmbeddings: string;
  /** Position of the `id` token in the prompt (4: <bos> photo of a id person <eos> ...). */
  idTokenIndex: number;
  seqLen: number;
  hidden: number;
  /** Identity embedding dimension (512 for ArcFace). */
  idDim: number;
  latentChannels: number;
  latentSize: number;
  /** @default 0.18215 */
  vaeScalingFactor?: number;
  /** Output image range of the VAE. @default '-1..1' */
  outputRange?: '-1..1' | '0..1';
  scheduler?: Partial<DpmSolverConfig>;
  /** ONNX tensor names (defaults: diffusers' ONNX export names). */
  names?: Partial<Record<'textInput' | 'textOutput' | 'unetSample' | 'unetTimestep' | 'unetContext' | 'unetOutput' | 'vaeInput' | 'vaeOutput', string>>;
}

const DEFAULT_NAMES = {
  textInput: 'input_token_embs',
  textOutput: 'last_hidden_state',
  unetSample: 'sample',
  unetTimestep: 'timestep',
  unetContext: 'encoder_hidden_states',
  unetOutput: 'out_sample',
  vaeInput: 'latent_sample',
  vaeOutput: 'sample',
};

export interface Arc2FaceOptions {
  /** @default 25 */
  steps: number;
  /** @default 3.0 */
  guidanceScale: number;
  /** Output side. @default 112 */
  imageSize: number;
  /** Images denoised together (the UNet sees 2x this with guidance). @default 1 */
  maxBatch: number;
}

/**
 * Arc2Face's project_face_embs: the identity embedding, zero-padded to the text width, replaces
 * the token embedding of `id` in the prompt's token embeddings [seqLen, hidden] (a copy).
 */
export function substituteIdToken(promptTokens: Float32Array, embedding: Float32Array, m: Pick<Arc2FaceManifest, 'seqLen' | 'hidden' | 'idTokenIndex' | 'idDim'>): Float32Array {
  const tokens = promptTokens.slice(0, m.seqLen * m.hidden);
  const row = m.idTokenIndex * m.hidden;
  tokens.fill(0, row, row + m.hidden);
  tokens.set(embedding.subarray(0, m.idDim), row);
  return tokens;
}

async function readF32(file: string, count: number): Promise<Float32Array> {
  const buf = await readFile(file);
  if (buf.byteLength !== count * 4) throw new FailedPreconditionError(`${file}: ${buf.byteLength} bytes, expected ${count * 4} (float32 x ${count})`);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

interface Sessions {
  text: ort.InferenceSession;
  unet: ort.InferenceSession;
  vae: ort.InferenceSession;
}

function tensorData(t: ort.Tensor | undefined, what: string): Float32Array {
  if (!t || t.type !== 'float32') throw new FailedPreconditionError(`${what}: expected a float32 output, got ${t?.type ?? 'none'}`);
  return t.data as Float32Array;
}

class Arc2FaceGenerator implements Generator {
  readonly info: ModelInfo;
  private uncond: Promise<Float32Array> | undefined;
  private readonly names: typeof DEFAULT_NAMES;
  private readonly scheduler: DpmSolverConfig;
  private readonly timestepType: 'int64' | 'float32' | 'int32';
  private readonly timestepRank: number;

  constructor(
    readonly name: string,
    private readonly m: Arc2FaceManifest,
    private readonly s: Sessions,
    private readonly promptTokens: Float32Array,
    private readonly uncondTokens: Float32Array,
    private readonly opts: Arc2FaceOptions,
    provider: string,
    description?: string,
  ) {
    this.names = { ...DEFAULT_NAMES, ...(m.names ?? {}) };
    this.scheduler = { ...DEFAULT_DPM_SOLVER, ...(m.scheduler ?? {}) };
    const tMeta = s.unet.inputMetadata.find((x) => x.name === this.names.unetTimestep);
    const tType = tMeta && 'type' in tMeta ? tMeta.type : 'int64';
    if (tType !== 'int64' && tType !== 'float32' && tType !== 'int32') throw new FailedPreconditionError(`model ${name}: unet timestep type ${tType} is not supported (int64, int32, float32)`);
    this.timestepType = tType;
    this.timestepRank = shapeOf(tMeta).length;
    this.info = {
      name,
      kind: 'generator',
      backend: 'onnx-diffusion',
      provider,
      inputs: [{ name: 'id_embedding', shape: [-1, m.idDim], dtype: 'float32' }, ...s.unet.inputMetadata.map(specInfo)],
      outputs: s.vae.outputMetadata.map(specInfo),
      dim: m.idDim,
      imageSize: opts.imageSize,
      state: 'ready',
      description: description ?? `Arc2Face (SD-1.5, DPM-Solver++ ${opts.steps} steps, guidance ${opts.guidanceScale}) on onnxruntime`,
    };
  }

  /** Runs the text encoder on token embeddings [n, seqLen, hidden]. */
  private async encode(tokens: Float32Array, n: number): Promise<Float32Array> {
    const { seqLen, hidden } = this.m;
    const r = await this.s.text.run({ [this.names.textInput]: new ort.Tensor('float32', tokens, [n, seqLen, hidden]) });
    const out = tensorData(r[this.names.textOutput], `text encoder output ${this.names.textOutput}`).slice();
    for (const t of Object.values(r)) t.dispose();
    return out;
  }


  private timestepTensor(t: number, n: number): ort.Tensor {
    const dims = this.timestepRank === 0 ? [] : [n];
    const count = this.timestepRank === 0 ? 1 : n;
    if (this.timestepType === 'int64') return new ort.Tensor('int64', new BigInt64Array(count).fill(BigInt(t)), dims);
    if (this.timestepType === 'int32') return new ort.Tensor('int32', new Int32Array(count).fill(t), dims);
    return new ort.Tensor('float32', new Float32Array(count).fill(t), dims);
  }

  async render(items: RenderItem[], options?: CallOptions): Promise<RawImageData[]> {
    const { idDim, seqLen, hidden, latentChannels: C, latentSize: L } = this.m;
    const per = C * L * L;
    items.forEach((it, i) => {
      if (it.embedding.length !== idDim) throw new InvalidArgumentError({ field: `items[${i}].embedding`, description: `has ${it.embedding.length} values, generator ${this.name} takes ${idDim}` });
      if (it.initialLatents !== undefined && it.initialLatents.length !== per) {
        throw new InvalidArgumentError({ field: `items[${i}].initialLatents`, description: `has ${it.initialLatents.length} values, generator ${this.name} takes [${C}, ${L}, ${L}] = ${per}` });
      }
    });
    this.uncond ??= this.encode(this.uncondTokens, 1);
    const uncond = await this.uncond;
    const out: RawImageData[] = [];
    const ctxSize = seqLen * hidden;
    const g = this.opts.guidanceScale;
    const guided = g > 1;
    for (let start = 0; start < items.length; start += this.opts.maxBatch) {
      throwIfAborted(options?.signal);
      const part = items.slice(start, start + this.opts.maxBatch);
      const n = part.length;
      // 1. prompt embeddings
      const tokens = new Float32Array(n * ctxSize);
      part.forEach((it, k) => {
        const x = perturbEmbedding(it.embedding, it.variation.beta, Rng.derive(it.seed, 'embedding'));
        tokens.set(substituteIdToken(this.promptTokens, x, this.m), k * ctxSize);
      });
      const cond = await this.encode(tokens, n);
      // UNet context: [uncond x n, cond x n] (diffusers' order)
      const context = new Float32Array((guided ? 2 : 1) * n * ctxSize);
      if (guided) for (let k = 0; k < n; k++) context.set(uncond, k * ctxSize);
      context.set(cond, guided ? n * ctxSize : 0);
      // 2. initial latents x_T: the caller's, or N(0, I) from the seed; times init_noise_sigma
      const sched = new DpmSolverMultistep(this.opts.steps, this.scheduler);
      let latents: Float32Array = new Float32Array(n * per);
      part.forEach((it, k) => {
        if (it.initialLatents) {
          latents.set(it.initialLatents, k * per);
        } else {
          const rng = Rng.derive(it.seed, 'latents');
          for (let j = 0; j < per; j++) latents[k * per + j] = rng.normal();
        }
      });
      if (sched.initNoiseSigma !== 1) latents = latents.map((v) => v * sched.initNoiseSigma);
      // 3. denoising loop
      const rows = guided ? 2 * n : n;
      const ctxTensor = new ort.Tensor('float32', context, [rows, seqLen, hidden]);
      for (const t of sched.timesteps) {
        throwIfAborted(options?.signal);
        const input = new Float32Array(rows * per);
        input.set(latents, 0);
        if (guided) input.set(latents, n * per);
        const r = await this.s.unet.run({
          [this.names.unetSample]: new ort.Tensor('float32', input, [rows, C, L, L]),
          [this.names.unetTimestep]: this.timestepTensor(t, rows),
          [this.names.unetContext]: ctxTensor,
        });
        const pred = tensorData(r[this.names.unetOutput], `unet output ${this.names.unetOutput}`);
        const eps = new Float32Array(n * per);
        if (guided) {
          for (let j = 0; j < n * per; j++) {
            const u = pred[j] ?? 0;
            eps[j] = u + g * ((pred[n * per + j] ?? 0) - u);
          }
        } else {
          eps.set(pred.subarray(0, n * per));
        }
        for (const v of Object.values(r)) v.dispose();
        latents = sched.step(eps, latents);
      }
      // 4. VAE decode
      const scale = this.m.vaeScalingFactor ?? 0.18215;
      const z = latents.map((v) => v / scale);
      const r = await this.s.vae.run({ [this.names.vaeInput]: new ort.Tensor('float32', z, [n, C, L, L]) });
      const y = r[this.names.vaeOutput];
      if (!y || y.dims.length !== 4 || y.dims[1] !== 3) throw new FailedPreconditionError(`model ${this.name}: vae output must be [B, 3, H, W]`);
      const h = Number(y.dims[2]);
      const w = Number(y.dims[3]);
      const img = tensorData(y, 'vae output');
      for (let k = 0; k < n; k++) out.push(await planarToImage(img, k * 3 * h * w, h, w, this.m.outputRange ?? '-1..1', this.opts.imageSize));
      for (const v of Object.values(r)) v.dispose();
    }
    return out;
  }

  async dispose(): Promise<void> {
    await Promise.all([this.s.text.release(), this.s.unet.release(), this.s.vae.release()]);
  }
}

/**
 * Backend factory for `backend: onnx-diffusion`: `files[0]` is the export folder (or its
 * pipeline.json). entry.options: steps (25), guidanceScale (3.0), imageSize (112), maxBatch (1).
 */
export async function createOnnxDiffusionGenerator(entry: OnnxGeneratorEntry, ctx: OnnxGeneratorContext = {}): Promise<Generator> {
  const first = entry.files[0];
  if (first === undefined) throw new FailedPreconditionError(`model ${entry.name}: backend onnx-diffusion needs the export folder (or pipeline.json) in files[0]`);
  const p = resolveModelFile(first, ctx.baseDir);
  const dir = existsSync(p) && statSync(p).isFile() ? dirname(p) : p;
  let m: Arc2FaceManifest;
  try {
    m = JSON.parse(await readFile(join(dir, 'pipeline.json'), 'utf8')) as Arc2FaceManifest;
  } catch (cause) {
    throw new FailedPreconditionError(`model ${entry.name}: cannot read ${join(dir, 'pipeline.json')}`, { cause });
  }
  if (m.format !== 'hyperface-arc2face/1') throw new FailedPreconditionError(`model ${entry.name}: ${dir}/pipeline.json has format ${String(m.format)}, expected hyperface-arc2face/1`);
  const unknown = Object.keys(m.scheduler ?? {}).filter((k) => !(k in DEFAULT_DPM_SOLVER));
  if (unknown.length > 0) throw new FailedPreconditionError(`model ${entry.name}: pipeline.json scheduler has unknown keys ${unknown.join(', ')} (known: ${Object.keys(DEFAULT_DPM_SOLVER).join(', ')})`);
  const o = entry.options ?? {};
  const opts: Arc2FaceOptions = {
    steps: optNumber(o, 'steps', { int: true, min: 1, max: 1000 }) ?? 25,
    guidanceScale: optNumber(o, 'guidanceScale', { min: 0, max: 50 }) ?? 3.0,
    imageSize: optNumber(o, 'imageSize', { int: true, min: 8, max: 4096 }) ?? 112,
    maxBatch: optNumber(o, 'maxBatch', { int: true, min: 1, max: 64 }) ?? 1,
  };
  const providers = ctx.providersOverride ?? entry.providers ?? ['cpu'];
  // Sessions are created from paths (not bytes) so that models stored with ONNX external data
  // (the SD-1.5 UNet is > 2 GB in float32) load their weight files from the same folder.
  const available = availableProviders();
  const order = providers.filter((p) => available.includes(p));
  if (order.length === 0) order.push('cpu');
  const open = async (file: string): Promise<{ session: ort.InferenceSession; provider: string }> => {
    const path = join(dir, file);
    if (!existsSync(path)) throw new FailedPreconditionError(`model ${entry.name}: ${path} does not exist`);
    let lastError: unknown;
    for (const provider of order) {
      try {
        return { session: await ort.InferenceSession.create(path, { executionProviders: [provider], graphOptimizationLevel: 'all' }), provider };
      } catch (error) {
        lastError = error;
        ctx.log?.(`onnx-diffusion: provider ${provider} failed for ${path}: ${(error as Error).message}`);
      }
    }
    throw new FailedPreconditionError(`model ${entry.name}: onnxruntime cannot load ${path}: ${(lastError as Error | undefined)?.message ?? 'unknown error'}`, { cause: lastError });
  };
  if (m.idTokenIndex < 0 || m.idTokenIndex >= m.seqLen || m.idDim > m.hidden) throw new FailedPreconditionError(`model ${entry.name}: pipeline.json idTokenIndex/idDim out of range`);
  const size = m.seqLen * m.hidden;
  const promptTokens = await readF32(join(dir, m.promptTokenEmbeddings), size);
  const uncondTokens = await readF32(join(dir, m.uncondTokenEmbeddings), size);
  const opened: ort.InferenceSession[] = [];
  try {
    const text = await open(m.textEncoder);
    opened.push(text.session);
    const unet = await open(m.unet);
    opened.push(unet.session);
    const vae = await open(m.vaeDecoder);
    opened.push(vae.session);
    return new Arc2FaceGenerator(entry.name, m, { text: text.session, unet: unet.session, vae: vae.session }, promptTokens, uncondTokens, opts, unet.provider, entry.description);
  } catch (error) {
    await Promise.all(opened.map((s) => s.release()));
    throw error;
  }
}
