// The tfjs graph → ONNX op mapping (used by tfjs-graph.ts): one Converter walks the TF nodes in
// dependency order, tracking each value as an NCHW activation (with its C, H, W), a plain tensor,
// or a constant, and emits ONNX nodes through GraphBuilder.
import { FailedPreconditionError } from '../../shared/errors.js';
import { GraphBuilder, tfPadding } from './builder.js';
import type { GraphTarget } from './builder.js';
import { depthwiseToOihw, hwioToOihw } from './tfjs-weights.js';
import type { ConstTensor } from './tfjs-weights.js';

export interface TfAttr {
  s?: string;
  i?: string;
  f?: number;
  b?: boolean;
  list?: { i?: string[]; s?: string[]; f?: number[] };
  shape?: { dim?: { size: string }[] };
}
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

export type Val =
  | { kind: 'nchw'; name: string; c: number; h: number; w: number }
  | { kind: 'plain'; name: string; dims: (number | string)[] }
  | { kind: 'const'; t: ConstTensor };

const text = (a: TfAttr | undefined): string => (a?.s !== undefined ? Buffer.from(a.s, 'base64').toString() : '');
const ints = (a: TfAttr | undefined): number[] => (a?.list?.i ?? []).map(Number);
const strs = (a: TfAttr | undefined): string[] => (a?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString());
export const base = (ref: string): string => ref.replace(/:\d+$/, '');

export class Converter {
  readonly g: GraphBuilder;
  private readonly vals = new Map<string, Val>();

  constructor(
    private readonly file: string,
    private readonly weights: Map<string, ConstTensor>,
    target: GraphTarget,
  ) {
    this.g = new GraphBuilder(target);
  }

  fail(node: TfNode, why: string): never {
    throw new FailedPreconditionError(`model file ${this.file}: cannot convert node ${node.name} (${node.op}): ${why}`);
  }

  get(node: TfNode, k: number): Val {
    const ref = node.input?.filter((r) => !r.startsWith('^'))[k];
    const v = ref === undefined ? undefined : this.vals.get(base(ref));
    if (!v) this.fail(node, `input ${k} (${ref}) is missing or unsupported`);
    return v;
  }

  constOf(node: TfNode, k: number): ConstTensor {
    const v = this.get(node, k);
    if (v.kind !== 'const') this.fail(node, `input ${k} must be a constant`);
    return v.t;
  }

  set(name: string, v: Val): void {
    this.vals.set(name, v);
  }

  /** A constant as an operand broadcasting against `other` (per-channel vectors become [C,1,1]). */
  operand(node: TfNode, v: Val, other: Val): string {
    if (v.kind !== 'const') return v.name;
    const { dims, data } = v.t;
    const f = Float32Array.from(data);
    if (data.length === 1) return this.g.floats(`${node.name}/c`, [], f);
    if (other.kind === 'nchw') {
      if (data.length === other.c && (dims.at(-1) ?? 0) === other.c) return this.g.floats(`${node.name}/c`, [other.c, 1, 1], f);
      this.fail(node, `constant of shape ${JSON.stringify(dims)} against a [${other.c}, ${other.h}, ${other.w}] activation`);
    }
    return this.g.floats(`${node.name}/c`, dims, f);
  }

  nchw(node: TfNode, k: number): Extract<Val, { kind: 'nchw' }> {
    const v = this.get(node, k);
    if (v.kind !== 'nchw') this.fail(node, `input ${k} must be a 4-D activation`);
    return v;
  }

  toNhwc(v: Extract<Val, { kind: 'nchw' }>): string {
    return this.g.node('Transpose', [v.name], { perm: [0, 2, 3, 1] });
  }

