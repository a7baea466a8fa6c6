// Trains the builtin generator's MLP (recognizer embedding → facesjs parameters) and measures its
// identity consistency. Reproducible from --seed: identities, variations, initial weights, batch
// order and dropout masks all come from seeded streams.
//
//   node server/dist/runtime/backends/builtin-generator/train.js --samples 5000 --seed 1 \
//        --out server/models/builtin-generator/ [--epochs 40] [--hidden 256] [--input-noise 0.02] [--eval 100] [--cache /tmp/bg-cache]
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scalar, Tensor2D } from '@tensorflow/tfjs';
import type { Recognizer, VariationSettings } from '../../models/types.js';
import { builtinGeneratorFromWeights } from './index.js';
import { type MlpWeights, OUTPUT_DIM, saveModel } from './model.js';
import { CATEGORICAL, CATEGORICAL_SIZES, type FaceParams, loadGenderTable, NUMERIC_COUNT, randomFaceParams } from './params.js';
import { hashWords, Rng } from './prng.js';
import { drawVariation, renderFace } from './render.js';

/** Variation of the renders the MLP learns from (and is evaluated on): everything but accessories off-default. */
export const TRAIN_VARIATION: VariationSettings = { beta: 0, pose: 0.5, color: 0.5, background: 0.5, accessories: 0.15 };

export interface TrainingSet {
  /** [n, dim] recognizer embeddings of one render per identity. */
  inputs: Float32Array;
  dim: number;
  params: FaceParams[];
}

