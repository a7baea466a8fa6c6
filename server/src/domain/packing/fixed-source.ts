// Where fixed rows (an exclusion set, or the existing identities of an extension) come from: rows in
// memory, or a server-side .npy read in blocks so that a set of 1,000,000 × 512 never has to fit in
// memory at once. Every block is checked (finite, non-zero rows: INVALID_ARGUMENT naming the field)
// and normalised as it is read.
import { decodeNpyHeader, npyItemBytes, NpyFormatError } from '../../util/npy.js';
import { InvalidArgumentError, throwIfAborted } from '../../shared/errors.js';
import { MAX_BYTES } from '../files/read-limits.js';
import { clip, type FileGuard, type SafePath } from '../files/safe-files.js';

export interface FixedBlock {
  /** Index of the block's first row in the whole set. */
  start: number;
  rows: number;
  /** Unit rows [rows, dim]. */
  data: Float32Array;
}

export interface FixedSource {
  readonly rows: number;
  readonly dim: number;
  /** Request field named in errors (e.g. `exclude.npy_path`). */
  readonly field: string;
  /** Identifies the rows for checkpoint fingerprints. */
  readonly digest: string;
  /** The rows in order, in blocks of at most `blockRows`. */
  blocks(blockRows: number, signal?: AbortSignal): AsyncIterable<FixedBlock>;
  /** Unit rows at these (sorted) indices, [indices.length, dim]. */
  rowsAt(indices: ArrayLike<number>, signal?: AbortSignal): Promise<Float32Array>;
}

/** Checks and normalises rows in place; `start` numbers them in errors. */
function checkAndNormalise(data: Float32Array, rows: number, dim: number, start: number, field: string): void {
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let s = 0;
    for (let c = o; c < o + dim; c++) {
      const v = data[c]!;
      if (!Number.isFinite(v)) throw new InvalidArgumentError({ field, description: `row ${start + r} contains NaN or infinite values` });
      s += v * v;
    }
    if (s === 0) throw new InvalidArgumentError({ field, description: `row ${start + r} is all zeros` });
    const inv = 1 / Math.sqrt(s);
    for (let c = o; c < o + dim; c++) data[c]! *= inv;
  }
}

function checkShape(rows: number, dim: number, want: number, field: string): void {
  if (rows < 1) throw new InvalidArgumentError({ field, description: 'the set is empty (0 rows)' });
  if (want !== 0 && dim !== want) throw new InvalidArgumentError({ field, description: `rows have ${dim} dimensions, the packing has ${want}` });
}

/** Rows already in memory (inline rows, an embedded image folder): checked and normalised at once. */
export function memorySource(raw: Float32Array, rows: number, dim: number, wantDim: number, field: string): FixedSource {
  checkShape(rows, dim, wantDim, field);
  if (raw.length !== rows * dim) throw new InvalidArgumentError({ field, description: `expected ${rows * dim} values for [${rows}, ${dim}], got ${raw.length}` });
  const data = raw.slice(0, rows * dim);
  checkAndNormalise(data, rows, dim, 0, field);
  let h = 2166136261;
  for (let i = 0; i < data.length; i += Math.max(1, Math.floor(data.length / 4096))) h = Math.imul(h ^ Math.round(data[i]! * 1e6), 16777619) >>> 0;
  return {
    rows,
    dim,
    field,
    digest: `mem:${rows}x${dim}:${h.toString(16)}`,
    async *blocks(blockRows: number) {
      for (let s = 0; s < rows; s += blockRows) {
        const b = Math.min(blockRows, rows - s);
        yield { start: s, rows: b, data: data.subarray(s * dim, (s + b) * dim) };
      }
    },
    rowsAt(indices: ArrayLike<number>) {
      const out = new Float32Array(indices.length * dim);
      for (let k = 0; k < indices.length; k++) out.set(data.subarray(indices[k]! * dim, indices[k]! * dim + dim), k * dim);
      return Promise.resolve(out);
    },
  };
}

/**
 * A server-side float32/float64 [M, D] .npy, read in blocks through the FileGuard (confined, regular
 * file). Only the header is read here; rows are checked as blocks stream (`validate` runs one pass now).
 */
