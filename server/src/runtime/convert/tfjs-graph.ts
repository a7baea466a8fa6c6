// tfjs graph model (model.json + .bin shards) → ONNX, at load time. Four-dimensional activations
// are kept NCHW from the input on (the input is either NCHW already or transposed once); weights
// are permuted while converting, and tensors go back to NHWC only where a Reshape needs TF's
// element order. Ops emitted: Conv (grouped for depthwise), MaxPool, AveragePool, Pad,
// Add/Sub/Mul/Div, Clip, Relu, Sigmoid, Softmax, ReduceMean, Reshape, Transpose, Identity, and on
// the CPU target PRelu and Gemm — the WebGPU target writes those as Relu/Sub/Mul/Add and
// MatMul/Add, so every op has a WebGPU EP kernel (builder.ts, WEBGPU_OPS).
import { FailedPreconditionError } from '../../shared/errors.js';
import type { GraphTarget } from './builder.js';
import { base, Converter } from './tfjs-ops.js';
import type { TfNode } from './tfjs-ops.js';
import { readJsonFile, readWeights } from './tfjs-weights.js';
import type { WeightGroup } from './tfjs-weights.js';

export interface ConvertOptions {
  /** Layout of the ONNX input; NCHW skips the input transpose. @default 'NHWC' */
  inputLayout?: 'NHWC' | 'NCHW';
  /** tf node names to expose (":0" optional). @default the graph's Identity outputs / sinks */
  outputs?: string[];
  /** Execution provider the graph is written for. @default 'cpu' */
  target?: GraphTarget;
}

export interface ConvertedModel {
  bytes: Uint8Array;
  inputName: string;
  /** [H, W, C] of the input image. */
  inputHwc: [number, number, number];
  /** Output names in the order asked for, with their shapes (N symbolic). */
  outputs: { name: string; dims: (number | string)[] }[];
  /** Distinct ONNX op types in the graph. */
  ops: string[];
}

interface GraphModelJson {
  modelTopology?: { node?: TfNode[] };
  weightsManifest?: WeightGroup[];
  signature?: { outputs?: Record<string, { name: string }> };
}

/** Converts the tfjs graph model at `file` (model.json next to its shards) into an ONNX model. */
export async function convertTfjsGraphModel(file: string, options: ConvertOptions = {}): Promise<ConvertedModel> {
  const json = (await readJsonFile(file)) as GraphModelJson;
  const nodes = json.modelTopology?.node;
  if (!Array.isArray(nodes) || !Array.isArray(json.weightsManifest)) throw new FailedPreconditionError(`model file ${file}: not a tfjs graph model (needs modelTopology and weightsManifest)`);
  const weights = await readWeights(json.weightsManifest, file);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const placeholder = nodes.filter((n) => n.op === 'Placeholder');
  if (placeholder.length !== 1) throw new FailedPreconditionError(`model file ${file}: expected one input, found ${placeholder.length}`);
  const input = placeholder[0] as TfNode;
  const [, h = 0, w = 0, c = 0] = (input.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size));
  if (!(h > 0 && w > 0 && c > 0)) throw new FailedPreconditionError(`model file ${file}: input ${input.name} needs a fixed [N, H, W, C] shape`);

  let wanted = options.outputs?.map(base);
  if (!wanted?.length) {
    const consumed = new Set(nodes.flatMap((n) => (n.input ?? []).map(base)));
    wanted = nodes.filter((n) => !consumed.has(n.name) && n.op !== 'Const').map((n) => n.name);
  }
  for (const o of wanted) if (!byName.has(o)) throw new FailedPreconditionError(`model file ${file}: no node named ${o}`);

  // Only the nodes the outputs depend on, in dependency order.
  const order: TfNode[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const n = byName.get(name);
    if (!n) throw new FailedPreconditionError(`model file ${file}: node ${name} is referenced but not defined`);
    for (const r of n.input ?? []) if (!r.startsWith('^')) visit(base(r));
    order.push(n);
  };
  for (const o of wanted) visit(o);

  const conv = new Converter(file, weights, options.target ?? 'cpu');
  const layout = options.inputLayout ?? 'NHWC';
  const inputName = 'input';
  const entry = layout === 'NCHW' ? inputName : conv.g.node('Transpose', [inputName], { perm: [0, 3, 1, 2] });
  conv.set(input.name, { kind: 'nchw', name: entry, c, h, w });
  for (const n of order) if (n.op !== 'Placeholder') conv.convertNode(n);

  const outputs = wanted.map((name) => {
    const v = conv.get({ name, op: 'output', input: [name] }, 0);
    const safe = name.replace(/[^A-Za-z0-9_/.-]/g, '_');
    if (v.kind === 'const') throw new FailedPreconditionError(`model file ${file}: output ${name} is a constant`);
    if (v.kind === 'nchw') return { name: safe, from: conv.toNhwc(v), shape: ['N', v.h, v.w, v.c] as (number | string)[] };
    return { name: safe, from: v.name, shape: v.dims };
  });
  const inShape = layout === 'NCHW' ? ['N', c, h, w] : ['N', h, w, c];
  const bytes = conv.g.build([{ name: inputName, dtype: 'float32', shape: inShape }], outputs);
  return { bytes, inputName, inputHwc: [h, w, c], outputs: outputs.map((o) => ({ name: o.name, dims: o.shape })), ops: conv.g.ops };
}
