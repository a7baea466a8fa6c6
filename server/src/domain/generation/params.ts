// Generate request parameters: the one place their defaults and validation live. Field names in
// errors are the proto's snake_case paths (hyperface.v1.GenerateRequest).
import { InvalidArgumentError, type FieldViolation } from '../../shared/errors.js';
import type { VariationSettings } from '../../runtime/models/types.js';
import { mix32 } from '../../util/hash.js';

export interface IdentityMatrix {
  /** Row-major float32 [rows, dim]. */
  data: Float32Array;
  rows: number;
  dim: number;
}

export interface GenerateParams {
  identities: IdentityMatrix;
  /** K >= 1 samples per identity. */
  imagesPerIdentity: number;
  /** Base seed (non-negative integer <= 2^53 - 1). @default 0 */
  seed: number;
  /** Generator model name; undefined/empty = the repository's default. */
  generator?: string;
  variation: VariationSettings;
  /** First identity row rendered. @default 0 */
  identityOffset: number;
  /** Identities rendered from the offset; 0 = to the end. @default 0 */
  identityCount: number;
  /** Embed every generated face and report its cosine to the reference. @default false */
  includeEmbedding: boolean;
  /** Recognizer for includeEmbedding / minCosine; undefined/empty = the repository's default. */
  recognizer?: string;
  /** Consistency filter threshold in [-1, 1]; undefined = no filter. */
  minCosine?: number;
  /** Extra attempts when below minCosine (or too close to a real identity). @default 4 (proto: 0 = 4) */
  maxRetries: number;
  /**
   * Privacy guard: unit rows [count, dim] of real identities in the recognizer's space. An attempt
   * whose embedding comes within minAngleDeg of a row is rejected and resampled.
   */
  exclude?: { rows: Float32Array; count: number; dim: number; minAngleDeg: number };
}

/** Everything optional except the identities, as a handler or CLI has it. */
export type GenerateParamsInput = Partial<Omit<GenerateParams, 'variation' | 'identities'>> & {
  identities: IdentityMatrix;
  variation?: Partial<VariationSettings>;
};

/** Variation defaults (proto Variation). */
export const DEFAULT_VARIATION: Readonly<VariationSettings> = Object.freeze({
  beta: 0.02,
  pose: 0.5,
  color: 0.5,
  background: 0.5,
  accessories: 0.3,
});
export const DEFAULT_MAX_RETRIES = 4;
export const DEFAULT_IMAGES_PER_IDENTITY = 1;
export const MAX_RETRIES_LIMIT = 100;
/** Default for `limits.maxImagesPerIdentity`. */
export const DEFAULT_MAX_IMAGES_PER_IDENTITY = 10_000;

function pick<T>(v: T | undefined | null, fallback: T): T {
  return v === undefined || v === null ? fallback : v;
}

/** Fills defaults (`maxRetries` 0 counts as unset, as in the proto). Does not validate. */
export function withGenerateDefaults(input: GenerateParamsInput): GenerateParams {
  const v = input.variation ?? {};
  const params: GenerateParams = {
    identities: input.identities,
    imagesPerIdentity: pick(input.imagesPerIdentity, DEFAULT_IMAGES_PER_IDENTITY),
    seed: pick(input.seed, 0),
    variation: {
      beta: pick(v.beta, DEFAULT_VARIATION.beta),
      pose: pick(v.pose, DEFAULT_VARIATION.pose),
      color: pick(v.color, DEFAULT_VARIATION.color),
      background: pick(v.background, DEFAULT_VARIATION.background),
      accessories: pick(v.accessories, DEFAULT_VARIATION.accessories),
    },
    identityOffset: pick(input.identityOffset, 0),
    identityCount: pick(input.identityCount, 0),
    includeEmbedding: pick(input.includeEmbedding, false),
    maxRetries: input.maxRetries ? input.maxRetries : DEFAULT_MAX_RETRIES,
  };
  if (input.generator) params.generator = input.generator;
  if (input.recognizer) params.recognizer = input.recognizer;
  if (input.minCosine !== undefined && input.minCosine !== null) params.minCosine = input.minCosine;
  return params;
}

const isInt = (x: number): boolean => Number.isInteger(x);

/** Validates filled params; throws one InvalidArgumentError listing every violation. */
/** Most samples (identities × images) one Generate may produce (limits.maxGenerateImages). */
export const DEFAULT_MAX_GENERATE_IMAGES = 100_000_000;

/** Limits a request is checked against (limits.maxImagesPerIdentity, limits.maxGenerateImages). */
export interface GenerateLimits {
  maxImagesPerIdentity?: number;
  maxImages?: number;
}

/** The parameters of a request without its identities (filled by withGenerateDefaults). */
export type RequestParams = Omit<GenerateParams, 'identities'>;

/**
 * The checks that need no identities: run once, where the request is decoded (transport), before
 * any file is read. The identities' checks follow in identityViolations once they are read.
 */
