// Checkpoint codec: "HFPK" | u32 version | u32 header length | JSON header | pad to 8 | arrays.
// The header carries the scalars (iteration, RNG words, schedule constants, a parameter
// fingerprint); the arrays are raw little-endian float32/int32 copies in header order.
import { FailedPreconditionError } from '../../shared/errors.js';

export interface PackStateArrays {
  [name: string]: Float32Array | Int32Array;
}

export interface PackCheckpoint {
  /** Fingerprint of the parameters that shape the trajectory (mode, N, D, seed, ...). */
  fingerprint: string;
  iteration: number;
  rng: number[];
  elapsedSeconds: number;
  scalars: Record<string, number>;
  arrays: PackStateArrays;
}

const MAGIC = 0x4b504648; // "HFPK" little-endian
const VERSION = 1;

export function encodeCheckpoint(cp: PackCheckpoint): Uint8Array {
  const layout = Object.entries(cp.arrays).map(([name, a]) => ({ name, type: a instanceof Float32Array ? 'f32' : 'i32', length: a.length }));
  const header = new TextEncoder().encode(
    JSON.stringify({ fingerprint: cp.fingerprint, iteration: cp.iteration, rng: cp.rng, elapsedSeconds: cp.elapsedSeconds, scalars: cp.scalars, layout }),
  );
  const start = Math.ceil((12 + header.length) / 8) * 8;
  const total = start + layout.reduce((s, l) => s + l.length * 4, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.length, true);
  out.set(header, 12);
  let off = start;
  for (const a of Object.values(cp.arrays)) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
    off += a.byteLength;
  }
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): PackCheckpoint {
  const bad = (why: string) => new FailedPreconditionError(`packing checkpoint is unreadable: ${why}`);
  if (bytes.length < 12) throw bad('too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw bad('bad magic');
  if (view.getUint32(4, true) !== VERSION) throw bad(`unsupported version ${view.getUint32(4, true)}`);
  const hlen = view.getUint32(8, true);
  if (12 + hlen > bytes.length) throw bad('truncated header');
  let h: {
    fingerprint: string;
    iteration: number;
    rng: number[];
    elapsedSeconds: number;
    scalars: Record<string, number>;
    layout: { name: string; type: 'f32' | 'i32'; length: number }[];
  };
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen)));
  } catch (e) {
    throw new FailedPreconditionError('packing checkpoint is unreadable: bad header', { cause: e });
  }
  let off = Math.ceil((12 + hlen) / 8) * 8;
  const arrays: PackStateArrays = {};
  for (const l of h.layout) {
    const nbytes = l.length * 4;
    if (off + nbytes > bytes.length) throw bad(`truncated array ${l.name}`);
    const copy = bytes.slice(off, off + nbytes);
    arrays[l.name] = l.type === 'f32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
    off += nbytes;
  }
  return { fingerprint: h.fingerprint, iteration: h.iteration, rng: h.rng, elapsedSeconds: h.elapsedSeconds, scalars: h.scalars, arrays };
}
