// A float .npy matrix named by a request (gallery, identities, embeddings, references), read
// through FileGuard (confined, regular file, size-capped, cancellable) and decoded in a fenced
// worker. A malformed file is the caller's INVALID_ARGUMENT, never INTERNAL.
import type { FileGuard, SafePath } from './safe-files.js';
import { readNpyMatrixFile } from '../fence/files.js';

export interface NpyMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export async function readNpyMatrix(files: FileGuard, path: SafePath, field: string, signal?: AbortSignal): Promise<NpyMatrix> {
  return readNpyMatrixFile(path, { files, field, ...(signal ? { signal } : {}) });
}
