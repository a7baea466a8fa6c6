// A small helper to assemble ONNX graphs in code on top of onnx-graph.ts: unique names, typed
// initializers, and conv/pool padding computed TensorFlow's way (SAME = extra padding at the end),
// written as explicit pads so every execution provider (CPU, WebGPU) reads the same graph.
import { buildOnnxModel } from '../compute/onnx-graph.js';
import type { OnnxAttributeValue, OnnxInitializer, OnnxModelSpec, OnnxNode, OnnxValueInfo } from '../compute/onnx-graph.js';

/** Which execution provider the graph is written for: `webgpu` avoids ops its kernels lack. */
export type GraphTarget = 'cpu' | 'webgpu';

/** The ONNX ops the converters emit for the WebGPU target, all registered by onnxruntime's WebGPU EP. */
export const WEBGPU_OPS: readonly string[] = ['Conv', 'MaxPool', 'AveragePool', 'Pad', 'Add', 'Sub', 'Mul', 'Div', 'Clip', 'Relu', 'Sigmoid', 'Softmax', 'MatMul', 'ReduceMean', 'Reshape', 'Transpose', 'Identity'];

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  private counter = 0;

  constructor(readonly target: GraphTarget = 'cpu') {}

  /** PRelu; on WebGPU as relu(x) + alpha·(x − relu(x)) (no PRelu kernel there). */
  prelu(x: string, alpha: string): string {
    if (this.target === 'cpu') return this.node('PRelu', [x, alpha]);
    const r = this.node('Relu', [x]);
    return this.node('Add', [r, this.node('Mul', [alpha, this.node('Sub', [x, r])])]);
  }

  /** x·W (+ b) for a constant W of shape [K, M] (or [M, K] with `transB`): Gemm on CPU, MatMul + Add on WebGPU. */
  dense(hint: string, x: string, w: { dims: number[]; data: ArrayLike<number> }, bias: ArrayLike<number> | undefined, transB = false): string {
    const [r = 0, c = 0] = w.dims;
    if (this.target === 'cpu') {
      const inputs = [x, this.floats(`${hint}/W`, w.dims, w.data)];
      if (bias) inputs.push(this.floats(`${hint}/B`, [bias.length], bias));
      return this.node('Gemm', inputs, { transB: transB ? 1 : 0 });
    }
    let kxm = Float32Array.from(w.data);
    let dims = [r, c];
    if (transB) {
      kxm = new Float32Array(r * c);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) kxm[j * r + i] = w.data[i * c + j] ?? 0;
      dims = [c, r];
    }
    const y = this.node('MatMul', [x, this.init(`${hint}/W`, dims, kxm)]);
    return bias ? this.node('Add', [y, this.floats(`${hint}/B`, [bias.length], bias)]) : y;
  }

  fresh(hint: string): string {
    return `${hint.replace(/[^A-Za-z0-9_/.-]/g, '_')}__${this.counter++}`;
  }

  init(hint: string, dims: number[], data: Float32Array | Int32Array | BigInt64Array): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims, data });
    return name;
  }

  floats(hint: string, dims: number[], values: ArrayLike<number>): string {
    return this.init(hint, dims, Float32Array.from(values));
  }

  int64s(hint: string, values: number[]): string {
    return this.init(hint, [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  node(op: string, inputs: string[], attributes?: Record<string, OnnxAttributeValue>, hint = op): string {
    const out = this.fresh(hint);
    this.nodes.push({ op, inputs, outputs: [out], ...(attributes ? { attributes } : {}) });
    return out;
  }

  /** Distinct op types of the live graph (after build). */
  ops: string[] = [];

  build(inputs: OnnxValueInfo[], outputs: { name: string; from: string; shape: (number | string)[] }[], extra: Partial<OnnxModelSpec> = {}): Uint8Array {
    for (const o of outputs) this.nodes.push({ op: 'Identity', inputs: [o.from], outputs: [o.name] });
    // Keep only what the outputs depend on (rewrites such as merged clips leave dead nodes behind).
    const live = new Set(outputs.map((o) => o.name));
    const nodes: OnnxNode[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i]!;
      if (!n.outputs.some((o) => live.has(o))) continue;
      nodes.push(n);
      for (const x of n.inputs) live.add(x);
    }
    nodes.reverse();
    this.ops = [...new Set(nodes.map((n) => n.op))].sort();
    return buildOnnxModel({
      inputs,
      outputs: outputs.map((o) => ({ name: o.name, dtype: 'float32', shape: o.shape })),
      nodes,
      initializers: this.initializers.filter((t) => live.has(t.name)),
      opset: 17,
      ...extra,
    });
  }
}

/** Output size and [begin, end] pads of one spatial axis for TF padding `SAME` / `VALID`. */
export function tfPadding(size: number, kernel: number, stride: number, dilation: number, padding: 'SAME' | 'VALID'): { out: number; begin: number; end: number } {
  const k = (kernel - 1) * dilation + 1;
  if (padding === 'VALID') return { out: Math.floor((size - k) / stride) + 1, begin: 0, end: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  const begin = Math.floor(total / 2);
  return { out, begin, end: total - begin };
}
