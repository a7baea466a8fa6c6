// A small ONNX ModelProto encoder: build inference graphs in code (no opaque .onnx blobs in the repo).
// The onnx.proto subset below (field numbers from onnx/onnx.proto, IR version 8) is enough for plain
// single-graph models with typed inputs/outputs, attributes and initializers.
import protobuf from 'protobufjs';

const ONNX_SUBSET = `
syntax = "proto3";
package onnx;
message AttributeProto {
  string name = 1; string ref_attr_name = 21; string doc_string = 13; int32 type = 20;
  float f = 2; int64 i = 3; bytes s = 4; TensorProto t = 5; GraphProto g = 6;
  repeated float floats = 7; repeated int64 ints = 8; repeated bytes strings = 9;
  repeated TensorProto tensors = 10; repeated GraphProto graphs = 11;
}
message ValueInfoProto { string name = 1; TypeProto type = 2; string doc_string = 3; }
message NodeProto {
  repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4;
  string domain = 7; repeated AttributeProto attribute = 5; string doc_string = 6;
}
message ModelProto {
  int64 ir_version = 1; repeated OperatorSetIdProto opset_import = 8; string producer_name = 2;
  string producer_version = 3; string domain = 4; int64 model_version = 5; string doc_string = 6;
  GraphProto graph = 7;
}
message GraphProto {
  repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5; string doc_string = 10;
  repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; repeated ValueInfoProto value_info = 13;
}
message TensorProto {
  repeated int64 dims = 1; int32 data_type = 2; repeated float float_data = 4; repeated int32 int32_data = 5;
  repeated bytes string_data = 6; repeated int64 int64_data = 7; string name = 8; string doc_string = 12;
  bytes raw_data = 9; repeated double double_data = 10; repeated uint64 uint64_data = 11;
}
message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } string denotation = 3; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
  string denotation = 6;
}
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
`;

let modelType: protobuf.Type | undefined;
function modelProto(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_SUBSET, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

export type OnnxDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'int8' | 'bool' | 'float16';

/** onnx.TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<OnnxDtype, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

export interface OnnxValueInfo {
  name: string;
  dtype: OnnxDtype;
  /** Numbers are fixed sizes, strings symbolic (dynamic) dimensions. */
  shape: (number | string)[];
}

/** One attribute value; the type is inferred from the JS value unless given as `{ type, value }`. */
export type OnnxAttributeValue =
  | number
  | string
  | number[]
  | string[]
  | { type: 'float' | 'int' | 'floats' | 'ints' | 'string' | 'strings'; value: number | string | number[] | string[] }
  | { type: 'tensor'; value: OnnxInitializer };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attributes?: Record<string, OnnxAttributeValue>;
}

export interface OnnxInitializer {
  name: string;
  dims: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;
  /** Defaults from the array type (Uint8Array → uint8). */
  dtype?: OnnxDtype;
}

export interface OnnxModelSpec {
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  nodes: OnnxNode[];
  initializers?: OnnxInitializer[];
  /** ai.onnx opset. @default 17 */
  opset?: number;
  /** Extra operator set imports, e.g. `{ 'com.microsoft': 1 }`. */
  extraOpsets?: Record<string, number>;
  /** @default 'hyperface' */
  graphName?: string;
  /** @default 8 */
  irVersion?: number;
}

const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

function dtypeOf(init: OnnxInitializer): OnnxDtype {
  if (init.dtype) return init.dtype;
  const d = init.data;
  if (d instanceof Float32Array) return 'float32';
  if (d instanceof Float64Array) return 'float64';
  if (d instanceof Int32Array) return 'int32';
  if (d instanceof BigInt64Array) return 'int64';
  if (d instanceof Int8Array) return 'int8';
  return 'uint8';
}

function tensorProto(init: OnnxInitializer): Record<string, unknown> {
  const count = init.dims.reduce((a, b) => a * b, 1);
  if (init.data.length !== count) {
    throw new RangeError(`initializer ${init.name}: ${init.data.length} elements but dims ${JSON.stringify(init.dims)} need ${count}`);
  }
  const d = init.data;
  return {
    name: init.name,
    dims: init.dims,
    data_type: ONNX_DTYPE[dtypeOf(init)],
    raw_data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice(),
  };
}

function valueInfo(v: OnnxValueInfo): Record<string, unknown> {
  return {
    name: v.name,
    type: {
      tensor_type: {
        elem_type: ONNX_DTYPE[v.dtype],
        shape: { dim: v.shape.map((s) => (typeof s === 'number' ? { dim_value: s } : { dim_param: s })) },
      },
    },
  };
}

const utf8 = new TextEncoder();

function attribute(name: string, value: OnnxAttributeValue): Record<string, unknown> {
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: ATTR.INT, i: value } : { name, type: ATTR.FLOAT, f: value };
  }
  if (typeof value === 'string') return { name, type: ATTR.STRING, s: utf8.encode(value) };
  if (Array.isArray(value)) {
    if (value.every((v): v is number => typeof v === 'number')) {
      return value.every((v) => Number.isInteger(v)) ? { name, type: ATTR.INTS, ints: value } : { name, type: ATTR.FLOATS, floats: value };
    }
    return { name, type: ATTR.STRINGS, strings: value.map((v) => utf8.encode(String(v))) };
  }
  switch (value.type) {
    case 'float':
      return { name, type: ATTR.FLOAT, f: Number(value.value) };
    case 'int':
      return { name, type: ATTR.INT, i: Number(value.value) };
    case 'floats':
      return { name, type: ATTR.FLOATS, floats: (value.value as number[]).map(Number) };
    case 'ints':
      return { name, type: ATTR.INTS, ints: (value.value as number[]).map(Number) };
    case 'string':
      return { name, type: ATTR.STRING, s: utf8.encode(String(value.value)) };
    case 'strings':
      return { name, type: ATTR.STRINGS, strings: (value.value as string[]).map((v) => utf8.encode(v)) };
    case 'tensor':
      return { name, type: ATTR.TENSOR, t: tensorProto(value.value) };
  }
}

/** Encodes a single-graph ONNX model; the bytes go straight to `ort.InferenceSession.create(bytes)`. */
export function buildOnnxModel(spec: OnnxModelSpec): Uint8Array {
  const opsets = [{ domain: '', version: spec.opset ?? 17 }];
  for (const [domain, version] of Object.entries(spec.extraOpsets ?? {})) opsets.push({ domain, version });
  const model = {
    ir_version: spec.irVersion ?? 8,
    producer_name: 'hyperface-serve',
    producer_version: '1',
    opset_import: opsets,
    graph: {
      name: spec.graphName ?? 'hyperface',
      node: spec.nodes.map((n, k) => ({
        name: n.name ?? `${n.op}_${k}`,
        op_type: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes ?? {}).map(([name, v]) => attribute(name, v)),
      })),
      initializer: (spec.initializers ?? []).map(tensorProto),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  };
  const type = modelProto();
  return type.encode(type.fromObject(model)).finish();
}
