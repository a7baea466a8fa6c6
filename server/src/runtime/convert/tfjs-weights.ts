// Reads tfjs weight manifests (graph models and face-api's layer models) from local files and
// dequantizes them (float16, uint8/uint16 affine) to plain typed arrays — no tfjs needed.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FailedPreconditionError } from '../../shared/errors.js';

export interface WeightEntry {
  name: string;
  shape: number[];
  /** float32, int32 (bool and others are refused). */
  dtype: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}
export interface WeightGroup {
  paths: string[];
  weights: WeightEntry[];
}
export interface ConstTensor {
  dims: number[];
  data: Float32Array | Int32Array;
}

export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new FailedPreconditionError(`model file ${file}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new FailedPreconditionError(`model file ${file}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** IEEE half → float (subnormals, inf and NaN included). */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** One weight group's shards (paths relative to `dir`), concatenated. */
export async function readShards(paths: string[], dir: string, file: string): Promise<Buffer> {
  const shards: Buffer[] = [];
  for (const p of paths) {
    const path = join(dir, p);
    try {
      shards.push(await readFile(path));
    } catch (error) {
      throw new FailedPreconditionError(`model file ${file}: cannot read weight shard ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  return Buffer.concat(shards);
}

/** Loads every weight of `manifest` (paths relative to the manifest file's folder) by name. */
export async function readWeights(manifest: WeightGroup[], file: string): Promise<Map<string, ConstTensor>> {
  const dir = dirname(file);
  const out = new Map<string, ConstTensor>();
  for (const group of manifest) {
    const buf = await readShards(group.paths, dir, file);
    let off = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      const bytes = q ? (q.dtype === 'uint8' ? 1 : 2) : 4;
      if (off + n * bytes > buf.length) throw new FailedPreconditionError(`model file ${file}: weight ${w.name} runs past the end of its shards`);
      let data: Float32Array | Int32Array;
      if (w.dtype === 'int32' && !q) {
        data = new Int32Array(n);
        for (let i = 0; i < n; i++) data[i] = buf.readInt32LE(off + 4 * i);
      } else if (w.dtype === 'float32' || w.dtype === 'int32') {
        const f = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          if (!q) f[i] = buf.readFloatLE(off + 4 * i);
          else if (q.dtype === 'float16') f[i] = halfToFloat(buf.readUInt16LE(off + 2 * i));
          else f[i] = (q.dtype === 'uint8' ? buf.readUInt8(off + i) : buf.readUInt16LE(off + 2 * i)) * (q.scale ?? 1) + (q.min ?? 0);
        }
        data = w.dtype === 'int32' ? Int32Array.from(f, Math.round) : f;
      } else {
        throw new FailedPreconditionError(`model file ${file}: weight ${w.name} has unsupported dtype ${w.dtype}`);
      }
      out.set(w.name, { dims: w.shape, data });
      off += n * bytes;
    }
  }
  return out;
}

/** HWIO (tfjs conv filter) → OIHW (ONNX Conv weight). */
export function hwioToOihw(t: ConstTensor): ConstTensor {
  const [kh = 1, kw = 1, ci = 1, co = 1] = t.dims;
  const src = t.data;
  const out = new Float32Array(src.length);
  for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) {
    out[((o * ci + i) * kh + h) * kw + w] = src[((h * kw + w) * ci + i) * co + o] ?? 0;
  }
  return { dims: [co, ci, kh, kw], data: out };
}

/** Depthwise HWCM filter → grouped-conv weight [C·M, 1, H, W] (output channel c·M + m). */
export function depthwiseToOihw(t: ConstTensor): ConstTensor {
  const [kh = 1, kw = 1, c = 1, m = 1] = t.dims;
  const src = t.data;
  const out = new Float32Array(src.length);
  for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) for (let i = 0; i < c; i++) for (let j = 0; j < m; j++) {
    out[((i * m + j) * kh + h) * kw + w] = src[((h * kw + w) * c + i) * m + j] ?? 0;
  }
  return { dims: [c * m, 1, kh, kw], data: out };
}
