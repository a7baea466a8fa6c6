// The onnx-decoder and onnx-diffusion generator backends on each execution provider, with
// random-weight models of realistic size built in code (nothing downloaded):
//  * decoder: 512-d → FC → 512×7×7 → 4 × (2× nearest upsample, 3×3 conv, ReLU) → 3×112×112 (≈ 15 M params);
//  * diffusion: Arc2Face-shaped pipeline (text encoder 77×768; a UNet-sized block: 4→320 conv, 2 res
//    blocks of 3×3 320-ch convs at 64×64, down to 640 ch at 32×32, 2 res blocks, up, out to 4 ch;
//    the context enters as a per-channel bias; VAE 1×1 conv + depth-to-space ×8 → 512², resized to 112).
//   node bench/gpu/generators.mjs [--providers webgpu,cpu] [--tiny] [--seconds 20] [--steps 5]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildOnnxModel } from '../../server/dist/runtime/compute/onnx-graph.js';
import { createOnnxDecoderGenerator } from '../../server/dist/runtime/backends/onnx-decoder.js';
import { createOnnxDiffusionGenerator } from '../../server/dist/runtime/backends/onnx-diffusion/index.js';

const { values } = parseArgs({ options: { providers: { type: 'string', default: 'webgpu,cpu' }, tiny: { type: 'boolean', default: false }, seconds: { type: 'string', default: '20' }, steps: { type: 'string', default: '5' }, batch: { type: 'string', default: '8' } } });
const tiny = values.tiny;
const seconds = Number(values.seconds);
let seed = 1;
const rand = (n, scale) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(++seed * 12.9898) * scale;
  return a;
};
const i64 = (v) => BigInt64Array.from(v.map(BigInt));

/** Nodes/initializers of a 3×3 conv (+ optional ReLU), NCHW. */
function conv(g, x, cin, cout, { k = 3, relu = true, stride = 1 } = {}) {
  const w = `w${g.inits.length}`;
  g.inits.push({ name: w, dims: [cout, cin, k, k], data: rand(cout * cin * k * k, Math.sqrt(2 / (cin * k * k))) });
  const p = (k - 1) / 2;
  const y = `t${g.n++}`;
  g.nodes.push({ op: 'Conv', inputs: [x, w], outputs: [y], attributes: { pads: [p, p, p, p], strides: [stride, stride] } });
  if (!relu) return y;
  const r = `t${g.n++}`;
  g.nodes.push({ op: 'Relu', inputs: [y], outputs: [r] });
  return r;
}
function op(g, type, inputs, attributes) {
  const y = `t${g.n++}`;
  g.nodes.push({ op: type, inputs, outputs: [y], ...(attributes ? { attributes } : {}) });
  return y;
}

function decoder() {
  const D = 512;
  const C = tiny ? 16 : 512;
  const g = { nodes: [], inits: [], n: 0 };
  g.inits.push({ name: 'fc', dims: [D, C * 49], data: rand(D * C * 49, 1 / Math.sqrt(D)) }, { name: 'shape', dims: [4], data: i64([-1, C, 7, 7]) }, { name: 'scales', dims: [4], data: new Float32Array([1, 1, 2, 2]) });
  let x = op(g, 'Reshape', [op(g, 'MatMul', ['id_feature', 'fc']), 'shape']);
  let c = C;
  for (let s = 0; s < 4; s++) {
    x = op(g, 'Resize', [x, '', 'scales'], { mode: 'nearest' });
    x = conv(g, x, c, Math.max(8, c / 2));
    c = Math.max(8, c / 2);
  }
  x = op(g, 'Tanh', [conv(g, x, c, 3, { relu: false })]);
  g.nodes.push({ op: 'Identity', inputs: [x], outputs: ['image'] });
  return buildOnnxModel({ inputs: [{ name: 'id_feature', dtype: 'float32', shape: ['B', D] }], outputs: [{ name: 'image', dtype: 'float32', shape: ['B', 3, 112, 112] }], nodes: g.nodes, initializers: g.inits });
}

