// `onnx-decoder`: one-shot feature-to-image networks (Vec2Face-style) exported to ONNX.
// Input: identity embedding [B, D] (+ optional noise input [B, ...] drawn from the sample seed);
// output: image [B, 3, H, W] in [-1, 1] or [0, 1] (options.outputRange). The image is resized to
// options.imageSize (default: the model's H) with fixed sharp settings: deterministic.
//
// entry.options: { embeddingInput?, noiseInput?, output?, outputRange?: '-1..1' | '0..1',
//                  imageSize?, maxBatch? (default 16), noiseDim? (when the model's is symbolic) }
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { FailedPreconditionError, InvalidArgumentError, throwIfAborted } from '../../shared/errors.js';
import { resolveModelFile, type ExecutionProviderName } from '../models/config.js';
import type { CallOptions, Generator, ModelInfo, RawImageData, RenderItem, TensorSpecInfo } from '../models/types.js';
import { Rng } from '../../util/rng.js';
import { perturbEmbedding } from './embedding-noise.js';
import { createOnnxSession } from './onnx.js';

export type OutputRange = '-1..1' | '0..1';

/** The subset of a model config entry the ONNX generator backends read. */
export interface OnnxGeneratorEntry {
  name: string;
  files: string[];
  providers?: ExecutionProviderName[];
  options?: Record<string, unknown>;
  description?: string;
}

export interface OnnxGeneratorContext {
  baseDir?: string;
  log?: (msg: string) => void;
  providersOverride?: readonly ExecutionProviderName[];
}

