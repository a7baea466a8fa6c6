// A small helper to assemble ONNX graphs in code on top of onnx-graph.ts: unique names, typed
// initializers, and conv/pool padding computed TensorFlow's way (SAME = extra padding at the end),
// written as explicit pads so every execution provider (CPU, WebGPU) reads the same graph.
import { buildOnnxModel } from '../compute/onnx-graph.js';
import type { OnnxAttributeValue, OnnxInitializer, OnnxModelSpec, OnnxNode, OnnxValueInfo } from '../compute/onnx-graph.js';

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  private counter = 0;

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