/** Renders `count` seeded random identities (one view each) and embeds them with `recognizer`. */
export async function buildTrainingSet(
  count: number,
  seed: number,
  recognizer: Recognizer,
  opts: { imageSize?: number; batch?: number; view?: number; log?: (msg: string) => void; params?: FaceParams[] } = {},
): Promise<TrainingSet> {
  await loadGenderTable();
  const size = opts.imageSize ?? 112;
  const batch = opts.batch ?? 16;
  const view = opts.view ?? 1;
  const dim = recognizer.info.dim;
  const inputs = new Float32Array(count * dim);
  const params = opts.params ?? Array.from({ length: count }, (_, i) => randomFaceParams(Rng.derive(seed, `train/${i}`)));
  const t0 = Date.now();
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const images = await Promise.all(
      Array.from({ length: n }, (_, k) => renderFace(params[start + k] as FaceParams, drawVariation(hashWords(seed, start + k, view), TRAIN_VARIATION), size)),
    );
    const data = new Uint8Array(n * size * size * 3);
    images.forEach((img, k) => data.set(img.data, k * size * size * 3));
    inputs.set(await recognizer.embed({ data, count: n, size }), start * dim);
    if (opts.log && (start / batch) % 20 === 0) opts.log(`embedded ${start + n}/${count} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  return { inputs, dim, params };
}

export interface FitOptions {
  seed: number;
  /** @default [512, 256] */
  hidden?: number[];
  /** @default 60 */
  epochs?: number;
  /** @default 64 */
  batchSize?: number;
  /** @default 1e-3 */
  learningRate?: number;
  /** @default 0.2 */
  dropout?: number;
  /** @default 1e-4 */
  weightDecay?: number;
  /** Rows [n - validation, n) are held out. @default 0 */
  validation?: number;
  /**
   * Input noise augmentation: each training row is fed as normalize(x + b n) with b uniform in
   * [0, inputNoise], so the MLP maps the embedding noise β of generation back towards the
   * identity's own parameters (β then varies the face without erasing it). @default 0
   */
  inputNoise?: number;
  log?: (msg: string) => void;
}

export interface FitResult {
  weights: MlpWeights;
  /** Mean training loss per epoch (with dropout). */
  trainLoss: number[];
  /** Validation loss per epoch (no dropout), when validation > 0. */
  valLoss: number[];
  /** Validation categorical accuracy (mean over heads) and numeric MAE at the end. */
  valAccuracy?: number;
  valNumericMae?: number;
  seconds: number;
}

/** Glorot-uniform init from a seeded stream. */
function glorot(rng: Rng, inDim: number, outDim: number): Float32Array {
  const a = Math.sqrt(6 / (inDim + outDim));
  const w = new Float32Array(inDim * outDim);
  for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-a, a);
  return w;
}

/** Fits the MLP with tfjs (wasm backend when available). */
export async function fitMlp(set: TrainingSet, options: FitOptions): Promise<FitResult> {
  const { initTfjs, tf } = await import('../tfjs.js');
  await initTfjs();
  const t0 = Date.now();
  const { dim } = set;
  const n = set.params.length;
  const nVal = Math.min(options.validation ?? 0, n - 1);
  const nTrain = n - nVal;
  const hidden = options.hidden ?? [512, 256];
  const epochs = options.epochs ?? 60;
  const batchSize = Math.min(options.batchSize ?? 64, nTrain);
  const dropout = options.dropout ?? 0.2;
  const wd = options.weightDecay ?? 1e-4;
  const rng = Rng.derive(options.seed, 'fit');

  // Input standardisation from the training rows.
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim);
  for (let r = 0; r < nTrain; r++) for (let j = 0; j < dim; j++) mean[j] = (mean[j] ?? 0) + (set.inputs[r * dim + j] ?? 0) / nTrain;
  for (let r = 0; r < nTrain; r++) {
    for (let j = 0; j < dim; j++) {
      const d = (set.inputs[r * dim + j] ?? 0) - (mean[j] ?? 0);
      std[j] = (std[j] ?? 0) + (d * d) / nTrain;
    }
  }
  for (let j = 0; j < dim; j++) std[j] = Math.sqrt(std[j] ?? 0) + 1e-4;
  const xs = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) for (let j = 0; j < dim; j++) xs[r * dim + j] = ((set.inputs[r * dim + j] ?? 0) - (mean[j] ?? 0)) / (std[j] ?? 1);
  const catWidth = OUTPUT_DIM - NUMERIC_COUNT;
  const yNum = new Float32Array(n * NUMERIC_COUNT);
  const yCat = new Float32Array(n * catWidth);
  set.params.forEach((p, r) => {
    yNum.set(p.numeric, r * NUMERIC_COUNT);
    let off = 0;
    CATEGORICAL_SIZES.forEach((size, h) => {
      yCat[r * catWidth + off + (p.categorical[h] ?? 0)] = 1;
      off += size;
    });
  });

  const inputNoise = options.inputNoise ?? 0;
  /** Standardised normalize(x + b n) rows, b ~ U[0, inputNoise] per row. */
  const noisyBatch = (rows: number[], r: Rng): Float32Array => {
    const out = new Float32Array(rows.length * dim);
    rows.forEach((row, k) => {
      const b = r.next() * inputNoise;
      let norm = 0;
      for (let j = 0; j < dim; j++) {
        const v = (set.inputs[row * dim + j] ?? 0) + b * r.normal();
        out[k * dim + j] = v;
        norm += v * v;
      }
      norm = Math.sqrt(norm);
      for (let j = 0; j < dim; j++) out[k * dim + j] = ((out[k * dim + j] ?? 0) / norm - (mean[j] ?? 0)) / (std[j] ?? 1);
    });
    return out;
  };
  const X = tf.tensor2d(xs, [n, dim]);
  const YN = tf.tensor2d(yNum, [n, NUMERIC_COUNT]);
  const YC = tf.tensor2d(yCat, [n, catWidth]);
  const sizes = [dim, ...hidden, OUTPUT_DIM];
  const vars = sizes.slice(1).map((outDim, i) => ({
    w: tf.variable(tf.tensor2d(glorot(rng, sizes[i] ?? 0, outDim), [sizes[i] ?? 0, outDim])),
    b: tf.variable(tf.zeros([outDim])),
  }));
  const forward = (x: Tensor2D, train: boolean, seed: number): Tensor2D => {
    let h = x;
    vars.forEach((v, i) => {
      h = tf.add(tf.matMul(h, v.w), v.b);
      if (i < vars.length - 1) {
        h = tf.relu(h);
        if (train && dropout > 0) h = tf.dropout(h, dropout, undefined, seed + i) as typeof h;
      }
    });
    return h;
  };
  const headLoss = (out: Tensor2D, yn: Tensor2D, yc: Tensor2D): Scalar => {
    const b = out.shape[0];
    const num = tf.sigmoid(tf.slice(out, [0, 0], [b, NUMERIC_COUNT]));
    let loss = tf.mul<Scalar>(tf.mean(tf.square(tf.sub(num, yn))), 4);
    let off = 0;
    for (const size of CATEGORICAL_SIZES) {
      const logits = tf.slice(out, [0, NUMERIC_COUNT + off], [b, size]);
      const target = tf.slice(yc, [0, off], [b, size]);
      const ce = tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1)));
      loss = tf.add(loss, tf.div(ce, CATEGORICAL_SIZES.length));
      off += size;
    }
    return loss;
  };
  const optimizer = tf.train.adam(options.learningRate ?? 1e-3);
  const trainLoss: number[] = [];
  const valLoss: number[] = [];
  const order = Array.from({ length: nTrain }, (_, i) => i);
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    let sum = 0;
    let batches = 0;
    for (let start = 0; start + batchSize <= nTrain; start += batchSize) {
      const rows = order.slice(start, start + batchSize);
      const idx = tf.tensor1d(rows, 'int32');
      const seed = hashWords(options.seed, step++) % 1_000_000;
      const xb = inputNoise > 0 ? tf.tensor2d(noisyBatch(rows, Rng.derive(options.seed, `noise/${step}`)), [rows.length, dim]) : undefined;
      const cost = optimizer.minimize(
        () =>
          tf.tidy(() => {
            const out = forward(xb ?? tf.gather(X, idx), true, seed);
            let loss = headLoss(out, tf.gather(YN, idx), tf.gather(YC, idx));
            for (const v of vars) loss = tf.add(loss, tf.mul(tf.sum(tf.square(v.w)), wd));
            return loss;
          }),
        true,
        vars.flatMap((v) => [v.w, v.b]),
      );
      if (cost) {
        sum += (await cost.data())[0] ?? 0;
        cost.dispose();
      }
      idx.dispose();
      xb?.dispose();
      batches++;
    }
    trainLoss.push(sum / Math.max(1, batches));
    if (nVal > 0) {
      const v = tf.tidy(() => {
        const out = forward(tf.slice(X, [nTrain, 0], [nVal, dim]), false, 0);
        return headLoss(out, tf.slice(YN, [nTrain, 0], [nVal, NUMERIC_COUNT]), tf.slice(YC, [nTrain, 0], [nVal, catWidth]));
      });
      valLoss.push((await v.data())[0] ?? 0);
      v.dispose();
    }
    if (options.log && (epoch % 5 === 4 || epoch === epochs - 1)) {
      options.log(`epoch ${epoch + 1}/${epochs} train ${trainLoss.at(-1)?.toFixed(4)}${nVal > 0 ? ` val ${valLoss.at(-1)?.toFixed(4)}` : ''}`);
    }
  }
  const layers = await Promise.all(
    vars.map(async (v, i) => ({
      w: new Float32Array(await v.w.data()),
      b: new Float32Array(await v.b.data()),
      inDim: sizes[i] ?? 0,
      outDim: sizes[i + 1] ?? 0,
    })),
  );
  vars.forEach((v) => {
    v.w.dispose();
    v.b.dispose();
  });
  X.dispose();
  YN.dispose();
  YC.dispose();
  optimizer.dispose();
  const weights: MlpWeights = { dim, hidden, inputMean: mean, inputStd: std, layers };

  const result: FitResult = { weights, trainLoss, valLoss, seconds: (Date.now() - t0) / 1000 };
  if (nVal > 0) {
    const { predictParams } = await import('./model.js');
    let correct = 0;
    let mae = 0;
    for (let r = nTrain; r < n; r++) {
      const p = predictParams(weights, set.inputs.subarray(r * dim, (r + 1) * dim));
      const t = set.params[r] as FaceParams;
      for (let h = 0; h < CATEGORICAL.length; h++) if (p.categorical[h] === t.categorical[h]) correct++;
      for (let k = 0; k < NUMERIC_COUNT; k++) mae += Math.abs((p.numeric[k] ?? 0) - (t.numeric[k] ?? 0));
    }
    result.valAccuracy = correct / (nVal * CATEGORICAL.length);
    result.valNumericMae = mae / (nVal * NUMERIC_COUNT);
  }
  return result;
}

export interface ConsistencyReport {
  recognizer: string;
  /** Embedding noise of the generated faces. */
  beta: number;
  identities: number;
  /** Mean cosine of a generated face (from the reference embedding) to the reference. */
  generated: number;
  /** Mean cosine of a fresh render of the true identity (new variation) to the reference. */
  trueIdentity: number;
  /** Mean cosine of a generated face to another identity's reference. */
  impostor: number;
  /** Fraction of generated faces whose nearest reference (among the evaluated) is their own. */
  rank1: number;
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += (a[ao + k] ?? 0) * (b[bo + k] ?? 0);
  return s;
}

/**
 * Held-out consistency: identity i has reference view A (embedded by `conditioning` → the generator's
 * input). A generated face (new seed, same variation settings) and a fresh render of the true
 * identity (view B) are embedded by each `judges` recognizer and compared with that recognizer's
 * embedding of view A.
 */
export async function measureConsistency(
  weights: MlpWeights,
  heldOut: { params: FaceParams[]; inputs: Float32Array },
  seed: number,
  judges: Recognizer[],
  betas: number[] = [0],
): Promise<ConsistencyReport[]> {
  const reports: ConsistencyReport[] = [];
  for (const beta of betas) reports.push(...(await consistencyAt(weights, heldOut, seed, judges, beta)));
  return reports;
}

async function consistencyAt(
  weights: MlpWeights,
  heldOut: { params: FaceParams[]; inputs: Float32Array },
  seed: number,
  judges: Recognizer[],
  beta: number,
): Promise<ConsistencyReport[]> {
  const size = 112;
  const n = heldOut.params.length;
  const dim = weights.dim;
  const gen = await builtinGeneratorFromWeights(weights);
  const generated: Uint8Array[] = [];
  const truth: Uint8Array[] = [];
  const viewA: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const p = heldOut.params[i] as FaceParams;
    const seedB = hashWords(seed, i, 2);
    const [g] = await gen.render([{ embedding: heldOut.inputs.subarray(i * dim, (i + 1) * dim), seed: seedB, variation: { ...TRAIN_VARIATION, beta } }]);
    generated.push((g as { data: Uint8Array }).data);
    truth.push((await renderFace(p, drawVariation(seedB, TRAIN_VARIATION), size)).data);
    viewA.push((await renderFace(p, drawVariation(hashWords(seed, i, 1), TRAIN_VARIATION), size)).data);
  }
  const stack = (list: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(list.length * size * size * 3);
    list.forEach((d, i) => out.set(d, i * size * size * 3));
    return out;
  };
  const reports: ConsistencyReport[] = [];
  for (const judge of judges) {
    const d = judge.info.dim;
    const embed = async (list: Uint8Array[]): Promise<Float32Array> => {
      const out = new Float32Array(list.length * d);
      for (let s = 0; s < list.length; s += 16) {
        const part = list.slice(s, s + 16);
        out.set(await judge.embed({ data: stack(part), count: part.length, size }), s * d);
      }
      return out;
    };
    const ref = await embed(viewA);
    const eg = await embed(generated);
    const et = await embed(truth);
    let g = 0;
    let t = 0;
    let imp = 0;
    let hits = 0;
    for (let i = 0; i < n; i++) {
      g += dot(eg, i * d, ref, i * d, d);
      t += dot(et, i * d, ref, i * d, d);
      imp += dot(eg, i * d, ref, ((i + 1) % n) * d, d);
      let best = -1;
      let bestJ = -1;
      for (let j = 0; j < n; j++) {
        const c = dot(eg, i * d, ref, j * d, d);
        if (c > best) [best, bestJ] = [c, j];
      }
      if (bestJ === i) hits++;
    }
    reports.push({ recognizer: judge.info.name, beta, identities: n, generated: g / n, trueIdentity: t / n, impostor: imp / n, rank1: hits / n });
  }
  return reports;
}

// --- CLI ------------------------------------------------------------------------------------------

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function cachedSet(path: string | undefined, build: () => Promise<TrainingSet>, key: string): Promise<TrainingSet> {
  if (path && existsSync(`${path}.json`)) {
    const meta = JSON.parse(await readFile(`${path}.json`, 'utf8')) as { key: string; dim: number; params: { numeric: number[]; categorical: number[] }[] };
    if (meta.key === key) {
      const bin = await readFile(`${path}.f32`);
      return {
        dim: meta.dim,
        inputs: new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength)),
        params: meta.params.map((p) => ({ numeric: Float32Array.from(p.numeric), categorical: Int32Array.from(p.categorical) })),
      };
    }
  }
  const set = await build();
  if (path) {
    await writeFile(`${path}.f32`, Buffer.from(set.inputs.buffer, set.inputs.byteOffset, set.inputs.byteLength));
    await writeFile(`${path}.json`, JSON.stringify({ key, dim: set.dim, params: set.params.map((p) => ({ numeric: [...p.numeric], categorical: [...p.categorical] })) }));
  }
  return set;
}

async function main(argv: string[]): Promise<void> {
  const samples = Number(arg(argv, 'samples') ?? 5000);
  const seed = Number(arg(argv, 'seed') ?? 1);
  const out = resolve(arg(argv, 'out') ?? 'server/models/builtin-generator/');
  const epochs = Number(arg(argv, 'epochs') ?? 40);
  const evalCount = Number(arg(argv, 'eval') ?? 100);
  const hidden = (arg(argv, 'hidden') ?? '256').split(',').map(Number);
  const recognizerName = arg(argv, 'recognizer') ?? 'faceres';
  const judgeName = arg(argv, 'judge') ?? 'faceapi';
  const cache = arg(argv, 'cache');
  const inputNoise = Number(arg(argv, 'input-noise') ?? 0.02);
  const log = (msg: string): void => console.error(`[train] ${msg}`);

  const { builtinModels } = await import('../../models/config.js');
  const { createTfjsRecognizer } = await import('../tfjs.js');
  const entryOf = (name: string): Parameters<typeof createTfjsRecognizer>[0] => {
    const e = builtinModels().find((m) => m.name === name);
    if (!e) throw new Error(`unknown builtin recognizer ${name}`);
    return e;
  };
  const recognizer = await createTfjsRecognizer(entryOf(recognizerName));
  const t0 = Date.now();
  const total = samples + evalCount;
  const set = await cachedSet(cache, () => buildTrainingSet(total, seed, recognizer, { log }), `${seed}/${total}/${recognizerName}`);
  const embedSeconds = (Date.now() - t0) / 1000;
  log(`training set: ${total} renders embedded in ${embedSeconds.toFixed(0)} s`);
  // Validation rows = the last `evalCount` identities (never trained on).
  const fit = await fitMlp(set, { seed, hidden, epochs, validation: evalCount, inputNoise, log });
  log(`fit: ${fit.seconds.toFixed(0)} s, val accuracy ${fit.valAccuracy?.toFixed(3)}, numeric MAE ${fit.valNumericMae?.toFixed(3)}`);
  const heldOut = { params: set.params.slice(samples), inputs: set.inputs.subarray(samples * set.dim) };
  const judge = await createTfjsRecognizer(entryOf(judgeName));
  const consistency = evalCount > 0 ? await measureConsistency(fit.weights, heldOut, seed, [recognizer, judge], [0, 0.02]) : [];
  for (const c of consistency) log(`consistency ${JSON.stringify(c)}`);
  const training = {
    command: `node server/dist/runtime/backends/builtin-generator/train.js ${argv.join(' ')}`,
    samples,
    heldOut: evalCount,
    seed,
    epochs,
    hidden,
    inputNoise,
    recognizer: recognizerName,
    variation: TRAIN_VARIATION,
    embedSeconds: Math.round(embedSeconds),
    fitSeconds: Math.round(fit.seconds),
    finalTrainLoss: fit.trainLoss.at(-1),
    finalValLoss: fit.valLoss.at(-1),
    valCategoricalAccuracy: fit.valAccuracy,
    valNumericMae: fit.valNumericMae,
    consistency,
  };
  await saveModel(out, fit.weights, { recognizer: recognizerName, training });
  console.log(JSON.stringify(training, null, 2));
  await recognizer.dispose();
  await judge.dispose();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