  conv(node: TfNode, depthwise: boolean): void {
    const x = this.nchw(node, 0);
    const filter = this.constOf(node, 1);
    const a = node.attr ?? {};
    const [, sh = 1, sw = 1] = ints(a.strides);
    const dil = ints(a.dilations);
    const [, dh = 1, dw = 1] = dil.length ? dil : [1, 1, 1, 1];
    const [kh = 1, kw = 1] = filter.dims;
    const w = depthwise ? depthwiseToOihw(filter) : hwioToOihw(filter);
    const co = w.dims[0] ?? 0;
    const pad = text(a.padding);
    let ph: { out: number; begin: number; end: number };
    let pw: { out: number; begin: number; end: number };
    if (pad === 'EXPLICIT') {
      const e = ints(a.explicit_paddings);
      const [t = 0, b = 0, l = 0, r = 0] = [e[2], e[3], e[4], e[5]];
      ph = { out: Math.floor((x.h + t + b - ((kh - 1) * dh + 1)) / sh) + 1, begin: t, end: b };
      pw = { out: Math.floor((x.w + l + r - ((kw - 1) * dw + 1)) / sw) + 1, begin: l, end: r };
    } else {
      ph = tfPadding(x.h, kh, sh, dh, pad === 'VALID' ? 'VALID' : 'SAME');
      pw = tfPadding(x.w, kw, sw, dw, pad === 'VALID' ? 'VALID' : 'SAME');
    }
    const fused = strs(a.fused_ops);
    const inputs = [x.name, this.g.init(`${node.name}/W`, w.dims, w.data)];
    let argIdx = 2;
    if (fused[0] === 'BiasAdd') {
      const bias = this.constOf(node, argIdx++);
      inputs.push(this.g.floats(`${node.name}/B`, [co], bias.data));
    } else if (fused.length > 0) {
      this.fail(node, `fused ops ${fused.join(',')} are not supported`);
    }
    let y = this.g.node('Conv', inputs, {
      kernel_shape: [kh, kw],
      strides: [sh, sw],
      dilations: [dh, dw],
      pads: [ph.begin, pw.begin, ph.end, pw.end],
      group: depthwise ? x.c : 1,
    });
    for (const op of fused.slice(1)) {
      if (op === 'Relu') y = this.g.node('Relu', [y]);
      else if (op === 'Relu6') y = this.g.node('Clip', [y, this.g.floats('zero', [], [0]), this.g.floats('six', [], [6])]);
      else if (op === 'Prelu') {
        const alpha = this.constOf(node, argIdx++);
        y = this.g.prelu(y, this.g.floats(`${node.name}/alpha`, [co, 1, 1], alpha.data));
      } else this.fail(node, `fused activation ${op} is not supported`);
    }
    this.set(node.name, { kind: 'nchw', name: y, c: co, h: ph.out, w: pw.out });
  }

  pool(node: TfNode, op: 'MaxPool' | 'AveragePool'): void {
    const x = this.nchw(node, 0);
    const a = node.attr ?? {};
    const [, kh = 1, kw = 1] = ints(a.ksize);
    const [, sh = 1, sw = 1] = ints(a.strides);
    const mode = text(a.padding) === 'VALID' ? 'VALID' : 'SAME';
    const ph = tfPadding(x.h, kh, sh, 1, mode);
    const pw = tfPadding(x.w, kw, sw, 1, mode);
    const y = this.g.node(op, [x.name], { kernel_shape: [kh, kw], strides: [sh, sw], pads: [ph.begin, pw.begin, ph.end, pw.end] });
    this.set(node.name, { kind: 'nchw', name: y, c: x.c, h: ph.out, w: pw.out });
  }

