// Bounds on every count a request controls, checked while decoding (before any job, file or model
// is touched): a uint32 field set to 4294967295 must not become 4 billion iterations of work.
import { fromTensor } from '@hyperface/sdk/tensor';
import { InvalidArgumentError, type FieldViolation } from '../shared/errors.js';

/** The limits.* settings a request's counts are checked against (the daemon fills them from its config). */
export interface RequestBounds {
  /** limits.maxIdentities */
  maxIdentities: number;
  /** limits.maxImagesPerIdentity */
  maxImagesPerIdentity: number;
  /** limits.maxGallerySize: faces rendered and embedded for a builtin gallery. */
  maxGallerySize: number;
  /** limits.maxEvaluationPairs: pairs drawn by EvaluateDataset. */
  maxPairs: number;
}

/** Fixed bounds (not settings): more would be meaningless rather than expensive. */
export const MAX_FOLDS = 100;
/** progress_every / checkpoint_every: the largest `iterations` a Pack accepts. */
export const MAX_EVERY = 10_000_000;

/** Collects `field <= max` violations; throws them together. `setting` names the limit to raise. */
export class Bounds {
  private readonly violations: FieldViolation[] = [];

  check(field: string, value: number | null | undefined, max: number, setting?: string): this {
    if (value !== undefined && value !== null && value > max) this.violations.push({ field, description: `must be <= ${max}${setting ? ` (${setting})` : ''}` });
    return this;
  }

  done(): void {
    if (this.violations.length > 0) throw new InvalidArgumentError(this.violations);
  }
}

/**
 * The mapping of a decoded enum field. proto3 enums are open: a number this daemon does not know
 * arrives as that number, and must not silently take the default.
 */
export function enumOf<K extends string, V>(value: unknown, map: Record<K, V>, field: string): V {
  if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(map, value)) return map[value as K];
  throw new InvalidArgumentError({ field, description: `unknown value ${String(value).slice(0, 40)}; expected one of ${Object.keys(map).join(', ')}` });
}

/** A rank-2 wire tensor as a row-major matrix; a malformed one is INVALID_ARGUMENT naming `field`. */
export function matrixFromWire(tensor: Parameters<typeof fromTensor>[0], field: string): { data: Float32Array; rows: number; dim: number } {
  try {
    const t = fromTensor(tensor, 2);
    return { data: t.data, rows: t.shape[0]!, dim: t.shape[1]! };
  } catch (error) {
    throw new InvalidArgumentError({ field, description: (error as Error).message });
  }
}
