// Faces/s of an embedding network (an ONNX file, e.g. bench/gpu/iresnet.py's export) on each
// onnxruntime execution provider, same batch, fixed time budget per provider.
//   node bench/gpu/embed.mjs MODEL.onnx|--synthetic [--providers webgpu,cpu] [--batch 64] [--seconds 10]
// --synthetic builds a tiny conv net in code (for dry runs where PyTorch is not installed).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { buildOnnxModel } from '../../server/dist/runtime/compute/onnx-graph.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { providers: { type: 'string', default: 'webgpu,cpu' }, batch: { type: 'string', default: '64' }, seconds: { type: 'string', default: '10' }, synthetic: { type: 'boolean', default: false } } });
const batch = Number(values.batch);
const seconds = Number(values.seconds);

function synthetic() {
  const k = new Float32Array(8 * 3 * 3 * 3).map((_, i) => Math.sin(i) * 0.2);
  const w = new Float32Array(8 * 56 * 56 * 32).map((_, i) => Math.cos(i) * 0.01);
  return buildOnnxModel({
    inputs: [{ name: 'input', dtype: 'float32', shape: ['batch', 3, 112, 112] }],
    outputs: [{ name: 'embedding', dtype: 'float32', shape: ['batch', 32] }],
    initializers: [{ name: 'k', dims: [8, 3, 3, 3], data: k }, { name: 'w', dims: [8 * 56 * 56, 32], data: w }, { name: 'shape', dims: [2], data: BigInt64Array.from([-1n, BigInt(8 * 56 * 56)]) }],
    nodes: [
      { op: 'Conv', inputs: ['input', 'k'], outputs: ['c'], attributes: { pads: [1, 1, 1, 1], strides: [2, 2] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'Reshape', inputs: ['r', 'shape'], outputs: ['f'] },
      { op: 'MatMul', inputs: ['f', 'w'], outputs: ['embedding'] },
    ],
  });
}

const bytes = values.synthetic ? synthetic() : new Uint8Array(readFileSync(positionals[0]));
const input = new ort.Tensor('float32', new Float32Array(batch * 3 * 112 * 112).map((_, i) => Math.sin(i * 0.37)), [batch, 3, 112, 112]);
for (const provider of values.providers.split(',')) {
  let session;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: [provider], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  } catch (e) {
    console.log(JSON.stringify({ what: 'embed', provider, error: String(e.message ?? e).split('\n')[0] }));
    continue;
  }
  const name = session.inputNames[0];
  for (let i = 0; i < 3; i++) await session.run({ [name]: input });
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const out = await session.run({ [name]: input });
    for (const t of Object.values(out)) t.dispose();
    n += batch;
  }
  const dt = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ what: 'embed', provider, batch, faces_per_s: +(n / dt).toFixed(1) }));
  await session.release();
}
