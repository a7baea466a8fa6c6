// The `builtin` generator: identity embedding (faceres space, 1024-d) → nearest identity of the bank
// (bank.ts; the MLP when a model has no bank) → facesjs parameters →
// ArcFace-aligned cartoon face. Offline, CPU only, deterministic per (embedding, seed, variation).
// Who the face is depends on the clean identity embedding alone; the sample seed and the variation
// amounts (β included) only pick the nuisance of one photo of that person (variation.ts).
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FailedPreconditionError, InvalidArgumentError, throwIfAborted } from '../../../shared/errors.js';
import type { CallOptions, Generator, ModelInfo, RawImageData, Recognizer, RenderItem, VariationSettings } from '../../models/types.js';
import { loadModel, predictParams, type MlpWeights } from './model.js';
import { type FaceParams, loadGenderTable, randomFaceParams } from './params.js';
import { Rng } from '../../../util/rng.js';
import { renderFace } from './render.js';
import { drawVariation } from './variation.js';

export { predictParams, loadModel, saveModel, type MlpWeights, type ModelManifest } from './model.js';
export { randomFaceParams, loadGenderTable, toFaceConfig, type FaceParams } from './params.js';
export { renderFace, sampleSvg, CROP } from './render.js';
export { drawVariation } from './variation.js';

/** Where the committed weights live: server/models/builtin-generator (same depth from src/ and dist/). */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../../../models/builtin-generator/', import.meta.url));

/** No variation at all: the canonical render of an identity. */
export const NO_VARIATION: VariationSettings = { beta: 0, pose: 0, color: 0, background: 0, accessories: 0 };

/** The subset of a model config entry this backend reads. */
export interface BuiltinGeneratorEntry {
  name: string;
  /** Optional: the model folder (or its model.json). @default DEFAULT_MODEL_DIR */
  files?: string[];
  /**
   * `imageSize` (output side, default 112), `concurrency` (rasterisations in flight, default 4),
   * `modelDir` (same as files[0]).
   */
  options?: Record<string, unknown>;
  description?: string;
}

export interface BuiltinGeneratorOptions {
  /** @default 112 */
  imageSize?: number;
  /** Rasterisations in flight per render() call (sharp works off the JS thread). @default 4 */
  concurrency?: number;
  name?: string;
  recognizer?: string;
  description?: string;
}

function intOption(options: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = options[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError({ field: `options.${key}`, description: `must be an integer in [${min}, ${max}]` });
  }
  return v;
}

function modelDirOf(entry: BuiltinGeneratorEntry, baseDir?: string): string {
  const raw = typeof entry.options?.modelDir === 'string' ? entry.options.modelDir : entry.files?.[0];
  if (raw === undefined) return DEFAULT_MODEL_DIR;
  const p = isAbsolute(raw) ? raw : resolve(baseDir ?? process.cwd(), raw);
  return existsSync(p) && statSync(p).isFile() ? dirname(p) : p;
}

class BuiltinGenerator implements Generator {
  readonly info: ModelInfo;
  private readonly size: number;
  private readonly concurrency: number;

  constructor(
    private readonly weights: MlpWeights,
    options: BuiltinGeneratorOptions,
  ) {
    this.size = options.imageSize ?? 112;
    this.concurrency = options.concurrency ?? 4;
    this.info = {
      name: options.name ?? 'builtin',
      kind: 'generator',
      backend: 'builtin',
      provider: 'cpu',
      inputs: [{ name: 'embedding', shape: [-1, weights.dim], dtype: 'float32' }],
      outputs: [{ name: 'image', shape: [-1, this.size, this.size, 3], dtype: 'uint8' }],
      dim: weights.dim,
      imageSize: this.size,
      state: 'ready',
      description:
        options.description ??
        `facesjs cartoon faces chosen ${weights.bank ? `from a bank of ${weights.bank.count} rendered identities` : 'by an MLP'} in the ${options.recognizer ?? 'faceres'} embedding space (${weights.dim}-d), ${this.size}x${this.size} ArcFace-aligned`,
    };
  }

  /** Identity parameters per embedding array (the domain hands the same array for every sample of an identity). */
  private readonly identities = new WeakMap<Float32Array, FaceParams>();

  /**
   * The identity parameters of one item: a function of the clean embedding only. β does not move
   * the embedding here; it sets the amount of expression and hair change (variation.ts).
   */
  paramsFor(item: RenderItem): FaceParams {
    let p = this.identities.get(item.embedding);
    if (!p) {
      p = predictParams(this.weights, item.embedding);
      this.identities.set(item.embedding, p);
    }
    return p;
  }

