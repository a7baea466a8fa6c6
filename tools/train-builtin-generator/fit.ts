// Fits the builtin generator's MLP (recognizer embedding → facesjs identity parameters) with tfjs.
// Reproducible from the seed: initial weights, batch order, dropout masks and input noise all come
// from seeded streams.
import type { Scalar, Tensor2D } from '@tensorflow/tfjs';
import { type MlpWeights, OUTPUT_DIM, predictParams } from '@hyperface/server/runtime/backends/builtin-generator/model';
import { CATEGORICAL, CATEGORICAL_SIZES, type FaceParams, NUMERIC_COUNT } from '@hyperface/server/runtime/backends/builtin-generator/params';
import { hashWords, Rng } from '@hyperface/server/util/rng';
import type { TrainingSet } from './data.js';

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
  const { initTfjs, tf } = await import('@hyperface/server/runtime/backends/tfjs');
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


/**
 * The identity decoding stored with the weights: the mode (temperature 0) or Gumbel-max at
 * `temperature` on the categorical heads, and numeric outputs spread by `numericSpread` × their
 * validation residual (rows [n - validation, n)), i.e. a draw of the predicted distribution (see Decoding).
 */
export function setDecoding(weights: MlpWeights, set: TrainingSet, validation: number, opts: { temperature: number; numericSpread: number; seed: number }): MlpWeights {
  const n = set.params.length;
  const rows = validation > 0 ? validation : n;
  const sq = new Float64Array(NUMERIC_COUNT);
  const plain = { ...weights, decoding: undefined };
  for (let r = n - rows; r < n; r++) {
    const p = predictParams(plain, set.inputs.subarray(r * set.dim, (r + 1) * set.dim));
    const t = set.params[r] as FaceParams;
    for (let k = 0; k < NUMERIC_COUNT; k++) sq[k] = (sq[k] ?? 0) + ((p.numeric[k] ?? 0) - (t.numeric[k] ?? 0)) ** 2;
  }
  const numericStd = Array.from(sq, (s) => Math.round(opts.numericSpread * Math.sqrt(s / rows) * 1e4) / 1e4);
  return { ...weights, decoding: { temperature: opts.temperature, numericStd, seed: opts.seed } };
}