export function requestParamViolations(params: RequestParams, limits: GenerateLimits = {}): FieldViolation[] {
  const out: FieldViolation[] = [];
  const bad = (field: string, description: string): void => {
    out.push({ field, description });
  };
  const maxK = limits.maxImagesPerIdentity ?? DEFAULT_MAX_IMAGES_PER_IDENTITY;
  if (!isInt(params.imagesPerIdentity) || params.imagesPerIdentity < 1 || params.imagesPerIdentity > maxK) {
    bad('images_per_identity', `must be an integer in [1, ${maxK}]`);
  }
  if (!isInt(params.seed) || params.seed < 0 || params.seed > Number.MAX_SAFE_INTEGER) bad('seed', 'must be an integer in [0, 2^53 - 1]');
  for (const key of ['beta', 'pose', 'color', 'background', 'accessories'] as const) {
    const x = params.variation[key];
    if (!Number.isFinite(x) || x < 0 || x > 1) bad(`variation.${key}`, 'must be in [0, 1]');
  }
  if (!isInt(params.identityOffset) || params.identityOffset < 0) bad('identity_offset', 'must be a non-negative integer');
  if (!isInt(params.identityCount) || params.identityCount < 0) bad('identity_count', 'must be a non-negative integer');
  if (params.minCosine !== undefined && (!Number.isFinite(params.minCosine) || params.minCosine < -1 || params.minCosine > 1)) {
    bad('min_cosine', 'must be in [-1, 1]');
  }
  if (!isInt(params.maxRetries) || params.maxRetries < 0 || params.maxRetries > MAX_RETRIES_LIMIT) bad('max_retries', `must be an integer in [0, ${MAX_RETRIES_LIMIT}]`);
  return out;
}

/** The checks against the identities (rows usable, offset and count inside them, total samples): once they are read. */
export function identityViolations(params: GenerateParams, limits: GenerateLimits = {}, requestFailed = false): FieldViolation[] {
  const out: FieldViolation[] = [];
  const bad = (field: string, description: string): void => {
    out.push({ field, description });
  };
  const { identities } = params;
  if (!isInt(identities.rows) || identities.rows < 1) bad('embeddings', 'needs at least one identity row');
  if (!isInt(identities.dim) || identities.dim < 1) bad('embeddings', 'needs a positive embedding dimension');
  if (identities.data.length !== identities.rows * identities.dim) {
    bad('embeddings', `has ${identities.data.length} values, expected rows x dim = ${identities.rows} x ${identities.dim}`);
  } else {
    for (let r = 0; r < identities.rows; r++) {
      let norm = 0;
      let finite = true;
      for (let j = 0; j < identities.dim; j++) {
        const x = identities.data[r * identities.dim + j] ?? 0;
        if (!Number.isFinite(x)) finite = false;
        norm += x * x;
      }
      if (!finite) {
        bad('embeddings', `row ${r} contains NaN or infinite values`);
        break;
      }
      if (norm === 0) {
        bad('embeddings', `row ${r} is all zeros`);
        break;
      }
    }
  }
  const offsetOk = isInt(params.identityOffset) && params.identityOffset >= 0;
  if (offsetOk && params.identityOffset >= identities.rows) bad('identity_offset', `must be < the number of identities (${identities.rows})`);
  else if (offsetOk && isInt(params.identityCount) && params.identityCount >= 0 && params.identityOffset + params.identityCount > identities.rows) {
    bad('identity_count', `identity_offset + identity_count = ${params.identityOffset + params.identityCount} exceeds the ${identities.rows} identities`);
  }
  // One job's samples (identities × images): bounds its run time, manifest and RecordIO index.
  const ids = isInt(params.identityCount) && params.identityCount > 0 ? params.identityCount : Math.max(0, identities.rows - (isInt(params.identityOffset) ? params.identityOffset : 0));
  const maxImages = limits.maxImages ?? DEFAULT_MAX_GENERATE_IMAGES;
  if (!requestFailed && out.length === 0 && ids * params.imagesPerIdentity > maxImages) {
    bad('images_per_identity', `${ids} identities × ${params.imagesPerIdentity} images = ${ids * params.imagesPerIdentity} samples, over the limit of ${maxImages} (limits.maxGenerateImages)`);
  }
  return out;
}

/** Both checks at once, for callers that hold a whole request (tests, in-process tools). */
export function validateGenerateParams(params: GenerateParams, limits: GenerateLimits = {}): GenerateParams {
  const request = requestParamViolations(params, limits);
  const out = [...request, ...identityViolations(params, limits, request.length > 0)];
  if (out.length > 0) throw new InvalidArgumentError(out);
  return params;
}

/** Identity rows [start, end) a request covers. */
export function identityRange(params: GenerateParams): { start: number; end: number } {
  const start = params.identityOffset;
  const end = params.identityCount === 0 ? params.identities.rows : Math.min(params.identities.rows, start + params.identityCount);
  return { start, end };
}

/** Number of samples a request yields (before skipping). */
export function planSize(params: GenerateParams): number {
  const { start, end } = identityRange(params);
  return Math.max(0, end - start) * params.imagesPerIdentity;
}

/**
 * The seed that renders sample `sample` of identity `identity` on attempt `attempt` (0 = first try):
 * a stable uint32 hash of (baseSeed, identity, sample, attempt) only. Part of the dataset format:
 * changing it changes every generated dataset.
 */
export function sampleSeed(baseSeed: number, identity: number, sample: number, attempt: number): number {
  const lo = baseSeed % 0x1_0000_0000;
  const hi = Math.floor(baseSeed / 0x1_0000_0000);
  let h = 0x2545f491;
  for (const w of [lo, hi, identity, sample, attempt]) h = mix32((h ^ mix32(w >>> 0)) + 0x9e3779b9);
  return h >>> 0;
}
