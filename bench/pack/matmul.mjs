// Plain matrix-product throughput on this CPU, interleaved in one run: onnxruntime's MLAS (Gemm
// X·Xᵀ in float32, and MatMulInteger u8·s8 → int32, the VNNI path) against NumPy/OpenBLAS with its
// native kernel (the honest peer) and, for reference, with the machine's OPENBLAS_CORETYPE=Haswell.
// Prints GFLOPS (GOPS for int8) from the best of `reps`, with wall and CPU seconds and the load.
//   node bench/pack/matmul.mjs [N=10000] [D=512] [reps=3]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { buildOnnxModel } from '../../server/dist/runtime/compute/onnx-graph.js';
import { PYTHON, peerEnv, load1, timed } from '../lib/peer.mjs';

const [n = 10000, d = 512, reps = 3] = process.argv.slice(2, 5).map(Number);
const flops = 2 * n * n * d;
const opts = { executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 };
// the [N, N] product stays inside ORT (copying 400 MB out to JS would be timed too): one row max out
const reduce = { op: 'ReduceMax', inputs: ['g'], outputs: ['r'], attributes: { axes: [1], keepdims: 0 } };
const fp32 = await ort.InferenceSession.create(
  buildOnnxModel({ inputs: [{ name: 'x', dtype: 'float32', shape: [n, d] }], outputs: [{ name: 'r', dtype: 'float32', shape: [n] }], nodes: [{ op: 'Gemm', inputs: ['x', 'x'], outputs: ['g'], attributes: { transB: 1 } }, reduce], opset: 17 }),
  opts,
);
const int8 = await ort.InferenceSession.create(
  buildOnnxModel({
    inputs: [{ name: 'a', dtype: 'uint8', shape: [n, d] }, { name: 'b', dtype: 'int8', shape: [d, n] }],
    outputs: [{ name: 'r', dtype: 'int32', shape: [n] }],
    nodes: [{ op: 'MatMulInteger', inputs: ['a', 'b'], outputs: ['g'] }, reduce],
    opset: 17,
  }),
  opts,
);
const x = new Float32Array(n * d).map(() => Math.random() - 0.5);
const a = new Uint8Array(n * d).map(() => Math.floor(Math.random() * 256));
const b = new Int8Array(n * d).map(() => Math.floor(Math.random() * 255) - 127);
const feeds = { fp32: { x: new ort.Tensor('float32', x, [n, d]) }, int8: { a: new ort.Tensor('uint8', a, [n, d]), b: new ort.Tensor('int8', b, [d, n]) } };
const sess = { fp32, int8 };
const best = {};
for (const k of Object.keys(sess)) await sess[k].run(feeds[k]);
const peer = (env) => JSON.parse(execFileSync(PYTHON, [fileURLToPath(new URL('numpy_step.py', import.meta.url)), 'matmul', String(n), String(d), String(reps)], { encoding: 'utf8', env }).trim().split('\n').at(-1));
const handicapped = { ...process.env, OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '512' };
const peers = {};
for (let r = 0; r < reps; r++) {
  for (const k of Object.keys(sess)) {
    const t = await timed(() => sess[k].run(feeds[k]));
    if (!best[k] || t.wall < best[k].wall) best[k] = t;
  }
  if (r === 0) {
    peers.native = peer(peerEnv());
    peers.haswell = peer(handicapped);
  }
}
const row = (what, t) => ({ what, wall_s: +t.wall.toFixed(4), cpu_s: +t.cpu.toFixed(4), gflops: +(flops / t.wall / 1e9).toFixed(1) });
console.log(JSON.stringify({ n, d, load1: load1(), ort: [row('ort Gemm fp32 x·xT', best.fp32), row('ort MatMulInteger u8·s8 (GOPS)', best.int8)], numpy: peers }));