export function optString(options: Record<string, unknown>, key: string): string | undefined {
  const v = options[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw new InvalidArgumentError({ field: `options.${key}`, description: 'must be a non-empty string' });
  return v;
}

export function optNumber(options: Record<string, unknown>, key: string, opts: { int?: boolean; min?: number; max?: number } = {}): number | undefined {
  const v = options[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || (opts.int && !Number.isInteger(v)) || (opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
    throw new InvalidArgumentError({ field: `options.${key}`, description: `must be ${opts.int ? 'an integer' : 'a number'} in [${opts.min ?? '-inf'}, ${opts.max ?? 'inf'}]` });
  }
  return v;
}

export function shapeOf(meta: ort.InferenceSession.ValueMetadata | undefined): (number | string)[] {
  return meta && 'shape' in meta ? [...meta.shape] : [];
}

export function specInfo(meta: ort.InferenceSession.ValueMetadata): TensorSpecInfo {
  return { name: meta.name, shape: shapeOf(meta).map((d) => (typeof d === 'number' && d >= 0 ? d : -1)), dtype: 'type' in meta ? meta.type : 'unknown' };
}

/**
 * Planar float image(s) [3, h, w] (starting at `offset`) → uint8 RGB HWC `size` x `size`.
 * [-1, 1] maps by (x + 1) * 127.5, [0, 1] by x * 255; rounded and clamped. Resizing uses sharp's
 * lanczos3 (fixed settings, deterministic).
 */
export async function planarToImage(data: Float32Array, offset: number, h: number, w: number, range: OutputRange, size: number): Promise<RawImageData> {
  const hw = h * w;
  const px = new Uint8Array(hw * 3);
  const scale = range === '-1..1' ? 127.5 : 255;
  const shift = range === '-1..1' ? 1 : 0;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < hw; i++) {
      const v = Math.round(((data[offset + c * hw + i] ?? 0) + shift) * scale);
      px[i * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  if (h === size && w === size) return { width: size, height: size, channels: 3, data: px };
  const out = await sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .resize(size, size, { kernel: 'lanczos3', fit: 'fill' })
    .raw()
    .toBuffer();
  return { width: size, height: size, channels: 3, data: new Uint8Array(out.buffer, out.byteOffset, out.byteLength).slice() };
}

class OnnxDecoderGenerator implements Generator {
  readonly info: ModelInfo;

  constructor(
    private readonly session: ort.InferenceSession,
    provider: string,
    private readonly cfg: {
      name: string;
      embeddingInput: string;
      noiseInput?: string;
      noiseShape: number[];
      output: string;
      range: OutputRange;
      dim: number;
      imageSize: number;
      maxBatch: number;
      fixedBatch: number;
      description?: string;
    },
  ) {
    this.info = {
      name: cfg.name,
      kind: 'generator',
      backend: 'onnx-decoder',
      provider,
      inputs: session.inputMetadata.map(specInfo),
      outputs: session.outputMetadata.map(specInfo),
      dim: cfg.dim,
      imageSize: cfg.imageSize,
      state: 'ready',
      description: cfg.description ?? `ONNX feature-to-image decoder (${cfg.dim}-d → ${cfg.imageSize}x${cfg.imageSize})`,
    };
  }

  async render(items: RenderItem[], options?: CallOptions): Promise<RawImageData[]> {
    const { dim } = this.cfg;
    items.forEach((it, i) => {
      if (it.embedding.length !== dim) throw new InvalidArgumentError({ field: `items[${i}].embedding`, description: `has ${it.embedding.length} values, generator ${this.cfg.name} takes ${dim}` });
    });
    const out: RawImageData[] = [];
    const chunk = this.cfg.fixedBatch > 0 ? this.cfg.fixedBatch : this.cfg.maxBatch;
    const noiseSize = this.cfg.noiseShape.reduce((a, b) => a * b, 1);
    for (let start = 0; start < items.length; start += chunk) {
      throwIfAborted(options?.signal);
      const part = items.slice(start, start + chunk);
      // A fixed-batch model gets padded with copies of the last item.
      const b = this.cfg.fixedBatch > 0 ? this.cfg.fixedBatch : part.length;
      const emb = new Float32Array(b * dim);
      const noise = new Float32Array(b * noiseSize);
      for (let k = 0; k < b; k++) {
        const it = part[Math.min(k, part.length - 1)] as RenderItem;
        emb.set(perturbEmbedding(it.embedding, it.variation.beta, Rng.derive(it.seed, 'embedding')), k * dim);
        const rng = Rng.derive(it.seed, 'decoder-noise');
        for (let j = 0; j < noiseSize; j++) noise[k * noiseSize + j] = rng.normal();
      }
      const feeds: Record<string, ort.Tensor> = { [this.cfg.embeddingInput]: new ort.Tensor('float32', emb, [b, dim]) };
      if (this.cfg.noiseInput) feeds[this.cfg.noiseInput] = new ort.Tensor('float32', noise, [b, ...this.cfg.noiseShape]);
      const result = await this.session.run(feeds);
      const y = result[this.cfg.output];
      if (!y || y.dims.length !== 4 || y.dims[1] !== 3) {
        throw new FailedPreconditionError(`generator ${this.cfg.name}: output ${this.cfg.output} must be [B, 3, H, W], got [${y?.dims.join(', ') ?? ''}]`);
      }
      const h = Number(y.dims[2]);
      const w = Number(y.dims[3]);
      const data = y.data as Float32Array;
      for (let k = 0; k < part.length; k++) out.push(await planarToImage(data, k * 3 * h * w, h, w, this.cfg.range, this.cfg.imageSize));
      for (const t of Object.values(result)) t.dispose();
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Backend factory for `backend: onnx-decoder` entries: `files[0]` is the .onnx model. */
export async function createOnnxDecoderGenerator(entry: OnnxGeneratorEntry, ctx: OnnxGeneratorContext = {}): Promise<Generator> {
  const options = entry.options ?? {};
  const first = entry.files[0];
  if (first === undefined) throw new FailedPreconditionError(`model ${entry.name}: backend onnx-decoder needs the .onnx file in files[0]`);
  const file = resolveModelFile(first, ctx.baseDir);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new FailedPreconditionError(`model ${entry.name}: cannot read ${file}`, { cause });
  }
  const { session, provider } = await createOnnxSession(bytes, file, ctx.providersOverride ?? entry.providers ?? ['cpu'], ctx.log);
  try {
    const inputs = session.inputMetadata;
    const embeddingInput = optString(options, 'embeddingInput') ?? inputs[0]?.name;
    const embMeta = inputs.find((m) => m.name === embeddingInput);
    if (!embeddingInput || !embMeta) throw new FailedPreconditionError(`model ${entry.name}: no input named ${String(embeddingInput)}`);
    const embShape = shapeOf(embMeta);
    const dimRaw = embShape[embShape.length - 1];
    const dim = typeof dimRaw === 'number' && dimRaw > 0 ? dimRaw : optNumber(options, 'dim', { int: true, min: 1 });
    if (dim === undefined) throw new FailedPreconditionError(`model ${entry.name}: embedding dimension is symbolic; set options.dim`);
    const noiseInput = optString(options, 'noiseInput') ?? inputs.find((m) => m.name !== embeddingInput)?.name;
    let noiseShape: number[] = [];
    if (noiseInput) {
      const meta = inputs.find((m) => m.name === noiseInput);
      if (!meta) throw new FailedPreconditionError(`model ${entry.name}: no input named ${noiseInput}`);
      const rest = shapeOf(meta).slice(1);
      const noiseDim = optNumber(options, 'noiseDim', { int: true, min: 1 });
      noiseShape = rest.map((d) => (typeof d === 'number' && d > 0 ? d : (noiseDim ?? -1)));
      if (noiseShape.some((d) => d < 1)) throw new FailedPreconditionError(`model ${entry.name}: noise input ${noiseInput} has symbolic dims; set options.noiseDim`);
    }
    const output = optString(options, 'output') ?? session.outputNames[0];
    if (!output || !session.outputNames.includes(output)) throw new FailedPreconditionError(`model ${entry.name}: no output named ${String(output)}`);
    const outShape = shapeOf(session.outputMetadata.find((m) => m.name === output));
    const rangeOpt = options.outputRange ?? '-1..1';
    if (rangeOpt !== '-1..1' && rangeOpt !== '0..1') throw new InvalidArgumentError({ field: 'options.outputRange', description: "must be '-1..1' or '0..1'" });
    const nativeH = typeof outShape[2] === 'number' && outShape[2] > 0 ? outShape[2] : undefined;
    const imageSize = optNumber(options, 'imageSize', { int: true, min: 8, max: 4096 }) ?? nativeH ?? 112;
    const b0 = embShape[0];
    return new OnnxDecoderGenerator(session, provider, {
      name: entry.name,
      embeddingInput,
      ...(noiseInput ? { noiseInput } : {}),
      noiseShape,
      output,
      range: rangeOpt,
      dim,
      imageSize,
      maxBatch: optNumber(options, 'maxBatch', { int: true, min: 1, max: 1024 }) ?? 16,
      fixedBatch: typeof b0 === 'number' && b0 > 0 ? b0 : 0,
      ...(entry.description ? { description: entry.description } : {}),
    });
  } catch (error) {
    await session.release();
    throw error;
  }
}
