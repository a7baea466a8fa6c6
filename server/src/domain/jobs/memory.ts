// Memory admission: each job's peak memory is estimated from its shape before it is accepted
// (a request that would not fit must be refused up front, not die late with INTERNAL or take the
// process down), and the running jobs' estimates share limits.memoryBudgetBytes.
import { totalmem } from 'node:os';

export interface MemoryEstimate {
  bytes: number;
  /** What was estimated, for the refusal message (e.g. "Pack 1000000 × 512, fast, no gallery"). */
  what: string;
}

const MiB = 1024 * 1024;
/** Per-job overhead: block buffers, event log, encoders. */
const BASE = 32 * MiB;

/**
 * Pack: the iterate, the best iterate, the optimiser state (Adam m and v, gradient or search
 * direction) and one serialisation buffer (checkpoint / result .npy) are N × D float32 each; the
 * fast mode's neighbour candidates are N × 64 × (index + cosine); a gallery is held about 3 times
 * (file bytes, decoded, normalised copy).
 */
export function estimatePack(shape: { identities: number; dim: number; mode: string; galleryRows: number }): MemoryEstimate {
  const nd = shape.identities * shape.dim * 4;
  // mode code holds the rows once (written out in views; the rotation runs in blocks)
  if (shape.mode === 'code') return { bytes: nd + BASE, what: `Pack ${shape.identities} × ${shape.dim}, code, no gallery` };
  const bytes = 6 * nd + (shape.mode === 'fast' ? shape.identities * 64 * 8 : 0) + 3 * shape.galleryRows * shape.dim * 4 + BASE;
  return { bytes, what: `Pack ${shape.identities} × ${shape.dim}, ${shape.mode}, ${shape.galleryRows > 0 ? `gallery of ${shape.galleryRows}` : 'no gallery'}` };
}

/** Generate: the identities about 3 times (file, decoded, job copy) plus the faces rendered ahead (raw + encoded, a few copies each). */
export function estimateGenerate(shape: { identities: number; dim: number; ahead: number; imageSize: number }): MemoryEstimate {
  const side = shape.imageSize || 256;
  const bytes = 3 * shape.identities * shape.dim * 4 + shape.ahead * side * side * 3 * 4 + BASE;
  return { bytes, what: `Generate from ${shape.identities} × ${shape.dim} identities, ${shape.ahead} faces ahead at ${side} px` };
}

/** Evaluation: embeddings of every sample (and its flip) at a recognizer's largest dimension, plus the pair lists. */
export function estimateEvaluation(shape: { samples: number; pairs: number; fileBytes?: number; parseHeapBytes?: number }): MemoryEstimate {
  // The files it parses: their bytes, once read, plus what parsing them may take (the parse fence's heap).
  const files = (shape.fileBytes ?? 0) + (shape.parseHeapBytes ?? 0);
  const bytes = shape.samples * 2 * 4096 * 4 + shape.pairs * 24 + files + 4 * BASE;
  return { bytes, what: `evaluation of up to ${shape.samples} samples and ${shape.pairs} pairs${files > 0 ? `, reading ${formatBytes(shape.fileBytes ?? 0)} of lists` : ''}` };
}

/** limits.memoryBudgetBytes, where 0 = half the memory this process may use (cgroup limit or RAM). */
export function resolveMemoryBudget(configured: number): { bytes: number; automatic: boolean } {
  if (configured > 0) return { bytes: configured, automatic: false };
  const limit = process.constrainedMemory?.() ?? 0;
  const usable = limit > 0 && limit < totalmem() ? limit : totalmem();
  return { bytes: Math.floor(usable / 2), automatic: true };
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * MiB ? `${(bytes / (1024 * MiB)).toFixed(1)} GiB` : `${Math.ceil(bytes / MiB)} MiB`;
}
