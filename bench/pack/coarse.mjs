// The int8 coarse nearest-neighbour search (proven bound + exact fp32 re-rank, runtime/compute/
// coarse-int8.ts) against the fp32 symmetric search of the paper step, on the same rows, one ORT
// session each (2 intra-op threads, no spinning). Prints per state: candidate pairs per row, wall and
// CPU seconds per search (best of `reps` after a warm-up run), and rows whose neighbour differs from
// the fp32 search's, with the largest float64 cosine gap between the two choices (a tie below float32
// rounding, ~1e-7, may go either way; anything larger would be an error). States: random unit rows, then the iterate after `pack` paper steps
// (lr 0.01), each with the lower-bound rows the paper step would have (the previous step's neighbours)
// and with the best possible ones (the current neighbours).
//   node bench/pack/coarse.mjs [N=10000] [D=512] [pack=32] [reps=3]
import * as ort from 'onnxruntime-node';
import { Graph, nearest, ranges } from '../../server/dist/runtime/compute/paper-graph.js';
import { int8Nearest } from '../../server/dist/runtime/compute/coarse-int8.js';
import { buildOnnxModel } from '../../server/dist/runtime/compute/onnx-graph.js';
import { createComputeEngine } from '../../server/dist/runtime/compute/engine.js';
import { Rng } from '../../server/dist/util/rng.js';
import { load1, timed } from '../lib/peer.mjs';

const [n = 10000, d = 512, pack = 32, reps = 3] = process.argv.slice(2, 6).map(Number);
const block = 1024;
const opts = { executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3, extra: { session: { intra_op: { allow_spinning: '0' } } } };

function model(kind) {
  const g = new Graph();
  const out = kind === 'int8'
    ? int8Nearest(g, 'x', 'prev', { n, block, maxPairs: 1024 * n, chunk: Math.max(8192, Math.ceil((1024 * n) / 256)) })
    : nearest(g, ranges(n, block), ranges(n, block).map(([lo, hi]) => g.one('Slice', ['x', g.ints([lo]), g.ints([hi]), g.ints([0])])), true);
  const names = { [out.cos]: 'cos', [out.idx]: 'idx', ...(out.pairs ? { [out.pairs]: 'pairs' } : {}) };
  for (const node of g.nodes) node.outputs = node.outputs.map((o) => names[o] ?? o);
  const inputs = [{ name: 'x', dtype: 'float32', shape: [n, d] }, ...(kind === 'int8' ? [{ name: 'prev', dtype: 'int64', shape: [n] }] : [])];
  const outputs = [{ name: 'cos', dtype: 'float32', shape: [n, 1] }, { name: 'idx', dtype: 'int64', shape: [n, 1] }, ...(out.pairs ? [{ name: 'pairs', dtype: 'int64', shape: [1] }] : [])];
  return buildOnnxModel({ inputs, outputs, nodes: g.nodes, initializers: g.inits, opset: 18 });
}

const rng = new Rng(7);
const x0 = new Float32Array(n * d).map(() => rng.normal());
for (let i = 0; i < n; i++) {
  const row = x0.subarray(i * d, (i + 1) * d);
  const norm = Math.hypot(...row);
  row.forEach((v, k) => (row[k] = v / norm));
}
const fp = await ort.InferenceSession.create(model('fp32'), opts);
const i8 = await ort.InferenceSession.create(model('int8'), opts);
const best = async (f) => {
  await f();
  let b = null;
  for (let r = 0; r < reps; r++) {
    const t = await timed(f);
    if (!b || t.wall < b.wall) b = t;
  }
  return b;
};

async function measure(label, x, prevs) {
  const X = new ort.Tensor('float32', x, [n, d]);
  const f = await best(() => fp.run({ x: X }));
  const ref = f.value.idx.data;
  for (const [kind, prev] of Object.entries(prevs)) {
    const q = await best(() => i8.run({ x: X, prev: new ort.Tensor('int64', prev, [n]) }));
    // a different index is a tie when both rows are equally near in float64 (rounding decides then)
    let bad = 0;
    let gap = 0;
    const dot64 = (i, j) => {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k] * x[j * d + k];
      return s;
    };
    for (let i = 0; i < n; i++) {
      const j = Number(q.value.idx.data[i]);
      if (j === Number(ref[i])) continue;
      bad++;
      gap = Math.max(gap, dot64(i, Number(ref[i])) - dot64(i, j));
    }
    const pairs = Number(q.value.pairs.data[0]);
    console.log(JSON.stringify({ n, d, state: label, lower_bound_rows: kind, pairs_per_row: +(pairs / n).toFixed(2), int8_wall_s: +q.wall.toFixed(3), int8_cpu_s: +q.cpu.toFixed(3), fp32_wall_s: +f.wall.toFixed(3), fp32_cpu_s: +f.cpu.toFixed(3), cpu_ratio: +(q.cpu / f.cpu).toFixed(2), neighbour_mismatches: bad, mismatch_cos_gap_f64: +gap.toExponential(2), load1: load1() }));
  }
  return BigInt64Array.from(ref);
}

const nnOf = async (x) => BigInt64Array.from((await fp.run({ x: new ort.Tensor('float32', x, [n, d]) })).idx.data);
await measure('random', x0, { current: await nnOf(x0) });
if (pack > 0) {
  const e = await createComputeEngine({ threads: 2 });
  const st = e.paperStepper({ n, d, alpha: 0, gallery: null, galleryRows: 0 });
  st.load({ x: x0, m: new Float32Array(n * d), v: new Float32Array(n * d), best: x0, bestCos: Infinity });
  for (let t = 1; t < pack; t++) await st.run(t, 1, 0.01);
  const before = (await st.read()).x;
  const r = await st.run(pack, 1, 0.01);
  const x = (await st.read()).x;
  await st.release();
  await e.release();
  let worst = -1;
  for (const c of r.nnCos) worst = Math.max(worst, c);
  await measure(`after ${pack} steps (min angle ${((Math.acos(worst) * 180) / Math.PI).toFixed(2)}° before the last)`, x, { previous_step: await nnOf(before), current: await nnOf(x) });
}
await fp.release();
await i8.release();