function diffusion(dir) {
  const S = tiny ? 8 : 77;
  const H = tiny ? 512 : 768; // idDim 512 must fit in the text width
  const L = tiny ? 8 : 64;
  const C = tiny ? 8 : 320;
  const te = buildOnnxModel({
    inputs: [{ name: 'input_token_embs', dtype: 'float32', shape: ['batch', S, H] }],
    outputs: [{ name: 'last_hidden_state', dtype: 'float32', shape: ['batch', S, H] }],
    initializers: [{ name: 'W', dims: [H, H], data: rand(H * H, 1 / Math.sqrt(H)) }],
    nodes: [{ op: 'MatMul', inputs: ['input_token_embs', 'W'], outputs: ['y'] }, { op: 'Tanh', inputs: ['y'], outputs: ['last_hidden_state'] }],
  });
  const g = { nodes: [], inits: [], n: 0 };
  g.inits.push({ name: 'Wc', dims: [H, C], data: rand(H * C, 0.02) }, { name: 'shape4', dims: [4], data: i64([-1, C, 1, 1]) }, { name: 'tscale', dims: [], data: new Float32Array([0.001]) }, { name: 'shape1', dims: [4], data: i64([-1, 1, 1, 1]) }, { name: 'scales', dims: [4], data: new Float32Array([1, 1, 2, 2]) });
  const ctx = op(g, 'Reshape', [op(g, 'MatMul', [op(g, 'ReduceMean', ['encoder_hidden_states'], { axes: [1], keepdims: 0 }), 'Wc']), 'shape4']);
  const t = op(g, 'Reshape', [op(g, 'Mul', [op(g, 'Cast', ['timestep'], { to: 1 }), 'tscale']), 'shape1']);
  let x = op(g, 'Add', [op(g, 'Add', [conv(g, 'sample', 4, C), ctx]), t]);
  const res = (x, c) => op(g, 'Add', [x, conv(g, conv(g, x, c, c), c, c, { relu: false })]);
  x = res(res(x, C), C);
  const skip = x;
  x = conv(g, x, C, 2 * C, { stride: 2 });
  x = res(res(x, 2 * C), 2 * C);
  x = conv(g, op(g, 'Resize', [x, '', 'scales'], { mode: 'nearest' }), 2 * C, C);
  x = op(g, 'Add', [x, skip]);
  g.nodes.push({ op: 'Identity', inputs: [conv(g, x, C, 4, { relu: false })], outputs: ['out_sample'] });
  const unet = buildOnnxModel({
    inputs: [{ name: 'sample', dtype: 'float32', shape: ['batch', 4, L, L] }, { name: 'timestep', dtype: 'int64', shape: ['batch'] }, { name: 'encoder_hidden_states', dtype: 'float32', shape: ['batch', S, H] }],
    outputs: [{ name: 'out_sample', dtype: 'float32', shape: ['batch', 4, L, L] }],
    nodes: g.nodes,
    initializers: g.inits,
  });
  const vae = buildOnnxModel({
    inputs: [{ name: 'latent_sample', dtype: 'float32', shape: ['batch', 4, L, L] }],
    outputs: [{ name: 'sample', dtype: 'float32', shape: ['batch', 3, 8 * L, 8 * L] }],
    initializers: [{ name: 'K', dims: [3 * 64, 4, 1, 1], data: rand(3 * 64 * 4, 0.05) }],
    nodes: [{ op: 'Conv', inputs: ['latent_sample', 'K'], outputs: ['c'] }, { op: 'DepthToSpace', inputs: ['c'], outputs: ['d'], attributes: { blocksize: 8 } }, { op: 'Tanh', inputs: ['d'], outputs: ['sample'] }],
  });
  writeFileSync(join(dir, 'text_encoder.onnx'), te);
  writeFileSync(join(dir, 'unet.onnx'), unet);
  writeFileSync(join(dir, 'vae_decoder.onnx'), vae);
  const f32 = (a) => Buffer.from(a.buffer);
  writeFileSync(join(dir, 'prompt.f32'), f32(rand(S * H, 0.3)));
  writeFileSync(join(dir, 'uncond.f32'), f32(rand(S * H, 0.3)));
  const manifest = { format: 'hyperface-arc2face/1', textEncoder: 'text_encoder.onnx', unet: 'unet.onnx', vaeDecoder: 'vae_decoder.onnx', promptTokenEmbeddings: 'prompt.f32', uncondTokenEmbeddings: 'uncond.f32', idTokenIndex: 4, seqLen: S, hidden: H, idDim: 512, latentChannels: 4, latentSize: L };
  writeFileSync(join(dir, 'pipeline.json'), JSON.stringify(manifest));
}

const dir = mkdtempSync(join(tmpdir(), 'hf-gpu-gen-'));
writeFileSync(join(dir, 'decoder.onnx'), decoder());
diffusion(dir);
const items = (k) =>
  Array.from({ length: k }, (_, i) => {
    const e = rand(512, 1);
    const n = Math.hypot(...e);
    return { embedding: e.map((v) => v / n), seed: i, variation: { beta: 0, pose: 0, color: 0, background: 0, accessories: 0 } };
  });
const batch = Number(values.batch);
for (const provider of values.providers.split(',')) {
  const logs = [];
  const ctx = { providersOverride: [provider], log: (m) => logs.push(m) };
  for (const [name, make, k] of [
    ['onnx-decoder', () => createOnnxDecoderGenerator({ name: 'dec', files: [join(dir, 'decoder.onnx')], options: { outputRange: '-1..1', maxBatch: batch } }, ctx), batch],
    ['onnx-diffusion', () => createOnnxDiffusionGenerator({ name: 'diff', files: [dir], options: { steps: Number(values.steps), imageSize: 112, maxBatch: 1 } }, ctx), 1],
  ]) {
    try {
      const gen = await make();
      await gen.render(items(k));
      let n = 0;
      const t0 = performance.now();
      do {
        await gen.render(items(k));
        n += k;
      } while (performance.now() - t0 < seconds * 1000);
      const dt = (performance.now() - t0) / 1000;
      console.log(JSON.stringify({ what: name, provider, tiny, steps: name === 'onnx-diffusion' ? Number(values.steps) : undefined, images_per_s: +(n / dt).toFixed(3), fallbacks: logs.filter((l) => /failed|fall/i.test(l)).map((l) => l.slice(0, 160)) }));
      await gen.dispose();
    } catch (e) {
      console.log(JSON.stringify({ what: name, provider, error: String(e.message ?? e).split('\n')[0].slice(0, 300) }));
    }
  }
}
