// A generator hosted on a KServe v2 / Triton endpoint (backend `kserve-v2`, kind `generator`),
// through the shared KServeClient. Request: the (β-perturbed) identity embedding FP32 [B, D] as
// `kserve.inputName` and, when `options.noiseInput` is set, FP32 noise [B, noiseDim] drawn from the
// sample seed (so remote renders are as reproducible as the model is). Response `kserve.outputName`:
// FP32 [B, 3, H, W] in options.outputRange ('-1..1' default, or '0..1'), or UINT8 [B, H, W, 3].
// Images are resized to options.imageSize (default H).
import { FailedPreconditionError, InvalidArgumentError, throwIfAborted, UnavailableError } from '../../shared/errors.js';
import type { ModelConfigEntry } from '../models/config.js';
import type { CallOptions, Generator, ModelInfo, RawImageData, RenderItem } from '../models/types.js';
import { Rng } from '../../util/rng.js';
import { perturbEmbedding } from './embedding-noise.js';
import { fp32, KServeClient, type ModelMetadata } from './kserve.js';
import { optNumber, optString, planarToImage, type OutputRange } from './onnx-decoder.js';
import sharp from 'sharp';

const bytes = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

class KServeGenerator implements Generator {
  readonly info: ModelInfo;

  constructor(
    private readonly client: KServeClient,
    private readonly cfg: {
      name: string;
      model: { name: string; version: string };
      timeoutMs: number;
      maxBatch: number;
      inputName: string;
      outputName: string;
      noiseInput?: string;
      noiseDim: number;
      range: OutputRange;
      dim: number;
      imageSize: number;
      description: string;
    },
  ) {
    this.info = {
      name: cfg.name,
      kind: 'generator',
      backend: 'kserve-v2',
      provider: 'remote',
      inputs: [{ name: cfg.inputName, shape: [-1, cfg.dim], dtype: 'FP32' }, ...(cfg.noiseInput ? [{ name: cfg.noiseInput, shape: [-1, cfg.noiseDim], dtype: 'FP32' }] : [])],
      outputs: [{ name: cfg.outputName, shape: [-1, 3, -1, -1], dtype: 'FP32' }],
      dim: cfg.dim,
      imageSize: cfg.imageSize,
      state: 'ready',
      description: cfg.description,
    };
  }

