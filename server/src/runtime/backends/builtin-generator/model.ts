// The embedding → face-parameter MLP of the builtin generator: plain-JS inference (no tfjs needed to
// render) and its on-disk format: `model.json` (architecture, parameter space, training record) and
// `weights.bin` (float32 little-endian tensors, in the order model.json lists them).
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CATEGORICAL, CATEGORICAL_SIZES, NUMERIC, NUMERIC_COUNT, type FaceParams } from './params.js';

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
  /** How the weights were made and what they measured (informational). */
  training?: Record<string, unknown>;
}

/** Dense layers plus input standardisation; tensors are row-major [in, out]. */
export interface MlpWeights {
  dim: number;
  hidden: number[];
  inputMean: Float32Array;
  inputStd: Float32Array;
  layers: { w: Float32Array; b: Float32Array; inDim: number; outDim: number }[];
}

export const OUTPUT_DIM = NUMERIC_COUNT + CATEGORICAL_SIZES.reduce((a, b) => a + b, 0);

/** Forward pass: embedding → raw outputs (numeric logits, then each categorical head's logits). */
export function mlpForward(weights: MlpWeights, x: Float32Array): Float64Array {
  const { dim, inputMean, inputStd } = weights;
  let h = new Float64Array(dim);
  for (let i = 0; i < dim; i++) h[i] = ((x[i] ?? 0) - (inputMean[i] ?? 0)) / (inputStd[i] ?? 1);
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

/** Raw outputs → identity parameters (sigmoid for numeric, argmax per categorical head). */
export function decodeOutputs(raw: Float64Array): FaceParams {
  const numeric = new Float32Array(NUMERIC_COUNT);
  for (let i = 0; i < NUMERIC_COUNT; i++) numeric[i] = 1 / (1 + Math.exp(-(raw[i] ?? 0)));
  const categorical = new Int32Array(CATEGORICAL.length);
  let off = NUMERIC_COUNT;
  CATEGORICAL_SIZES.forEach((size, h) => {
    let best = 0;
    for (let k = 1; k < size; k++) if ((raw[off + k] ?? -Infinity) > (raw[off + best] ?? -Infinity)) best = k;
    categorical[h] = best;
    off += size;
  });
  return { numeric, categorical };
}

export function predictParams(weights: MlpWeights, x: Float32Array): FaceParams {
  return decodeOutputs(mlpForward(weights, x));
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

export async function saveModel(dir: string, weights: MlpWeights, meta: { recognizer: string; training?: Record<string, unknown> }): Promise<void> {
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
    weights: { dim: manifest.dim, hidden: manifest.hidden, inputMean: get('input_mean'), inputStd: get('input_std'), layers },
  };
}
