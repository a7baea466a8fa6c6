// Five-point face alignment: least-squares similarity transform (Umeyama, no reflection) from
// detected landmarks onto the ArcFace 112x112 template, and a bilinear inverse warp.

/** ArcFace template for a 112x112 crop: eyes (image left, image right), nose tip, mouth corners. */
export const ARCFACE_TEMPLATE_112: readonly (readonly [number, number])[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** The template scaled to a `size` x `size` crop. */
export function arcfaceTemplate(size = 112): [number, number][] {
  const k = size / 112;
  return ARCFACE_TEMPLATE_112.map(([x, y]) => [x * k, y * k]);
}

/** x' = a·x − b·y + tx ; y' = b·x + a·y + ty (rotation + uniform scale + translation). */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/**
 * The similarity transform minimising Σ‖T(src_i) − dst_i‖² (Umeyama 1991 restricted to
 * rotations — the closed form for 2-D similarities). `src`/`dst` are [x, y] pairs.
 */
export function estimateSimilarity(src: readonly (readonly [number, number])[], dst: readonly (readonly [number, number])[]): Similarity {
  const n = Math.min(src.length, dst.length);
  if (n < 2) throw new Error('need at least two point pairs');
  let sx = 0;
  let sy = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[i]![0];
    sy += src[i]![1];
    dx += dst[i]![0];
    dy += dst[i]![1];
  }
  sx /= n;
  sy /= n;
  dx /= n;
  dy /= n;
  let num1 = 0;
  let num2 = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const x = src[i]![0] - sx;
    const y = src[i]![1] - sy;
    const u = dst[i]![0] - dx;
    const v = dst[i]![1] - dy;
    num1 += x * u + y * v;
    num2 += x * v - y * u;
    den += x * x + y * y;
  }
  if (den < 1e-12) throw new Error('degenerate landmarks (all points coincide)');
  const a = num1 / den;
  const b = num2 / den;
  return { a, b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy) };
}

export function applySimilarity(t: Similarity, [x, y]: readonly [number, number]): [number, number] {
  return [t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty];
}

export function invertSimilarity(t: Similarity): Similarity {
  const d = t.a * t.a + t.b * t.b;
  const a = t.a / d;
  const b = -t.b / d;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/**
 * Warps an RGB HWC uint8 image with `t` (source → crop coordinates) into a `size` x `size` crop,
 * sampling bilinearly (pixel centres at integer coordinates, as cv2.warpAffine); outside = black.
 */
export function warpSimilarity(src: Uint8Array, width: number, height: number, t: Similarity, size: number, flip = false): Uint8Array {
  const inv = invertSimilarity(t);
  const out = new Uint8Array(size * size * 3);
  const row = width * 3;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = inv.a * x - inv.b * y + inv.tx;
      const sy = inv.b * x + inv.a * y + inv.ty;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const o = (y * size + (flip ? size - 1 - x : x)) * 3;
      const w0 = (1 - fx) * (1 - fy);
      const w1 = fx * (1 - fy);
      const w2 = (1 - fx) * fy;
      const w3 = fx * fy;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) {
        // All four neighbours inside (the common case): no per-sample bounds checks; values are
        // non-negative, so adding 0.5 and truncating is Math.round.
        const p0 = (y0 * width + x0) * 3;
        const p2 = p0 + row;
        out[o] = w0 * src[p0]! + w1 * src[p0 + 3]! + w2 * src[p2]! + w3 * src[p2 + 3]! + 0.5;
        out[o + 1] = w0 * src[p0 + 1]! + w1 * src[p0 + 4]! + w2 * src[p2 + 1]! + w3 * src[p2 + 4]! + 0.5;
        out[o + 2] = w0 * src[p0 + 2]! + w1 * src[p0 + 5]! + w2 * src[p2 + 2]! + w3 * src[p2 + 5]! + 0.5;
        continue;
      }
      const ws = [w0, w1, w2, w3];
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let k = 0; k < 4; k++) {
          const xx = x0 + (k & 1);
          const yy = y0 + (k >> 1);
          if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
          acc += ws[k]! * (src[(yy * width + xx) * 3 + c] ?? 0);
        }
        out[o + c] = Math.round(acc);
      }
    }
  }
  return out;
}

/** Mirrors an RGB HWC square crop horizontally. */
export function flipHorizontal(src: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const s = (y * size + x) * 3;
      const d = (y * size + (size - 1 - x)) * 3;
      out[d] = src[s] ?? 0;
      out[d + 1] = src[s + 1] ?? 0;
      out[d + 2] = src[s + 2] ?? 0;
    }
  }
  return out;
}

/**
 * Aligns a face given five landmarks (x0, y0, … x4, y4 in source pixels: eyes, nose, mouth corners)
 * onto the ArcFace template scaled to `size`.
 */
export function alignFace(src: Uint8Array, width: number, height: number, landmarks: readonly number[], size = 112): { crop: Uint8Array; transform: Similarity } {
  const pts: [number, number][] = [];
  for (let i = 0; i < 5; i++) pts.push([landmarks[2 * i] ?? 0, landmarks[2 * i + 1] ?? 0]);
  const transform = estimateSimilarity(pts, arcfaceTemplate(size));
  return { crop: warpSimilarity(src, width, height, transform, size), transform };
}
