// Detect-and-align for evaluation: the largest face of an encoded image, aligned to `size`.
import { NotFoundError } from '../../shared/errors.js';
import type { PreprocessPool } from './pool.js';

export type LargestFaceAligner = (encoded: Uint8Array, size: number, opts?: { signal?: AbortSignal }) => Promise<Uint8Array>;

export function largestFaceAligner(pool: PreprocessPool): LargestFaceAligner {
  return async (encoded, size, opts) => {
    const prepared = await pool.prepare({ encoded, aligned: false, largestFace: true, flip: false, size }, { signal: opts?.signal });
    const face = prepared.faces[0];
    if (!face) throw new NotFoundError('a face in the image');
    return face.crop;
  };
}
