// A float .npy matrix named by a request (gallery, identities, embeddings, references), read
// through FileGuard: confined, regular file, size-capped, cancellable. A malformed file is the
// caller's INVALID_ARGUMENT, never INTERNAL.
import { decodeNpyMatrix, NpyFormatError } from '@hyperface/sdk/npy';
import { InvalidArgumentError } from '../errors.js';
import { MAX_BYTES } from './read-limits.js';
import { clip, type FileGuard } from './safe-files.js';

export interface NpyMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export async function readNpyMatrix(files: FileGuard, path: string, field: string, signal?: AbortSignal): Promise<NpyMatrix> {
  const bytes = await files.read(path, { maxBytes: MAX_BYTES.npy, field, ...(signal ? { signal } : {}) });
  try {
    return decodeNpyMatrix(bytes);
  } catch (error) {
    if (error instanceof NpyFormatError || error instanceof RangeError) throw new InvalidArgumentError({ field, description: clip(error.message) }, { cause: error });
    throw error;
  }
}
