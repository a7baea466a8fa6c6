// GenerateRequest -> GenerateInput (decoded and checked once, here), and Generate job events and
// live samples (domain/generation/events.ts) -> GenerateEvent (the one place that knows both shapes).
import type { GenerateEvent } from '@hyperface/sdk/gen/hyperface/v1/GenerateEvent';
import type { GenerateRequest__Output } from '@hyperface/sdk/gen/hyperface/v1/GenerateRequest';
import type { FaceSample } from '@hyperface/sdk/gen/hyperface/v1/FaceSample';
import { toTensor } from '@hyperface/sdk/tensor';
import { InvalidArgumentError, type FieldViolation } from '../shared/errors.js';
import type { FaceSampleInfo, GenerateJobEvent } from '../domain/generation/events.js';
import { requestParamViolations, withGenerateDefaults } from '../domain/generation/params.js';
import type { GenerateInput, IdentitySource } from '../domain/services/generation.js';
import { enumOf, matrixFromWire, type RequestBounds } from './bounds.js';

const FORMATS = { IMAGE_FORMAT_UNSPECIFIED: 'png', IMAGE_FORMAT_PNG: 'png', IMAGE_FORMAT_JPEG: 'jpeg', IMAGE_FORMAT_RAW: 'raw' } as const;
const DATASETS = { DATASET_FORMAT_NONE: 'none', DATASET_FORMAT_IMAGEFOLDER: 'imagefolder', DATASET_FORMAT_RECORDIO: 'recordio' } as const;

/**
 * Every field of a GenerateRequest decoded and checked (formats, sizes, parameters against
 * limits.maxImagesPerIdentity). The domain checks only what needs the identities, once it has read them.
 */
export function decodeGenerateRequest(req: GenerateRequest__Output, bounds: Pick<RequestBounds, 'maxImagesPerIdentity'>): GenerateInput {
  const identities = identitiesOf(req);
  const v = req.variation;
  const variation: Record<string, number> = {};
  for (const key of ['beta', 'pose', 'color', 'background', 'accessories'] as const) {
    const x = v?.[key];
    if (x !== undefined && x !== null) variation[key] = x;
  }
  const params: GenerateInput['params'] = {
    imagesPerIdentity: req.imagesPerIdentity,
    seed: req.seed,
    variation,
    identityOffset: req.identityOffset,
    identityCount: req.identityCount,
    includeEmbedding: req.includeEmbedding || req.minCosine !== undefined,
    maxRetries: req.maxRetries,
  };
  if (req.generator) params.generator = req.generator;
  if (req.recognizer) params.recognizer = req.recognizer;
  if (req.minCosine !== undefined && req.minCosine !== null) params.minCosine = req.minCosine;
  if (req.imagesPerIdentity === 0) throw new InvalidArgumentError({ field: 'images_per_identity', description: 'must be >= 1' });
  const input: GenerateInput = {
    identities,
    params,
    format: enumOf(req.format, FORMATS, 'format'),
    jpegQuality: req.jpegQuality || 90,
    imageSize: req.imageSize,
    outputDir: req.outputDir || undefined,
    datasetFormat: enumOf(req.datasetFormat, DATASETS, 'dataset_format'),
    skipImages: req.skipImages,
    ...(req.excludePath ? { excludePath: req.excludePath } : {}),
    ...(req.excludeMinAngleDeg !== undefined && req.excludeMinAngleDeg !== null ? { excludeMinAngleDeg: req.excludeMinAngleDeg } : {}),
  };
  checkOutput(input);
  // The identities are not read yet: withGenerateDefaults needs a matrix, and no check here looks at it.
  const none = { data: new Float32Array(0), rows: 0, dim: 0 };
  const violations = requestParamViolations(withGenerateDefaults({ ...params, identities: none }), { maxImagesPerIdentity: bounds.maxImagesPerIdentity });
  if (violations.length > 0) throw new InvalidArgumentError(violations);
  return input;
}

/** The identities oneof: inline rows, a .npy path, or a finished pack job. */
function identitiesOf(req: GenerateRequest__Output): IdentitySource {
  if (req.identities === 'embeddingsPath') return { kind: 'npy', path: req.embeddingsPath ?? '' };
  if (req.identities === 'packJobId') return { kind: 'pack_job', jobId: req.packJobId ?? '' };
  if (req.identities === 'embeddings') return { kind: 'inline', ...matrixFromWire(req.embeddings, 'embeddings') };
  throw new InvalidArgumentError({ field: 'identities', description: 'set one of embeddings_path, pack_job_id or embeddings' });
}

/** The output fields together: a dataset needs a folder and a folder a format; sizes in range. */
function checkOutput(input: GenerateInput): void {
  const bad = (field: string, description: string): FieldViolation => ({ field, description });
  if (input.datasetFormat !== 'none' && !input.outputDir) throw new InvalidArgumentError(bad('output_dir', 'required when dataset_format is set'));
  if (input.outputDir && input.datasetFormat === 'none') throw new InvalidArgumentError(bad('dataset_format', 'set IMAGEFOLDER or RECORDIO to write output_dir'));
  if (input.skipImages && input.datasetFormat === 'none') throw new InvalidArgumentError(bad('skip_images', 'skipping images only makes sense when a dataset is written'));
  if (!Number.isInteger(input.jpegQuality) || input.jpegQuality < 1 || input.jpegQuality > 100) throw new InvalidArgumentError(bad('jpeg_quality', 'must be in 1..100'));
  if (!Number.isInteger(input.imageSize) || input.imageSize < 0 || input.imageSize > 1024) throw new InvalidArgumentError(bad('image_size', 'must be in 0..1024'));
}

export function generateEventToWire(event: GenerateJobEvent): GenerateEvent {
  if ('progress' in event) {
    const p = event.progress;
    return { progress: { done: p.done, total: p.total, elapsedSeconds: p.elapsedSeconds, etaSeconds: p.etaSeconds, facesPerSecond: p.facesPerSecond, skipped: p.skipped } };
  }
  const s = event.summary;
  return {
    summary: {
      jobId: s.jobId,
      samples: s.samples,
      identities: s.identities,
      skipped: s.skipped,
      belowThreshold: s.belowThreshold,
      meanCosine: s.meanCosine,
      elapsedSeconds: s.elapsedSeconds,
      outputDir: s.outputDir,
      manifestPath: s.manifestPath,
      rejectedNearReal: s.rejectedNearReal ?? 0,
      droppedNearReal: s.droppedNearReal ?? 0,
      excludeMinAngleDeg: s.excludeMinAngleDeg ?? 0,
    },
  };
}

export function faceSampleToWire(s: FaceSampleInfo): FaceSample {
  const { image } = s;
  const sample: FaceSample = {
    identity: s.identity,
    sample: s.sample,
    seed: s.seed,
    image: image.kind === 'raw' ? { raw: { height: image.image.height, width: image.image.width, channels: image.image.channels, data: image.image.data } } : { encoded: image.bytes },
    cosine: s.cosine,
    attempts: s.attempts,
    belowThreshold: s.belowThreshold,
    file: s.file,
    rejectedNearReal: s.rejectedNearReal ?? 0,
  };
  if (s.embedding) sample.embedding = toTensor(s.embedding, [1, s.embedding.length]);
  return sample;
}
