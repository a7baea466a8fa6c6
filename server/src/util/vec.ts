// Dense vector helpers shared by every layer (packing, generation, evaluation, recognizer backends):
// the one dot product and the one row normaliser.

export type Floats = Float32Array | Float64Array;

/** Σ a[ao+c]·b[bo+c] for c < d; four partial sums (the packing loops call it O(N²) times). */
export function dot(a: Floats, ao: number, b: Floats, bo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let c = 0;
  for (; c + 3 < d; c += 4) {
    s0 += a[ao + c]! * b[bo + c]!;
    s1 += a[ao + c + 1]! * b[bo + c + 1]!;
    s2 += a[ao + c + 2]! * b[bo + c + 2]!;
    s3 += a[ao + c + 3]! * b[bo + c + 3]!;
  }
  for (; c < d; c++) s0 += a[ao + c]! * b[bo + c]!;
  return s0 + s1 + s2 + s3;
}

/**
 * L2-normalises each `dim`-long row of `x` in place and returns `x`. A zero row stays zero, or
 * becomes e_0 with `zeroRow: 'e0'` (the packing needs every point on the sphere).
 */
export function normalizeRows<T extends Floats>(x: T, rows: number, dim: number, zeroRow: 'keep' | 'e0' = 'keep'): T {
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let s = 0;
    for (let c = 0; c < dim; c++) s += x[o + c]! * x[o + c]!;
    if (s === 0) {
      if (zeroRow === 'e0' && dim > 0) x[o] = 1;
      continue;
    }
    const inv = 1 / Math.sqrt(s);
    for (let c = 0; c < dim; c++) x[o + c]! *= inv;
  }
  return x;
}

/** A normalised float64 copy of the first `rows` rows (the input stays as it is). */
export function normalizedRows64(x: Floats | readonly number[], rows: number, dim: number): Float64Array {
  const out = new Float64Array(rows * dim);
  for (let i = 0; i < out.length; i++) out[i] = x[i]!;
  return normalizeRows(out, rows, dim);
}
