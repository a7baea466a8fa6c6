// The blockwise top-k graph of ComputeEngine.topK (kept apart from engine.ts for its size).
import { buildOnnxModel, type OnnxNode, type OnnxInitializer, type OnnxValueInfo } from './onnx-graph.js';

const i64 = (values: number[]): OnnxInitializer['data'] => BigInt64Array.from(values.map((v) => BigInt(v)));

/**
 * One run: queries [R, D] (or the keys themselves), keys [M, D], optional self indices [R].
 * Inside: for each sub-block of b rows, Gemm(Q_b, K, transB) → [b, M], optional self mask
 * (Equal(self, Range) → Where(-4)), TopK(kk) → Concat. ORT frees each block's buffers after use.
 */
export function blockModel(opts: { rows: number; keyRows: number; dim: number; kk: number; sub: number; mask: boolean; separateQueries: boolean; argmax: boolean }): Uint8Array {
  const { rows, keyRows, dim, kk, sub, mask, separateQueries, argmax } = opts;
  const nodes: OnnxNode[] = [];
  const inits: OnnxInitializer[] = [{ name: 'kk', dims: [1], data: i64([kk]) }];
  const inputs: OnnxValueInfo[] = [{ name: 'keys', dtype: 'float32', shape: [keyRows, dim] }];
  if (separateQueries) inputs.unshift({ name: 'queries', dtype: 'float32', shape: [rows, dim] });
  if (mask) {
    inputs.push({ name: 'self', dtype: 'int64', shape: [rows] });
    inits.push({ name: 'cols', dims: [1, keyRows], data: i64(Array.from({ length: keyRows }, (_, j) => j)) });
    inits.push({ name: 'neg', dims: [], data: new Float32Array([-4]) });
    inits.push({ name: 'axis1', dims: [1], data: i64([1]) });
  }
  const vals: string[] = [];
  const idxs: string[] = [];
  const blocks = Math.ceil(rows / sub);
  for (let s = 0; s < blocks; s++) {
    const lo = s * sub;
    const hi = Math.min(rows, lo + sub);
    const q = separateQueries ? 'queries' : 'keys';
    let qb = q;
    const single = blocks === 1 && (separateQueries || rows === keyRows);
    if (!single) {
      if (s === 0) inits.push({ name: 'axis0', dims: [1], data: i64([0]) });
      inits.push({ name: `lo${s}`, dims: [1], data: i64([lo]) }, { name: `hi${s}`, dims: [1], data: i64([hi]) });
      qb = `q${s}`;
      nodes.push({ op: 'Slice', inputs: [q, `lo${s}`, `hi${s}`, 'axis0'], outputs: [qb] });
    }
    nodes.push({ op: 'Gemm', inputs: [qb, 'keys'], outputs: [`g${s}`], attributes: { transB: 1 } });
    let scores = `g${s}`;
    if (mask) {
      let selfB = 'self';
      if (blocks > 1) {
        selfB = `self${s}`;
        nodes.push({ op: 'Slice', inputs: ['self', `lo${s}`, `hi${s}`, 'axis0'], outputs: [selfB] });
      }
      nodes.push({ op: 'Unsqueeze', inputs: [selfB, 'axis1'], outputs: [`su${s}`] });
      nodes.push({ op: 'Equal', inputs: [`su${s}`, 'cols'], outputs: [`eq${s}`] });
      nodes.push({ op: 'Where', inputs: [`eq${s}`, 'neg', `g${s}`], outputs: [`m${s}`] });
      scores = `m${s}`;
    }
    if (kk === 1 && argmax) {
      // k = 1: ReduceMax + ArgMax (kernels every EP has; TopK may fall back to the CPU on WebGPU)
      nodes.push({ op: 'ReduceMax', inputs: [scores], outputs: [`v${s}`], attributes: { axes: [1], keepdims: 1 } });
      nodes.push({ op: 'ArgMax', inputs: [scores], outputs: [`i${s}`], attributes: { axis: 1, keepdims: 1 } });
    } else {
      nodes.push({ op: 'TopK', inputs: [scores, 'kk'], outputs: [`v${s}`, `i${s}`], attributes: { axis: 1, largest: 1, sorted: 1 } });
    }
    vals.push(`v${s}`);
    idxs.push(`i${s}`);
  }
  if (blocks === 1) {
    nodes.push({ op: 'Identity', inputs: ['v0'], outputs: ['value'] }, { op: 'Identity', inputs: ['i0'], outputs: ['index'] });
  } else {
    nodes.push({ op: 'Concat', inputs: vals, outputs: ['value'], attributes: { axis: 0 } });
    nodes.push({ op: 'Concat', inputs: idxs, outputs: ['index'], attributes: { axis: 0 } });
  }
  return buildOnnxModel({
    inputs,
    outputs: [
      { name: 'value', dtype: 'float32', shape: [rows, kk] },
      { name: 'index', dtype: 'int64', shape: [rows, kk] },
    ],
    nodes,
    initializers: inits,
    opset: 17,
  });
}
