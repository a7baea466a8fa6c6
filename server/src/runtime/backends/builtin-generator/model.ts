// The embedding → face-parameter MLP of the builtin generator: plain-JS inference (no tfjs needed to
// render) and its on-disk format: `model.json` (architecture, parameter space, training record) and
// `weights.bin` (float32 little-endian tensors, in the order model.json lists them).
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../../../util/rng.js';
import { CATEGORICAL, CATEGORICAL_SIZES, NUMERIC, NUMERIC_COUNT, type FaceParams } from './params.js';
import { type BankManifest, type IdentityBank, loadBank } from './bank.js';
import { decodeWithBank } from './refine.js';

export const MODEL_FORMAT = 'hyperface-builtin-generator/1';

export interface TensorEntry {
  name: string;
  shape: number[];
}

export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  /** Input embedding dimension. */
  dim: number;
  /** The recognizer whose embedding space the MLP reads. */
  recognizer: string;
  hidden: number[];
  numeric: string[];
  categorical: { name: string; options: string[] }[];
  tensors: TensorEntry[];
  weightsFile: string;
  /** How identities are decoded from the outputs; absent = argmax / mean (format 1 models). */
  decoding?: Decoding;
  /** The identity bank (bank.ts); when present it decodes identities instead of the MLP. */
  bank?: BankManifest;
  /** How the weights were made and what they measured (informational). */
  training?: Record<string, unknown>;
}

/**
 * Posterior sampling with identity-seeded noise. Argmax decoding sends every ambiguous embedding to
 * the most common option of each head, so identities that are far apart on the sphere collapse onto
 * a few look-alike faces. Instead each identity takes a *sample* of the predicted distribution
 * (Gumbel-max at `temperature`, numeric outputs + `numericStd` × z) whose noise is a fixed random
 * projection of the standardised embedding: a smooth function of the clean identity embedding, so
 * near-identical embeddings pick the same face and far-apart ones draw independently.
 */
export interface Decoding {
  /** 0 = each head's mode (argmax); > 0 = Gumbel-max sample at this temperature. */
  temperature: number;
  /** Per numeric output, in [0, 1] units (the fit's validation residual spread). */
  numericStd: number[];
  /** Seed of the projection. */
  seed: number;
}

/** Dense layers plus input standardisation; tensors are row-major [in, out]. */
export interface MlpWeights {
  dim: number;
  hidden: number[];
  inputMean: Float32Array;
  inputStd: Float32Array;
  layers: { w: Float32Array; b: Float32Array; inDim: number; outDim: number }[];
  decoding?: Decoding;
  /** When present, identities are decoded by the bank (nearest rendered identity), not the MLP. */
  bank?: IdentityBank;
}

export const OUTPUT_DIM = NUMERIC_COUNT + CATEGORICAL_SIZES.reduce((a, b) => a + b, 0);

function standardise(weights: MlpWeights, x: Float32Array): Float64Array {
  const { dim, inputMean, inputStd } = weights;
  const h = new Float64Array(dim);
  for (let i = 0; i < dim; i++) h[i] = ((x[i] ?? 0) - (inputMean[i] ?? 0)) / (inputStd[i] ?? 1);
  return h;
}