  binary(node: TfNode, op: string): void {
    const a = this.get(node, 0);
    const b = this.get(node, 1);
    if (a.kind === 'const' && b.kind === 'const') this.fail(node, 'constant folding is not supported');
    const shapeOf = a.kind === 'const' ? b : a;
    const other = b.kind === 'const' ? a : b;
    if (a.kind !== 'const' && b.kind !== 'const' && a.kind !== b.kind) this.fail(node, 'mixes a 4-D activation with a plain tensor');
    // Minimum/Maximum against a scalar are clips (cheaper, and fused by ORT).
    const scalar = b.kind === 'const' && b.t.data.length === 1 ? b.t.data[0] : a.kind === 'const' && a.t.data.length === 1 ? a.t.data[0] : undefined;
    let y: string;
    if ((op === 'Min' || op === 'Max') && scalar !== undefined) {
      const x = (other as Exclude<Val, { kind: 'const' }>).name;
      y = this.clip(node, x, op === 'Max' ? scalar : -Infinity, op === 'Min' ? scalar : Infinity);
    } else {
      y = this.g.node(op, [this.operand(node, a, b), this.operand(node, b, a)]);
    }
    this.set(node.name, { ...(shapeOf as Exclude<Val, { kind: 'const' }>), name: y });
  }

  /** Clip bounds of values this converter produced with Relu/Clip: chained clips merge into one. */
  private readonly clips = new Map<string, { src: string; lo: number; hi: number }>();

  /**
   * clip(x, lo, hi), merged with the Relu/Clip that produced `x` (relu6 arrives as Relu → Minimum →
   * Maximum): one Clip fuses into the conv before it, while a chain leaves ORT's NCHWc convs
   * reordering their output back and forth around each extra op.
   */
  clip(node: TfNode, x: string, lo: number, hi: number): string {
    const prev = this.clips.get(x);
    const src = prev?.src ?? x;
    const a = Math.max(lo, prev?.lo ?? -Infinity);
    const b = Math.min(hi, prev?.hi ?? Infinity);
    const bound = (v: number, name: string): string => (Number.isFinite(v) ? this.g.floats(`${node.name}/${name}`, [], [v]) : '');
    const y = a === 0 && b === Infinity ? this.g.node('Relu', [src]) : this.g.node('Clip', [src, bound(a, 'lo'), bound(b, 'hi')].filter((v, i) => i < 2 || v !== ''));
    this.clips.set(y, { src, lo: a, hi: b });
    return y;
  }

  unary(node: TfNode, op: string, attributes?: Record<string, number>): void {
    const x = this.get(node, 0);
    if (x.kind === 'const') this.fail(node, 'constant folding is not supported');
    this.set(node.name, { ...x, name: this.g.node(op, [x.name], attributes) });
  }