export async function npyFileSource(files: FileGuard, path: SafePath, wantDim: number, field: string, signal?: AbortSignal): Promise<FixedSource> {
  const handle = await files.openRead(path, { maxBytes: MAX_BYTES.streamed, field, ...(signal ? { signal } : {}) });
  let rows: number;
  let dim: number;
  let itemBytes: number;
  let f64: boolean;
  let dataOffset: number;
  let size: number;
  let mtime: number;
  try {
    const st = await handle.stat();
    size = st.size;
    mtime = st.mtimeMs;
    const head = new Uint8Array(Math.min(size, 65536));
    await handle.read(head, 0, head.length, 0);
    let h;
    try {
      h = decodeNpyHeader(head);
    } catch (error) {
      if (error instanceof NpyFormatError) throw new InvalidArgumentError({ field, description: clip(error.message) }, { cause: error });
      throw error;
    }
    if (h.shape.length !== 2) throw new InvalidArgumentError({ field, description: `expected a 2-D array [M, D], got shape ${JSON.stringify(h.shape)}` });
    if (h.dtype !== 'float32' && h.dtype !== 'float64') throw new InvalidArgumentError({ field, description: `expected float32 or float64, got ${h.dtype}` });
    [rows, dim] = h.shape as [number, number];
    itemBytes = npyItemBytes(h.dtype);
    f64 = h.dtype === 'float64';
    dataOffset = h.dataOffset;
    if (size - dataOffset < rows * dim * itemBytes) throw new InvalidArgumentError({ field, description: `truncated .npy data: [${rows}, ${dim}] needs ${rows * dim * itemBytes} bytes` });
  } finally {
    await handle.close();
  }
  checkShape(rows, dim, wantDim, field);
  const rowBytes = dim * itemBytes;
  const decode = (buf: Uint8Array, n: number): Float32Array => {
    const copy = buf.slice(0, n * rowBytes); // aligned
    return f64 ? Float32Array.from(new Float64Array(copy.buffer)) : new Float32Array(copy.buffer);
  };
  return {
    rows,
    dim,
    field,
    digest: `npy:${path}:${rows}x${dim}:${size}:${mtime}`,
    async *blocks(blockRows: number, sig?: AbortSignal) {
      const fh = await files.openRead(path, { maxBytes: MAX_BYTES.streamed, field, ...(sig ? { signal: sig } : {}) });
      try {
        const buf = new Uint8Array(Math.min(blockRows, rows) * rowBytes);
        for (let s = 0; s < rows; s += blockRows) {
          throwIfAborted(sig);
          const b = Math.min(blockRows, rows - s);
          const want = b * rowBytes;
          let got = 0;
          while (got < want) {
            const { bytesRead } = await fh.read(buf, got, want - got, dataOffset + s * rowBytes + got);
            if (bytesRead === 0) throw new InvalidArgumentError({ field, description: `${clip(path)} was truncated while it was read` });
            got += bytesRead;
          }
          const data = decode(buf, b);
          checkAndNormalise(data, b, dim, s, field);
          yield { start: s, rows: b, data };
        }
      } finally {
        await fh.close();
      }
    },
    async rowsAt(indices: ArrayLike<number>, sig?: AbortSignal) {
      const out = new Float32Array(indices.length * dim);
      const fh = await files.openRead(path, { maxBytes: MAX_BYTES.streamed, field, ...(sig ? { signal: sig } : {}) });
      try {
        const buf = new Uint8Array(rowBytes);
        for (let k = 0; k < indices.length; k++) {
          const r = indices[k]!;
          await fh.read(buf, 0, rowBytes, dataOffset + r * rowBytes);
          const row = decode(buf, 1);
          checkAndNormalise(row, 1, dim, r, field);
          out.set(row, k * dim);
        }
      } finally {
        await fh.close();
      }
      return out;
    },
  };
}

/** Reads every block once (checks every row): the request-time check of files small enough to read now. */
export async function validateSource(src: FixedSource, signal?: AbortSignal): Promise<void> {
  for await (const _ of src.blocks(16384, signal)) void _;
}