/** Forward pass: embedding → raw outputs (numeric logits, then each categorical head's logits). */
export function mlpForward(weights: MlpWeights, x: Float32Array): Float64Array {
  let h = standardise(weights, x);
  weights.layers.forEach((layer, li) => {
    const out = new Float64Array(layer.outDim);
    out.set(layer.b);
    for (let i = 0; i < layer.inDim; i++) {
      const v = h[i] ?? 0;
      if (v === 0) continue;
      const row = i * layer.outDim;
      for (let j = 0; j < layer.outDim; j++) out[j] = (out[j] ?? 0) + v * (layer.w[row + j] ?? 0);
    }
    if (li < weights.layers.length - 1) for (let j = 0; j < out.length; j++) out[j] = Math.max(0, out[j] ?? 0);
    h = out;
  });
  return h;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erfc, |error| < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

const projections = new Map<string, Float32Array>();

/** The fixed projection [dim, OUTPUT_DIM] of N(0, 1) entries for a decoding seed. */
function projection(dim: number, seed: number): Float32Array {
  const key = `${dim}/${seed}`;
  let p = projections.get(key);
  if (!p) {
    const rng = Rng.derive(seed, 'identity-decoding');
    p = new Float32Array(dim * OUTPUT_DIM);
    for (let i = 0; i < p.length; i++) p[i] = rng.normal();
    projections.set(key, p);
  }
  return p;
}

/**
 * Identity-seeded standard normals, one per output: z = Pᵀ u with u the unit standardised embedding.
 * Each z is exactly N(0, 1) over directions u; two embeddings with cosine c get noise correlated c.
 */
export function identityNoise(weights: MlpWeights, x: Float32Array, seed: number): Float64Array {
  const u = standardise(weights, x);
  let n = 0;
  for (const v of u) n += v * v;
  n = Math.sqrt(n) || 1;
  const p = projection(weights.dim, seed);
  const z = new Float64Array(OUTPUT_DIM);
  for (let i = 0; i < weights.dim; i++) {
    const v = (u[i] ?? 0) / n;
    if (v === 0) continue;
    const row = i * OUTPUT_DIM;
    for (let j = 0; j < OUTPUT_DIM; j++) z[j] = (z[j] ?? 0) + v * (p[row + j] ?? 0);
  }
  return z;
}

/**
 * Raw outputs → identity parameters: sigmoid for numeric and argmax per categorical head, or with
 * `noise` (identityNoise) and a decoding, a posterior sample (see Decoding).
 */
export function decodeOutputs(raw: Float64Array, decoding?: Decoding, noise?: Float64Array): FaceParams {
  const sample = decoding !== undefined && noise !== undefined;
  // temperature 0: the categorical heads take their mode (numeric noise may still apply)
  const sampleHeads = sample && decoding.temperature > 0;
  const numeric = new Float32Array(NUMERIC_COUNT);
  for (let i = 0; i < NUMERIC_COUNT; i++) {
    const mean = 1 / (1 + Math.exp(-(raw[i] ?? 0)));
    numeric[i] = sample ? Math.max(0, Math.min(1, mean + (decoding.numericStd[i] ?? 0) * (noise[i] ?? 0))) : mean;
  }
  const categorical = new Int32Array(CATEGORICAL.length);
  const t = sampleHeads ? decoding.temperature : 1;
  let off = NUMERIC_COUNT;
  CATEGORICAL_SIZES.forEach((size, h) => {
    let best = 0;
    let bestScore = -Infinity;
    for (let k = 0; k < size; k++) {
      let score = (raw[off + k] ?? -Infinity) / t;
      if (sampleHeads) {
        const u = Math.min(1 - 1e-12, Math.max(1e-12, normalCdf(noise[off + k] ?? 0)));
        score += -Math.log(-Math.log(u));
      }
      if (score > bestScore) [best, bestScore] = [k, score];
    }
    categorical[h] = best;
    off += size;
  });
  return { numeric, categorical };
}

/** The identity parameters of a clean identity embedding (decoded as the weights say). */
export function predictParams(weights: MlpWeights, x: Float32Array): FaceParams {
  if (weights.bank) return decodeWithBank(weights.bank, x);
  const raw = mlpForward(weights, x);
  const d = weights.decoding;
  return d ? decodeOutputs(raw, d, identityNoise(weights, x, d.seed)) : decodeOutputs(raw);
}

function manifestTensors(w: MlpWeights): { entry: TensorEntry; data: Float32Array }[] {
  const list = [
    { entry: { name: 'input_mean', shape: [w.dim] }, data: w.inputMean },
    { entry: { name: 'input_std', shape: [w.dim] }, data: w.inputStd },
  ];
  w.layers.forEach((l, i) => {
    list.push({ entry: { name: `dense${i}/kernel`, shape: [l.inDim, l.outDim] }, data: l.w });
    list.push({ entry: { name: `dense${i}/bias`, shape: [l.outDim] }, data: l.b });
  });
  return list;
}

export async function saveModel(dir: string, weights: MlpWeights, meta: { recognizer: string; training?: Record<string, unknown>; bank?: BankManifest }): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors = manifestTensors(weights);
  const total = tensors.reduce((a, t) => a + t.data.length, 0);
  const buf = Buffer.alloc(total * 4);
  let off = 0;
  for (const t of tensors) {
    for (const v of t.data) {
      buf.writeFloatLE(v, off);
      off += 4;
    }
  }
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    dim: weights.dim,
    recognizer: meta.recognizer,
    hidden: weights.hidden,
    numeric: NUMERIC.map((n) => n.name),
    categorical: CATEGORICAL.map((c) => ({ name: c.name, options: [...c.options] })),
    tensors: tensors.map((t) => t.entry),
    weightsFile: 'weights.bin',
    ...(weights.decoding ? { decoding: weights.decoding } : {}),
    ...(meta.bank ? { bank: meta.bank } : {}),
    ...(meta.training ? { training: meta.training } : {}),
  };
  await writeFile(join(dir, 'weights.bin'), buf);
  await writeFile(join(dir, 'model.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

export async function loadModel(dir: string): Promise<{ manifest: ModelManifest; weights: MlpWeights }> {
  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelManifest;
  if (manifest.format !== MODEL_FORMAT) throw new Error(`${dir}/model.json: unsupported format ${String(manifest.format)}`);
  // The parameter space must match the code's (same heads, same option lists in the same order).
  const sameNumeric = JSON.stringify(manifest.numeric) === JSON.stringify(NUMERIC.map((n) => n.name));
  const sameCats = JSON.stringify(manifest.categorical) === JSON.stringify(CATEGORICAL.map((c) => ({ name: c.name, options: [...c.options] })));
  if (!sameNumeric || !sameCats) throw new Error(`${dir}/model.json: parameter space differs from this facesjs version; retrain`);
  const bin = await readFile(join(dir, manifest.weightsFile));
  const floats = new Float32Array(bin.byteLength / 4);
  for (let i = 0; i < floats.length; i++) floats[i] = bin.readFloatLE(i * 4);
  let off = 0;
  const take = (t: TensorEntry): Float32Array => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const out = floats.slice(off, off + n);
    if (out.length !== n) throw new Error(`${dir}/${manifest.weightsFile}: too short for ${t.name}`);
    off += n;
    return out;
  };
  const byName = new Map<string, Float32Array>();
  for (const t of manifest.tensors) byName.set(t.name, take(t));
  const get = (name: string): Float32Array => {
    const v = byName.get(name);
    if (!v) throw new Error(`${dir}/model.json: missing tensor ${name}`);
    return v;
  };
  const sizes = [manifest.dim, ...manifest.hidden, OUTPUT_DIM];
  const layers = sizes.slice(1).map((outDim, i) => ({ w: get(`dense${i}/kernel`), b: get(`dense${i}/bias`), inDim: sizes[i] ?? 0, outDim }));
  return {
    manifest,
    weights: {
      dim: manifest.dim,
      hidden: manifest.hidden,
      inputMean: get('input_mean'),
      inputStd: get('input_std'),
      layers,
      ...(manifest.decoding ? { decoding: manifest.decoding } : {}),
      ...(manifest.bank ? { bank: await loadBank(dir, manifest.bank) } : {}),
    },
  };
}
