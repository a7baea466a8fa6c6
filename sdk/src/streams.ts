// Helpers over the client's streams: collect a packing result, batch a generation stream for a
// training loop, read and write .npy files.
import { open, readFile } from 'node:fs/promises';
import { decodeNpyMatrix, npyHeader } from './npy.js';
import { fromTensor } from './tensor.js';
import type { PackEvent__Output } from './gen/hyperface/v1/PackEvent.js';
import type { PackResult__Output } from './gen/hyperface/v1/PackResult.js';
import type { PackProgress__Output } from './gen/hyperface/v1/PackProgress.js';
import type { GenerateEvent__Output } from './gen/hyperface/v1/GenerateEvent.js';
import type { GenerateSummary__Output } from './gen/hyperface/v1/GenerateSummary.js';
import type { FaceSample__Output } from './gen/hyperface/v1/FaceSample.js';

export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export async function readNpy(path: string): Promise<Matrix> {
  return decodeNpyMatrix(new Uint8Array(await readFile(path)));
}

export async function writeNpy(path: string, m: Matrix): Promise<void> {
  // header, then the rows in views: a result of gigabytes is not copied a second time
  const fh = await open(path, 'w');
  try {
    await fh.write(npyHeader('float32', [m.rows, m.cols]));
    const bytes = new Uint8Array(m.data.buffer, m.data.byteOffset, m.rows * m.cols * 4);
    for (let off = 0; off < bytes.length; ) off += (await fh.write(bytes, off, Math.min(256 << 20, bytes.length - off))).bytesWritten;
  } finally {
    await fh.close();
  }
}

export interface PackOutcome {
  jobId: string;
  result: PackResult__Output;
  /** The packed embeddings when the request set stream_embeddings. */
  embeddings?: Matrix;
}

/**
 * Consumes a Pack stream: calls `onProgress` for progress events, assembles TensorChunks,
 * returns the result. Throws when the stream ends without a PackResult.
 */
export async function collectPack(stream: AsyncIterable<PackEvent__Output>, onProgress?: (p: PackProgress__Output) => void): Promise<PackOutcome> {
  let jobId = '';
  let data: Float32Array | undefined;
  let cols = 0;
  let rows = 0;
  for await (const event of stream) {
    if (event.accepted) jobId = event.accepted.jobId;
    else if (event.progress) onProgress?.(event.progress);
    else if (event.chunk) {
      const part = fromTensor(event.chunk.rows, 2);
      const [n, d] = part.shape as [number, number];
      rows = event.chunk.totalRows;
      cols = d;
      data ??= new Float32Array(rows * cols);
      data.set(part.data, event.chunk.rowOffset * cols);
      void n;
    } else if (event.result) {
      return { jobId: jobId || event.result.jobId, result: event.result, embeddings: data ? { data, rows, cols } : undefined };
    }
  }
  throw new Error('the Pack stream ended without a result');
}

export interface FaceBatch {
  /** Identity label per face. */
  identities: Int32Array;
  samples: Int32Array;
  /** The FaceSample messages themselves (images, seeds, cosines). */
  faces: FaceSample__Output[];
}

/**
 * Groups a Generate stream into batches of `batchSize` faces (the last one may be smaller) —
 * the shape a training loop wants. Pulling lazily keeps the daemon's backpressure intact.
 */
export async function* faceBatches(stream: AsyncIterable<GenerateEvent__Output>, batchSize: number, onSummary?: (s: GenerateSummary__Output) => void): AsyncGenerator<FaceBatch> {
  let faces: FaceSample__Output[] = [];
  const flush = (): FaceBatch => {
    const batch = { identities: Int32Array.from(faces, (f) => f.identity), samples: Int32Array.from(faces, (f) => f.sample), faces };
    faces = [];
    return batch;
  };
  for await (const event of stream) {
    if (event.sample) {
      faces.push(event.sample);
      if (faces.length >= batchSize) yield flush();
    } else if (event.summary) onSummary?.(event.summary);
  }
  if (faces.length > 0) yield flush();
}
