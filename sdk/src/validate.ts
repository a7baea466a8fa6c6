// Checks a request's numbers against its proto field types before it is sent: protobufjs would
// otherwise wrap -1 into a uint32 of 4294967295, truncate 1.5 to 1 and drop the high bits of 2^32.
// Violations use the daemon's field paths (snake_case, dotted, [i] for repeated fields).
import protobuf from 'protobufjs';
import { status } from '@grpc/grpc-js';
import { HYPERFACE_V1 } from './gen/descriptors.js';
import { InvalidArgumentError } from './errors.js';
import type { FieldViolationDetail } from './status-details.js';

const root = protobuf.Root.fromJSON(HYPERFACE_V1);
const FLOAT32_MAX = 3.4028234663852886e38;
const INT_RANGES: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
  // 64-bit fields travel as JS numbers (longs: Number): only safe integers are exact.
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sint64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sfixed64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  fixed64: [0, Number.MAX_SAFE_INTEGER],
};

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function checkScalar(type: string, value: unknown, path: string, out: FieldViolationDetail[]): void {
  const range = INT_RANGES[type];
  if (range) {
    // A Long (from protobufjs) holds any 64-bit value exactly.
    if (type.endsWith('64') && typeof value === 'object' && value !== null && 'low' in value && 'high' in value) return;
    if (typeof value === 'bigint' || (typeof value === 'string' && /^-?\d+$/.test(value) && type.endsWith('64'))) {
      const v = BigInt(value);
      const [lo, hi] = type.startsWith('u') || type.startsWith('fixed') ? [0n, 2n ** 64n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
      if (v < lo || v > hi) out.push({ field: path, description: `${String(value)} does not fit a ${type}` });
      return;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1]) {
      out.push({ field: path, description: `${String(value)} is not a ${type} (an integer in [${range[0]}, ${range[1]}])` });
    }
  } else if (type === 'float' || type === 'double') {
    if (typeof value !== 'number') out.push({ field: path, description: `${String(value)} is not a number` });
    else if (type === 'float' && Number.isFinite(value) && Math.abs(value) > FLOAT32_MAX) out.push({ field: path, description: `${value} is out of float range` });
  }
}

function checkMessage(type: protobuf.Type, value: unknown, path: string, out: FieldViolationDetail[]): void {
  if (value === null || typeof value !== 'object') return;
  const obj = value as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    const v = obj[field.name];
    if (v === undefined || v === null) continue;
    const at = path ? `${path}.${snake(field.name)}` : snake(field.name);
    const one = (item: unknown, where: string): void => {
      field.resolve();
      if (field.resolvedType instanceof protobuf.Type) checkMessage(field.resolvedType, item, where, out);
      else if (!field.resolvedType) checkScalar(field.type, item, where, out);
    };
    if (field.map) {
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) one(item, `${at}[${k}]`);
    } else if (field.repeated && (Array.isArray(v) || ArrayBuffer.isView(v))) {
      Array.from(v as ArrayLike<unknown>).forEach((item, i) => one(item, `${at}[${i}]`));
    } else one(v, at);
  }
}

/** Throws InvalidArgumentError (with field violations) when `request` has a number its field cannot hold. */
export function checkRequest(typeName: string, request: unknown): void {
  const out: FieldViolationDetail[] = [];
  checkMessage(root.lookupType(`hyperface.v1.${typeName}`), request, '', out);
  if (out.length > 0) {
    throw new InvalidArgumentError(status.INVALID_ARGUMENT, `invalid ${typeName}: ${out.map((v) => `${v.field}: ${v.description}`).join('; ')}`, { fieldViolations: out });
  }
}
