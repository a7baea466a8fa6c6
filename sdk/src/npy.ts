// NumPy .npy (format 1.0/2.0) encode/decode for the dtypes we exchange: float32 embeddings,
// bool/uint8/int32/int64 labels. Pure: no I/O, so it works in the SDK, the CLI and the daemon.

export type NpyDtype = 'float32' | 'float64' | 'uint8' | 'bool' | 'int32' | 'int64';

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** float32 -> Float32Array, float64 -> Float64Array, uint8/bool -> Uint8Array, int32 -> Int32Array, int64 -> BigInt64Array. */
  data: Float32Array | Float64Array | Uint8Array | Int32Array | BigInt64Array;
}

const DESCR: Record<NpyDtype, string> = {
  float32: '<f4',
  float64: '<f8',
  uint8: '|u1',
  bool: '|b1',
  int32: '<i4',
  int64: '<i8',
};
const BYTES: Record<NpyDtype, number> = { float32: 4, float64: 8, uint8: 1, bool: 1, int32: 4, int64: 8 };
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export class NpyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NpyFormatError';
  }
}

/** The header bytes (magic .. padding) for an array of this dtype and shape. */
export function npyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Version 1.0 header length is uint16; fall back to 2.0 for huge headers (never in practice).
  const version = dict.length + 11 > 0xffff ? 2 : 1;
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - pre - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, dict.length, true);
  else view.setUint32(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[pre + i] = dict.charCodeAt(i);
  return out;
}

export function encodeNpy(array: NpyArray): Uint8Array {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count) {
    throw new NpyFormatError(`data has ${array.data.length} elements but shape ${JSON.stringify(array.shape)} needs ${count}`);
  }
  const header = npyHeader(array.dtype, array.shape);
  const body = new Uint8Array(array.data.buffer, array.data.byteOffset, count * BYTES[array.dtype]);
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length); // typed arrays are little-endian on every platform Node runs on
  return out;
}

/** float32 [rows, cols] convenience. */
export function encodeNpyFloat32(data: Float32Array, rows: number, cols: number): Uint8Array {
  return encodeNpy({ dtype: 'float32', shape: [rows, cols], data });
}

/** A parsed .npy header: dtype, shape and where the data starts (for reading large files in blocks). */
export interface NpyHeaderInfo {
  dtype: NpyDtype;
  shape: number[];
  dataOffset: number;
}

/** Parses the header at the start of `bytes` (which needs to hold only the header). */
export function decodeNpyHeader(bytes: Uint8Array): NpyHeaderInfo {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new NpyFormatError('not a .npy file (bad magic)');
  const version = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let pre: number;
  if (version === 1) {
    headerLen = view.getUint16(8, true);
    pre = 10;
  } else if (version === 2 || version === 3) {
    headerLen = view.getUint32(8, true);
    pre = 12;
  } else {
    throw new NpyFormatError(`unsupported .npy version ${version}`);
  }
  if (pre + headerLen > bytes.length) throw new NpyFormatError('truncated .npy header');
  const header = new TextDecoder('latin1').decode(bytes.subarray(pre, pre + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new NpyFormatError(`malformed .npy header: ${header.trim()}`);
  if (fortran === 'True') throw new NpyFormatError('Fortran-ordered .npy arrays are not supported; save with np.ascontiguousarray');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw new NpyFormatError(`bad shape entry ${s}`);
      return n;
    });
  const dtype = (Object.keys(DESCR) as NpyDtype[]).find((d) => DESCR[d] === descr || DESCR[d].replace('<', '=') === descr);
  if (!dtype) throw new NpyFormatError(`unsupported dtype ${descr} (use float32, float64, uint8, bool, int32 or int64, little-endian)`);
  return { dtype, shape, dataOffset: pre + headerLen };
}

/** Bytes per element of a dtype. */
export const npyItemBytes = (dtype: NpyDtype): number => BYTES[dtype];

export function decodeNpy(bytes: Uint8Array): NpyArray {
  const { dtype, shape, dataOffset: start } = decodeNpyHeader(bytes);
  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * BYTES[dtype];
  if (bytes.length - start < need) throw new NpyFormatError(`truncated .npy data: need ${need} bytes, have ${bytes.length - start}`);
  // Copy so the result is aligned and independent of the input buffer.
  // (Buffer.slice does not copy, so copy explicitly.)
  const raw = new Uint8Array(need);
  raw.set(bytes.subarray(start, start + need));
  const buf = raw.buffer;
  const data =
    dtype === 'float32'
      ? new Float32Array(buf)
      : dtype === 'float64'
        ? new Float64Array(buf)
        : dtype === 'int32'
          ? new Int32Array(buf)
          : dtype === 'int64'
            ? new BigInt64Array(buf)
            : new Uint8Array(buf);
  return { dtype, shape, data };
}

/** Decodes a 2-D float .npy as float32 [rows, cols] (float64 is converted). */
export function decodeNpyMatrix(bytes: Uint8Array): { data: Float32Array; rows: number; cols: number } {
  const arr = decodeNpy(bytes);
  if (arr.shape.length !== 2) throw new NpyFormatError(`expected a 2-D array, got shape ${JSON.stringify(arr.shape)}`);
  const [rows, cols] = arr.shape as [number, number];
  if (arr.dtype === 'float32') return { data: arr.data as Float32Array, rows, cols };
  if (arr.dtype === 'float64') return { data: Float32Array.from(arr.data as Float64Array), rows, cols };
  throw new NpyFormatError(`expected float32 or float64, got ${arr.dtype}`);
}
