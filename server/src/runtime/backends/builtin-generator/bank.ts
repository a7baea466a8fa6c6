// The identity bank of the builtin generator: M facesjs identities drawn offline from the renderer's
// own sampler, each stored with its recognizer embedding (canonical render, projected on the bank's
// top principal directions, int8). An identity embedding is decoded to the bank identity whose
// rendered face the recognizer places nearest to it: a recognizer-guided choice among M candidate
// decodings, made once offline, so rendering needs no recognizer. The MLP regresses to the mode of
// each head and collapses far-apart targets onto look-alike faces; the bank keeps the packed
// geometry because the chosen faces are the nearest *rendered* points to the targets.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DETAIL, DETAIL_COUNT } from './detail.js';
import { CATEGORICAL, NUMERIC_COUNT, type FaceParams } from './params.js';

/** /2 adds each entry's identity details (detail.ts); /1 banks (none) still load. */
export const BANK_FORMAT = 'hyperface-builtin-bank/2';
const BANK_FORMAT_V1 = 'hyperface-builtin-bank/1';

export interface BankManifest {
  format: typeof BANK_FORMAT | typeof BANK_FORMAT_V1;
  file: string;
  /** Number of identities M. */
  count: number;
  /** Embedding dimension (the recognizer's). */
  dim: number;
  /** Principal directions kept. */
  rank: number;
  /** Names of the detail columns (format /2; must match detail.ts). */
  detail?: string[];
  /** How the bank was drawn and embedded (informational). */
  source?: Record<string, unknown>;
}

export interface IdentityBank {
  count: number;
  dim: number;
  rank: number;
  /** [dim, rank] orthonormal columns, row-major. */
  basis: Float32Array;
  /** [count, rank] int8 codes; entry i's projected embedding = codes[i] × scales[i]. */
  codes: Int8Array;
  scales: Float32Array;
  /** [count, NUMERIC_COUNT] numeric parameters quantised to uint8 (value / 255). */
  numeric: Uint8Array;
  /** [count, categorical heads] option indices. */
  categorical: Uint8Array;
  /** [count, DETAIL_COUNT] identity details quantised to uint8 (value / 255); absent in /1 banks. */
  detail?: Uint8Array;
}

const HEADS = CATEGORICAL.length;

/** Numeric parameters on the bank's grid (what the bank's embeddings were rendered from). */
export function quantiseParams(p: FaceParams): FaceParams {
  const q = (a: Float32Array): Float32Array => Float32Array.from(a, (v) => Math.round(Math.max(0, Math.min(1, v)) * 255) / 255);
  return { numeric: q(p.numeric), categorical: Int32Array.from(p.categorical), ...(p.detail ? { detail: q(p.detail) } : {}) };
}

/** Bank entry i's identity parameters. */
export function bankParams(bank: IdentityBank, i: number): FaceParams {
  return {
    numeric: Float32Array.from(bank.numeric.subarray(i * NUMERIC_COUNT, (i + 1) * NUMERIC_COUNT), (v) => v / 255),
    categorical: Int32Array.from(bank.categorical.subarray(i * HEADS, (i + 1) * HEADS)),
    ...(bank.detail ? { detail: Float32Array.from(bank.detail.subarray(i * DETAIL_COUNT, (i + 1) * DETAIL_COUNT), (v) => v / 255) } : {}),
  };
}

/** Scores of every bank entry against an embedding (cosine up to the entries' projection residual). */
export function bankScores(bank: IdentityBank, x: Float32Array): Float32Array {
  const { dim, rank, basis, codes, scales, count } = bank;
  let n = 0;
  for (let i = 0; i < dim; i++) n += (x[i] ?? 0) ** 2;
  n = Math.sqrt(n) || 1;
  const z = new Float64Array(rank);
  for (let i = 0; i < dim; i++) {
    const v = (x[i] ?? 0) / n;
    if (v === 0) continue;
    const row = i * rank;
    for (let r = 0; r < rank; r++) z[r] = (z[r] ?? 0) + v * (basis[row + r] ?? 0);
  }
  const out = new Float32Array(count);
  for (let e = 0; e < count; e++) {
    let s = 0;
    const off = e * rank;
    for (let r = 0; r < rank; r++) s += (z[r] ?? 0) * (codes[off + r] ?? 0);
    out[e] = s * (scales[e] ?? 0);
  }
  return out;
}

/** The bank entry nearest to an embedding. */
export function nearestBankEntry(bank: IdentityBank, x: Float32Array): number {
  const s = bankScores(bank, x);
  let best = 0;
  for (let e = 1; e < s.length; e++) if ((s[e] ?? -Infinity) > (s[best] ?? -Infinity)) best = e;
  return best;
}