  convertNode(node: TfNode): void {
    switch (node.op) {
      case 'Const': {
        const t = this.weights.get(node.name);
        if (!t) this.fail(node, 'constant has no weight in the manifest');
        this.set(node.name, { kind: 'const', t });
        return;
      }
      case 'Identity':
        this.set(node.name, this.get(node, 0));
        return;
      case 'Conv2D':
      case '_FusedConv2D':
        return this.conv(node, false);
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        return this.conv(node, true);
      case 'MaxPool':
        return this.pool(node, 'MaxPool');
      case 'AvgPool':
        return this.pool(node, 'AveragePool');
      case 'BiasAdd':
      case 'Add':
      case 'AddV2':
        return this.binary(node, 'Add');
      case 'Sub':
        return this.binary(node, 'Sub');
      case 'Mul':
        return this.binary(node, 'Mul');
      case 'RealDiv':
        return this.binary(node, 'Div');
      case 'Minimum':
        return this.binary(node, 'Min');
      case 'Maximum':
        return this.binary(node, 'Max');
      case 'Relu': {
        const x = this.get(node, 0);
        if (x.kind === 'const') this.fail(node, 'constant folding is not supported');
        this.set(node.name, { ...x, name: this.clip(node, x.name, 0, Infinity) });
        return;
      }
      case 'Sigmoid':
        return this.unary(node, 'Sigmoid');
      case 'Relu6': {
        const x = this.get(node, 0);
        if (x.kind === 'const') this.fail(node, 'constant folding is not supported');
        this.set(node.name, { ...x, name: this.clip(node, x.name, 0, 6) });
        return;
      }
      case 'Softmax':
        return this.unary(node, 'Softmax', { axis: -1 });
      case 'Prelu': {
        const x = this.nchw(node, 0);
        const alpha = this.constOf(node, 1);
        this.set(node.name, { ...x, name: this.g.prelu(x.name, this.operand(node, { kind: 'const', t: alpha }, x)) });
        return;
      }
      case 'Pad':
      case 'PadV2': {
        const x = this.nchw(node, 0);
        const p = Array.from(this.constOf(node, 1).data);
        const at = (axis: number, side: number): number => p[axis * 2 + side] ?? 0;
        const pads = [0, 1].flatMap((side) => [at(0, side), at(3, side), at(1, side), at(2, side)]);
        const value = node.op === 'PadV2' ? (this.constOf(node, 2).data[0] ?? 0) : 0;
        const y = this.g.node('Pad', [x.name, this.g.int64s(`${node.name}/pads`, pads), this.g.floats(`${node.name}/value`, [], [value])], { mode: 'constant' });
        this.set(node.name, { kind: 'nchw', name: y, c: x.c + at(3, 0) + at(3, 1), h: x.h + at(1, 0) + at(1, 1), w: x.w + at(2, 0) + at(2, 1) });
        return;
      }
      case 'Mean': {
        const x = this.nchw(node, 0);
        const axes = Array.from(this.constOf(node, 1).data).map((a) => (a + 4) % 4).sort();
        if (axes.join() !== '1,2') this.fail(node, `mean over axes ${axes.join(',')} is not supported`);
        const keep = node.attr?.keep_dims?.b === true;
        const y = this.g.node('ReduceMean', [x.name], { axes: [2, 3], keepdims: keep ? 1 : 0 });
        this.set(node.name, keep ? { kind: 'nchw', name: y, c: x.c, h: 1, w: 1 } : { kind: 'plain', name: y, dims: ['N', x.c] });
        return;
      }
      case 'Reshape': {
        const x = this.get(node, 0);
        if (x.kind === 'const') this.fail(node, 'constant folding is not supported');
        const shape = Array.from(this.constOf(node, 1).data);
        const src = x.kind === 'nchw' ? this.toNhwc(x) : x.name;
        const count = x.kind === 'nchw' ? x.c * x.h * x.w : x.dims.slice(1).reduce<number>((p, d) => p * (typeof d === 'number' ? d : 1), 1);
        // The leading dimension is the batch: keep whatever batch the input has.
        const target = shape.map((d, i) => (i === 0 ? 0 : d));
        const known = target.slice(1).reduce((p, d) => (d > 0 ? p * d : p), 1);
        const dims: (number | string)[] = ['N', ...target.slice(1).map((d) => (d > 0 ? d : count / known))];
        this.set(node.name, { kind: 'plain', name: this.g.node('Reshape', [src, this.g.int64s(`${node.name}/shape`, target)]), dims });
        return;
      }
      case '_FusedMatMul':
      case 'MatMul': {
        const x = this.get(node, 0);
        if (x.kind !== 'plain' || x.dims.length !== 2) this.fail(node, 'needs a [N, K] input');
        const w = this.constOf(node, 1);
        const a = node.attr ?? {};
        if (a.transpose_a?.b) this.fail(node, 'transpose_a is not supported');
        const transB = a.transpose_b?.b === true;
        const fused = strs(a.fused_ops);
        const outDim = transB ? (w.dims[0] ?? 0) : (w.dims[1] ?? 0);
        if (fused.length > 0 && fused[0] !== 'BiasAdd') this.fail(node, `fused ops ${fused.join(',')} are not supported`);
        const bias = fused[0] === 'BiasAdd' ? this.constOf(node, 2).data : undefined;
        let y = this.g.dense(node.name, x.name, w, bias, transB);
        for (const op of fused.slice(1)) {
          if (op === 'Relu') y = this.g.node('Relu', [y]);
          else this.fail(node, `fused activation ${op} is not supported`);
        }
        this.set(node.name, { kind: 'plain', name: y, dims: ['N', outDim] });
        return;
      }
      default:
        this.fail(node, 'op not supported by the converter');
    }
  }
}

