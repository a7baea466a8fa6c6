// face-api's ResNet-34 face descriptor (a weights manifest, not a graph model: the network is code in
// face-api's FaceRecognitionNet) rebuilt as an ONNX graph from the same weights. Each conv layer is
// conv + bias followed by a per-channel scale layer; the scale is folded into the conv weights.
import { FailedPreconditionError } from '../../shared/errors.js';
import { GraphBuilder, tfPadding } from './builder.js';
import type { GraphTarget } from './builder.js';
import { hwioToOihw, readJsonFile, readWeights } from './tfjs-weights.js';
import type { ConstTensor, WeightGroup } from './tfjs-weights.js';
import type { ConvertedModel } from './tfjs-graph.js';

/** The mean RGB face-api subtracts before dividing by 255. */
const MEAN_RGB = [122.782, 117.001, 104.298];

interface Act {
  name: string;
  c: number;
  h: number;
  w: number;
}

/**
 * Converts face-api's `face_recognition_model-weights_manifest.json` (with its .bin) into an ONNX
 * model taking 0–255 RGB `size`×`size` crops (NHWC or NCHW) and returning the 128-d descriptor
 * (not normalised, like face-api's forwardInput).
 */
export async function convertFaceApiRecognition(file: string, options: { inputLayout?: 'NHWC' | 'NCHW'; size?: number; target?: GraphTarget } = {}): Promise<ConvertedModel> {
  const json = await readJsonFile(file);
  if (!Array.isArray(json)) throw new FailedPreconditionError(`model file ${file}: not a face-api weights manifest (expected a JSON array of weight groups)`);
  const weights = await readWeights(json as WeightGroup[], file);
  const need = (name: string): ConstTensor => {
    const t = weights.get(name);
    if (!t) throw new FailedPreconditionError(`model file ${file}: weights do not fit face-api's recognition network: missing ${name}`);
    return t;
  };
  const g = new GraphBuilder(options.target ?? 'cpu');
  const size = options.size ?? 150;
  const layout = options.inputLayout ?? 'NHWC';

  const conv = (x: Act, prefix: string, stride: number, relu: boolean, padding: 'SAME' | 'VALID'): Act => {
    const filter = need(`${prefix}/conv/filters`);
    const bias = need(`${prefix}/conv/bias`).data;
    const s = need(`${prefix}/scale/weights`).data;
    const sb = need(`${prefix}/scale/biases`).data;
    const w = hwioToOihw(filter);
    const [co = 0, ci = 0, kh = 0, kw = 0] = w.dims;
    const per = ci * kh * kw;
    for (let o = 0; o < co; o++) for (let i = 0; i < per; i++) w.data[o * per + i] = (w.data[o * per + i] ?? 0) * (s[o] ?? 1);
    const b = Float32Array.from({ length: co }, (_, o) => (bias[o] ?? 0) * (s[o] ?? 1) + (sb[o] ?? 0));
    const ph = tfPadding(x.h, kh, stride, 1, padding);
    const pw = tfPadding(x.w, kw, stride, 1, padding);
    let y = g.node('Conv', [x.name, g.init(`${prefix}/W`, w.dims, w.data), g.init(`${prefix}/B`, [co], b)], {
      kernel_shape: [kh, kw],
      strides: [stride, stride],
      pads: [ph.begin, pw.begin, ph.end, pw.end],
    });
    if (relu) y = g.node('Relu', [y]);
    return { name: y, c: co, h: ph.out, w: pw.out };
  };

  const residual = (x: Act, prefix: string): Act => {
    const a = conv(x, `${prefix}/conv1`, 1, true, 'SAME');
    const b = conv(a, `${prefix}/conv2`, 1, false, 'SAME');
    return { ...b, name: g.node('Relu', [g.node('Add', [b.name, x.name])]) };
  };

  const residualDown = (x: Act, prefix: string): Act => {
    const a = conv(x, `${prefix}/conv1`, 2, true, 'VALID');
    let b = conv(a, `${prefix}/conv2`, 1, false, 'SAME');
    const ph = tfPadding(x.h, 2, 2, 1, 'VALID');
    const pw = tfPadding(x.w, 2, 2, 1, 'VALID');
    let pooled: Act = { name: g.node('AveragePool', [x.name], { kernel_shape: [2, 2], strides: [2, 2] }), c: x.c, h: ph.out, w: pw.out };
    const zero = g.floats('zero', [], [0]);
    // face-api pads the conv branch with zero rows/columns at the end when pooling gives a larger map,
    // and the pooled branch with zero channels when the conv widens.
    if (pooled.h !== b.h || pooled.w !== b.w) {
      const dh = pooled.h - b.h;
      const dw = pooled.w - b.w;
      b = { ...b, name: g.node('Pad', [b.name, g.int64s('pads', [0, 0, 0, 0, 0, 0, dh, dw]), zero], { mode: 'constant' }), h: pooled.h, w: pooled.w };
    }
    if (pooled.c !== b.c) {
      pooled = { ...pooled, name: g.node('Pad', [pooled.name, g.int64s('pads', [0, 0, 0, 0, 0, b.c - pooled.c, 0, 0]), zero], { mode: 'constant' }), c: b.c };
    }
    return { ...b, name: g.node('Relu', [g.node('Add', [pooled.name, b.name])]) };
  };

  const input = 'input';
  const nchw = layout === 'NCHW' ? input : g.node('Transpose', [input], { perm: [0, 3, 1, 2] });
  const centred = g.node('Sub', [nchw, g.floats('mean_rgb', [3, 1, 1], MEAN_RGB)]);
  const scaled = g.node('Div', [centred, g.floats('255', [], [255])]);
  let x = conv({ name: scaled, c: 3, h: size, w: size }, 'conv32_down', 2, true, 'VALID');
  const mh = tfPadding(x.h, 3, 2, 1, 'VALID');
  const mw = tfPadding(x.w, 3, 2, 1, 'VALID');
  x = { ...x, name: g.node('MaxPool', [x.name], { kernel_shape: [3, 3], strides: [2, 2] }), h: mh.out, w: mw.out };
  for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(x, p);
  x = residualDown(x, 'conv64_down');
  for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(x, p);
  x = residualDown(x, 'conv128_down');
  for (const p of ['conv128_1', 'conv128_2']) x = residual(x, p);
  x = residualDown(x, 'conv256_down');
  for (const p of ['conv256_1', 'conv256_2']) x = residual(x, p);
  x = residualDown(x, 'conv256_down_out');
  const pooled = g.node('ReduceMean', [x.name], { axes: [2, 3], keepdims: 0 });
  const fc = need('fc');
  const out = g.dense('fc', pooled, fc, undefined);
  const dim = fc.dims[1] ?? 0;
  const inShape = layout === 'NCHW' ? ['N', 3, size, size] : ['N', size, size, 3];
  const bytes = g.build([{ name: input, dtype: 'float32', shape: inShape }], [{ name: 'descriptor', from: out, shape: ['N', dim] }]);
  return { bytes, inputName: input, inputHwc: [size, size, 3], outputs: [{ name: 'descriptor', dims: ['N', dim] }], ops: g.ops };
}
