// float32 tensors on the wire: packed little-endian bytes plus a shape (never `repeated float`).
import type { Tensor } from './gen/hyperface/v1/Tensor.js';

export class TensorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TensorError';
  }
}

export function toTensor(data: Float32Array, shape: number[]): Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new TensorError(`shape ${JSON.stringify(shape)} needs ${count} values, got ${data.length}`);
  return { shape, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
}

/** Decodes a wire tensor; checks that the byte length matches the shape. Copies into an aligned array. */
export function fromTensor(tensor: { shape?: number[]; data?: Uint8Array } | null | undefined, expectRank?: number): { data: Float32Array; shape: number[] } {
  const shape = tensor?.shape ?? [];
  const bytes = tensor?.data ?? new Uint8Array();
  if (expectRank !== undefined && shape.length !== expectRank) throw new TensorError(`expected a rank-${expectRank} tensor, got shape ${JSON.stringify(shape)}`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== count * 4) throw new TensorError(`shape ${JSON.stringify(shape)} needs ${count * 4} bytes, got ${bytes.byteLength}`);
  const data = new Float32Array(count);
  new Uint8Array(data.buffer).set(bytes);
  return { data, shape };
}