  async render(items: RenderItem[], options?: CallOptions): Promise<RawImageData[]> {
    const { dim, noiseDim } = this.cfg;
    items.forEach((it, i) => {
      if (it.embedding.length !== dim) throw new InvalidArgumentError({ field: `items[${i}].embedding`, description: `has ${it.embedding.length} values, generator ${this.cfg.name} takes ${dim}` });
    });
    const out: RawImageData[] = [];
    for (let start = 0; start < items.length; start += this.cfg.maxBatch) {
      throwIfAborted(options?.signal);
      const part = items.slice(start, start + this.cfg.maxBatch);
      const n = part.length;
      const emb = new Float32Array(n * dim);
      const noise = new Float32Array(n * noiseDim);
      part.forEach((it, k) => {
        emb.set(perturbEmbedding(it.embedding, it.variation.beta, Rng.derive(it.seed, 'embedding')), k * dim);
        const r = Rng.derive(it.seed, 'decoder-noise');
        for (let j = 0; j < noiseDim; j++) noise[k * noiseDim + j] = r.normal();
      });
      const inputs = [{ name: this.cfg.inputName, datatype: 'FP32' as const, shape: [n, dim], data: bytes(emb) }];
      if (this.cfg.noiseInput) inputs.push({ name: this.cfg.noiseInput, datatype: 'FP32', shape: [n, noiseDim], data: bytes(noise) });
      const [y] = await this.client.infer(this.cfg.model, inputs, [this.cfg.outputName], { timeoutMs: this.cfg.timeoutMs, ...(options?.signal ? { signal: options.signal } : {}) });
      if (!y) throw new UnavailableError(`kserve model ${this.cfg.model.name}: no output ${this.cfg.outputName} in the response`);
      const shape = y.shape;
      if (y.datatype === 'FP32' && shape.length === 4 && shape[0] === n && shape[1] === 3) {
        const h = Number(shape[2]);
        const w = Number(shape[3]);
        const values = fp32(y.data);
        if (values.length !== n * 3 * h * w) throw new UnavailableError(`kserve model ${this.cfg.model.name}: output has ${values.length} values for shape ${JSON.stringify(shape)}`);
        for (let k = 0; k < n; k++) out.push(await planarToImage(values, k * 3 * h * w, h, w, this.cfg.range, this.cfg.imageSize));
      } else if (y.datatype === 'UINT8' && shape.length === 4 && shape[0] === n && shape[3] === 3) {
        const h = Number(shape[1]);
        const w = Number(shape[2]);
        if (y.data.length !== n * h * w * 3) throw new UnavailableError(`kserve model ${this.cfg.model.name}: output has ${y.data.length} bytes for shape ${JSON.stringify(shape)}`);
        for (let k = 0; k < n; k++) {
          const px = y.data.slice(k * h * w * 3, (k + 1) * h * w * 3);
          const S = this.cfg.imageSize;
          if (h === S && w === S) out.push({ width: S, height: S, channels: 3, data: px });
          else {
            const r = await sharp(px, { raw: { width: w, height: h, channels: 3 } }).resize(S, S, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer();
            out.push({ width: S, height: S, channels: 3, data: new Uint8Array(r.buffer, r.byteOffset, r.byteLength).slice() });
          }
        }
      } else {
        throw new UnavailableError(`kserve model ${this.cfg.model.name}: output ${y.name} is ${y.datatype} ${JSON.stringify(shape)}; expected FP32 [${n}, 3, H, W] or UINT8 [${n}, H, W, 3]`);
      }
    }
    return out;
  }

  dispose(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }
}

/**
 * Backend factory for `backend: kserve-v2` entries of kind `generator`. The embedding dimension
 * comes from ModelMetadata (the input's last dimension) or `options.dim`; the native image size from
 * the output's shape or `options.imageSize`.
 */
export async function createKServeGenerator(entry: ModelConfigEntry, ctx: { signal?: AbortSignal } = {}): Promise<Generator> {
  const k = entry.kserve;
  if (!k) throw new FailedPreconditionError(`model ${entry.name}: backend kserve-v2 needs a kserve section`);
  const o = entry.options;
  const client = new KServeClient(k.url);
  const call = { timeoutMs: k.timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) };
  try {
    if (!(await client.modelReady(k.modelName, k.version, call))) throw new FailedPreconditionError(`model ${entry.name}: kserve model ${k.modelName} at ${k.url} is not ready`);
    let meta: ModelMetadata | undefined;
    try {
      meta = await client.modelMetadata(k.modelName, k.version, call);
    } catch {
      meta = undefined;
    }
    const last = (shape: number[] | undefined): number | undefined => {
      const v = shape?.at(-1);
      return v !== undefined && Number(v) > 0 ? Number(v) : undefined;
    };
    const noiseInput = optString(o, 'noiseInput');
    const dim = optNumber(o, 'dim', { int: true, min: 1 }) ?? last(meta?.inputs.find((t) => t.name === k.inputName)?.shape.map(Number));
    if (dim === undefined) throw new FailedPreconditionError(`model ${entry.name}: the embedding size is unknown (no metadata for input ${k.inputName}); set options.dim`);
    const noiseDim = noiseInput ? (optNumber(o, 'noiseDim', { int: true, min: 1 }) ?? last(meta?.inputs.find((t) => t.name === noiseInput)?.shape.map(Number))) : 0;
    if (noiseDim === undefined) throw new FailedPreconditionError(`model ${entry.name}: set options.noiseDim for noise input ${String(noiseInput)}`);
    const outShape = meta?.outputs.find((t) => t.name === k.outputName)?.shape.map(Number);
    const nativeH = outShape && outShape.length === 4 ? (outShape[1] === 3 ? outShape[2] : outShape[1]) : undefined;
    const range = o.outputRange ?? '-1..1';
    if (range !== '-1..1' && range !== '0..1') throw new InvalidArgumentError({ field: 'options.outputRange', description: "must be '-1..1' or '0..1'" });
    return new KServeGenerator(client, {
      name: entry.name,
      model: { name: k.modelName, version: k.version },
      timeoutMs: k.timeoutMs,
      maxBatch: k.maxBatch,
      inputName: k.inputName,
      outputName: k.outputName,
      ...(noiseInput ? { noiseInput } : {}),
      noiseDim,
      range,
      dim,
      imageSize: optNumber(o, 'imageSize', { int: true, min: 8, max: 4096 }) ?? (nativeH !== undefined && nativeH > 0 ? nativeH : 112),
      description: entry.description ?? `KServe v2 generator ${k.modelName} at ${k.url}`,
    });
  } catch (error) {
    client.close();
    if (error instanceof FailedPreconditionError || error instanceof InvalidArgumentError) throw error;
    throw new FailedPreconditionError(`model ${entry.name}: kserve endpoint ${k.url} unusable: ${(error as Error).message}`, { cause: error });
  }
}
