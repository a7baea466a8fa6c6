// Bounds on what a request-controlled file may make the daemon read or allocate. The counts come
// from the configuration (limits.maxEvaluationPairs, limits.maxDatasetSamples); the byte caps are
// fixed: well above any real benchmark or dataset file, well below what would exhaust memory.
import { constants } from 'node:buffer';
import { InvalidArgumentError } from '../../shared/errors.js';

export interface ReadLimits {
  /** Verification pairs in one source (.bin, pairs.txt, .npy labels); also EvaluateDataset `pairs`. */
  maxPairs: number;
  /** Images listed by one dataset (RecordIO header / idx, manifest rows, image folder). */
  maxSamples: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { maxPairs: 1_000_000, maxSamples: 10_000_000 };

const MiB = 1 << 20;

/** Size caps (bytes) for files read on behalf of a request. */
export const MAX_BYTES = {
  /** One encoded image (a dataset image, an LFW photo, a gallery image, one .bin entry). */
  image: 64 * MiB,
  /** A .npy read whole (galleries, embeddings, references): the largest Buffer Node can hold. */
  npy: constants.MAX_LENGTH,
  /** Text read whole (pairs.txt, train.idx, manifest.jsonl): below V8's longest string. */
  text: 512 * MiB - 1,
  /** A JSON sidecar next to a .npy. */
  sidecar: 16 * MiB,
  /** Streamed files (.bin, train.rec): read in chunks, never whole. */
  streamed: Number.MAX_SAFE_INTEGER,
} as const;

/** Fails with INVALID_ARGUMENT when a count a file or request claims is not an integer in 0..max. */
export function boundCount(n: number, max: number, field: string, what: string, setting?: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError({ field, description: `${what}: ${String(n).slice(0, 40)} is not a count` });
  if (n > max) throw new InvalidArgumentError({ field, description: `${what}: ${n} is over the limit of ${max}${setting ? ` (${setting})` : ''}` });
  return n;
}