  async render(items: RenderItem[], options?: CallOptions): Promise<RawImageData[]> {
    items.forEach((item, i) => {
      if (item.embedding.length !== this.weights.dim) {
        throw new InvalidArgumentError({ field: `items[${i}].embedding`, description: `has ${item.embedding.length} values, the builtin generator takes ${this.weights.dim}` });
      }
    });
    const out: RawImageData[] = new Array<RawImageData>(items.length);
    for (let start = 0; start < items.length; start += this.concurrency) {
      throwIfAborted(options?.signal);
      const chunk = items.slice(start, start + this.concurrency);
      const images = await Promise.all(chunk.map((item) => renderFace(this.paramsFor(item), drawVariation(item.seed, item.variation), this.size)));
      images.forEach((img, k) => (out[start + k] = img));
    }
    return out;
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

/** A builtin generator around in-memory weights (tests, training evaluation). */
export async function builtinGeneratorFromWeights(weights: MlpWeights, options: BuiltinGeneratorOptions = {}): Promise<Generator & { paramsFor(item: RenderItem): FaceParams }> {
  await loadGenderTable();
  return new BuiltinGenerator(weights, options);
}

/** Backend factory for `backend: builtin` entries. */
export async function createBuiltinGenerator(entry: BuiltinGeneratorEntry, ctx: { baseDir?: string } = {}): Promise<Generator> {
  const options = entry.options ?? {};
  const imageSize = intOption(options, 'imageSize', 16, 1024) ?? 112;
  const concurrency = intOption(options, 'concurrency', 1, 64) ?? 4;
  const dir = modelDirOf(entry, ctx.baseDir);
  let loaded: Awaited<ReturnType<typeof loadModel>>;
  try {
    loaded = await loadModel(dir);
  } catch (cause) {
    throw new FailedPreconditionError(`builtin generator ${entry.name}: cannot load weights from ${dir}`, { cause });
  }
  return builtinGeneratorFromWeights(loaded.weights, {
    name: entry.name,
    imageSize,
    concurrency,
    recognizer: loaded.manifest.recognizer,
    ...(entry.description ? { description: entry.description } : {}),
  });
}

/** Random identities drawn from the builtin generator's own face space. */
export interface BuiltinIdentities {
  /** [count, recognizer.info.dim], rows L2-normalised. */
  embeddings: Float32Array;
  dim: number;
  params: FaceParams[];
}

/** Canonical (no-variation) render of identity parameters. */
export async function renderIdentity(params: FaceParams, size = 112, seed = 0, variation: VariationSettings = NO_VARIATION): Promise<RawImageData> {
  await loadGenderTable();
  return renderFace(params, drawVariation(seed, variation), size);
}

/**
 * The builtin gallery: `count` random facesjs identities (seeded), rendered canonically and embedded
 * by `recognizer` (the default generator conditions on faceres). Identity i depends on (seed, i) only.
 */
export async function sampleBuiltinIdentities(
  count: number,
  seed: number,
  deps: { recognizer: Recognizer; imageSize?: number; batchSize?: number; variation?: VariationSettings },
  options?: CallOptions,
): Promise<BuiltinIdentities> {
  await loadGenderTable();
  const size = deps.imageSize ?? 112;
  const batch = deps.batchSize ?? 16;
  const dim = deps.recognizer.info.dim;
  const embeddings = new Float32Array(count * dim);
  const params: FaceParams[] = [];
  for (let start = 0; start < count; start += batch) {
    throwIfAborted(options?.signal);
    const n = Math.min(batch, count - start);
    const data = new Uint8Array(n * size * size * 3);
    for (let k = 0; k < n; k++) {
      const p = randomFaceParams(Rng.derive(seed, `identity/${start + k}`));
      params.push(p);
      const img = await renderFace(p, drawVariation(hashIdentitySeed(seed, start + k), deps.variation ?? NO_VARIATION), size);
      data.set(img.data, k * size * size * 3);
    }
    const e = await deps.recognizer.embed({ data, count: n, size }, options);
    embeddings.set(e, start * dim);
  }
  return { embeddings, dim, params };
}

function hashIdentitySeed(seed: number, i: number): number {
  return Rng.derive(seed, `identity-variation/${i}`).nextU32();
}