/** Builds a bank from full embeddings [count, dim] (rows L2-normalised) and a basis [dim, rank]. */
export function encodeBank(embeddings: Float32Array, dim: number, basis: Float32Array, rank: number, params: FaceParams[]): IdentityBank {
  const count = params.length;
  const codes = new Int8Array(count * rank);
  const scales = new Float32Array(count);
  const z = new Float64Array(rank);
  for (let e = 0; e < count; e++) {
    z.fill(0);
    for (let i = 0; i < dim; i++) {
      const v = embeddings[e * dim + i] ?? 0;
      for (let r = 0; r < rank; r++) z[r] = (z[r] ?? 0) + v * (basis[i * rank + r] ?? 0);
    }
    let max = 0;
    for (const v of z) max = Math.max(max, Math.abs(v));
    const scale = max / 127 || 1;
    scales[e] = scale;
    for (let r = 0; r < rank; r++) codes[e * rank + r] = Math.round((z[r] ?? 0) / scale);
  }
  const numeric = new Uint8Array(count * NUMERIC_COUNT);
  const categorical = new Uint8Array(count * HEADS);
  // details are stored when every entry has them (a bank of the richer sampler)
  const detail = params.every((p) => p.detail) ? new Uint8Array(count * DETAIL_COUNT) : undefined;
  const q = (v: number): number => Math.round(Math.max(0, Math.min(1, v)) * 255);
  params.forEach((p, e) => {
    p.numeric.forEach((v, k) => (numeric[e * NUMERIC_COUNT + k] = q(v)));
    p.categorical.forEach((v, k) => (categorical[e * HEADS + k] = v));
    if (detail) for (let k = 0; k < DETAIL_COUNT; k++) detail[e * DETAIL_COUNT + k] = q(p.detail?.[k] ?? 0.5);
  });
  return { count, dim, rank, basis, codes, scales, numeric, categorical, ...(detail ? { detail } : {}) };
}

/** Writes bank.bin: basis f32, scales f32, codes i8, numeric u8, categorical u8[, detail u8]. */
export async function saveBank(dir: string, bank: IdentityBank, source?: Record<string, unknown>): Promise<BankManifest> {
  const arrays = [bank.basis, bank.scales, bank.codes, bank.numeric, bank.categorical, ...(bank.detail ? [bank.detail] : [])];
  await writeFile(join(dir, 'bank.bin'), Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))));
  const base = { file: 'bank.bin', count: bank.count, dim: bank.dim, rank: bank.rank, ...(source ? { source } : {}) };
  return bank.detail ? { format: BANK_FORMAT, ...base, detail: DETAIL.map((d) => d.name) } : { format: BANK_FORMAT_V1, ...base };
}

export async function loadBank(dir: string, m: BankManifest): Promise<IdentityBank> {
  if (m.format !== BANK_FORMAT && m.format !== BANK_FORMAT_V1) throw new Error(`${dir}: unsupported bank format ${String(m.format)}`);
  const withDetail = m.format === BANK_FORMAT;
  if (withDetail && JSON.stringify(m.detail) !== JSON.stringify(DETAIL.map((d) => d.name))) throw new Error(`${dir}: bank details ${JSON.stringify(m.detail)} differ from this generator's; rebuild the bank`);
  const buf = await readFile(join(dir, m.file));
  const sizes = [m.dim * m.rank * 4, m.count * 4, m.count * m.rank, m.count * NUMERIC_COUNT, m.count * HEADS, withDetail ? m.count * DETAIL_COUNT : 0];
  if (buf.byteLength !== sizes.reduce((a, b) => a + b, 0)) throw new Error(`${dir}/${m.file}: ${buf.byteLength} bytes, expected ${sizes.reduce((a, b) => a + b, 0)}`);
  let off = 0;
  const take = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    out.set(buf.subarray(off, off + n));
    off += n;
    return out;
  };
  const basis = new Float32Array(take(sizes[0]!).buffer);
  const scales = new Float32Array(take(sizes[1]!).buffer);
  const codes = new Int8Array(take(sizes[2]!).buffer);
  const numeric = take(sizes[3]!);
  const categorical = take(sizes[4]!);
  const detail = withDetail ? take(sizes[5]!) : undefined;
  for (let e = 0; e < m.count; e++) {
    for (let h = 0; h < HEADS; h++) {
      if ((categorical[e * HEADS + h] ?? 0) >= (CATEGORICAL[h]?.options.length ?? 0)) throw new Error(`${dir}/${m.file}: entry ${e} head ${CATEGORICAL[h]?.name} out of range; rebuild the bank`);
    }
  }
  return { count: m.count, dim: m.dim, rank: m.rank, basis, codes, scales, numeric, categorical, ...(detail ? { detail } : {}) };
}
