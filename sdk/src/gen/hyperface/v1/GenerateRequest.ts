// Original file: proto/hyperface/v1/generation.proto

import type { Tensor as _hyperface_v1_Tensor, Tensor__Output as _hyperface_v1_Tensor__Output } from '../../hyperface/v1/Tensor.js';
import type { Variation as _hyperface_v1_Variation, Variation__Output as _hyperface_v1_Variation__Output } from '../../hyperface/v1/Variation.js';
import type { ImageFormat as _hyperface_v1_ImageFormat, ImageFormat__Output as _hyperface_v1_ImageFormat__Output } from '../../hyperface/v1/ImageFormat.js';
import type { DatasetFormat as _hyperface_v1_DatasetFormat, DatasetFormat__Output as _hyperface_v1_DatasetFormat__Output } from '../../hyperface/v1/DatasetFormat.js';
import type { Long } from '@grpc/proto-loader';

export interface GenerateRequest {
  /**
   * Server-side .npy float32 [N, D], relative to the data root.
   */
  'embeddingsPath'?: (string);
  /**
   * A finished PackingService job: its result.npy.
   */
  'packJobId'?: (string);
  /**
   * Inline float32 [N, D] (at most 4 MiB).
   */
  'embeddings'?: (_hyperface_v1_Tensor | null);
  /**
   * K >= 1 samples per identity (at most `limits.maxImagesPerIdentity`, default 10000).
   */
  'imagesPerIdentity'?: (number);
  /**
   * Base seed. Sample (i, k) uses a seed derived from (seed, i, k) only, so shards and resumed
   * runs produce byte-identical images. Default 0.
   */
  'seed'?: (number | string | Long);
  /**
   * Generator model name; empty = the daemon's default generator ("builtin").
   */
  'generator'?: (string);
  'variation'?: (_hyperface_v1_Variation | null);
  'format'?: (_hyperface_v1_ImageFormat);
  /**
   * JPEG quality 1..100; 0 = 90.
   */
  'jpegQuality'?: (number);
  /**
   * Output side in pixels (square, ArcFace-aligned). 0 = the generator's native size (112 for builtin).
   */
  'imageSize'?: (number);
  /**
   * Only identities [identity_offset, identity_offset + identity_count); count 0 = to the end.
   * Identity indices in samples stay global, so shards merge without renumbering.
   */
  'identityOffset'?: (number);
  'identityCount'?: (number);
  /**
   * Embed every generated face with `recognizer` and report its cosine to the identity embedding.
   */
  'includeEmbedding'?: (boolean);
  /**
   * Recognizer for include_embedding / min_cosine; empty = the daemon's default recognizer.
   */
  'recognizer'?: (string);
  /**
   * Consistency filter: resample (new derived seed) while cosine < min_cosine, at most
   * `max_retries` times; the best attempt is kept and flagged (below_threshold). Unset = no filter.
   */
  'minCosine'?: (number | string);
  /**
   * 0 = 4.
   */
  'maxRetries'?: (number);
  /**
   * Server-side dataset directory (relative to the data root). With a dataset format set,
   * re-running the same request resumes: samples already in the manifest are skipped.
   */
  'outputDir'?: (string);
  'datasetFormat'?: (_hyperface_v1_DatasetFormat);
  /**
   * When true, samples written to `output_dir` are not also sent back (only progress + summary).
   */
  'skipImages'?: (boolean);
  /**
   * When true, cancelling/dropping the call leaves the job running.
   */
  'detach'?: (boolean);
  /**
   * Privacy guard (docs/privacy.md): a server-side .npy [R, D] of real identities embedded by
   * `recognizer`. A rendered face whose embedding comes within `exclude_min_angle_deg` of a row is
   * rejected and resampled (new derived seed, at most `max_retries` times, like min_cosine); a
   * sample with no acceptable attempt is not written and is counted (summary.dropped_near_real).
   */
  'excludePath'?: (string);
  /**
   * 0 < angle < 180 degrees; unset/0 = arccos of the recognizer's FAR 1e-3 threshold among the rows.
   */
  'excludeMinAngleDeg'?: (number | string);
  /**
   * The identities to render.
   */
  'identities'?: "embeddingsPath"|"packJobId"|"embeddings";
  '_minCosine'?: "minCosine";
  '_excludeMinAngleDeg'?: "excludeMinAngleDeg";
}

export interface GenerateRequest__Output {
  /**
   * Server-side .npy float32 [N, D], relative to the data root.
   */
  'embeddingsPath'?: (string);
  /**
   * A finished PackingService job: its result.npy.
   */
  'packJobId'?: (string);
  /**
   * Inline float32 [N, D] (at most 4 MiB).
   */
  'embeddings'?: (_hyperface_v1_Tensor__Output | null);
  /**
   * K >= 1 samples per identity (at most `limits.maxImagesPerIdentity`, default 10000).
   */
  'imagesPerIdentity': (number);
  /**
   * Base seed. Sample (i, k) uses a seed derived from (seed, i, k) only, so shards and resumed
   * runs produce byte-identical images. Default 0.
   */
  'seed': (number);
  /**
   * Generator model name; empty = the daemon's default generator ("builtin").
   */
  'generator': (string);
  'variation': (_hyperface_v1_Variation__Output | null);
  'format': (_hyperface_v1_ImageFormat__Output);
  /**
   * JPEG quality 1..100; 0 = 90.
   */
  'jpegQuality': (number);
  /**
   * Output side in pixels (square, ArcFace-aligned). 0 = the generator's native size (112 for builtin).
   */
  'imageSize': (number);
  /**
   * Only identities [identity_offset, identity_offset + identity_count); count 0 = to the end.
   * Identity indices in samples stay global, so shards merge without renumbering.
   */
  'identityOffset': (number);
  'identityCount': (number);
  /**
   * Embed every generated face with `recognizer` and report its cosine to the identity embedding.
   */
  'includeEmbedding': (boolean);
  /**
   * Recognizer for include_embedding / min_cosine; empty = the daemon's default recognizer.
   */
  'recognizer': (string);
  /**
   * Consistency filter: resample (new derived seed) while cosine < min_cosine, at most
   * `max_retries` times; the best attempt is kept and flagged (below_threshold). Unset = no filter.
   */
  'minCosine'?: (number);
  /**
   * 0 = 4.
   */
  'maxRetries': (number);
  /**
   * Server-side dataset directory (relative to the data root). With a dataset format set,
   * re-running the same request resumes: samples already in the manifest are skipped.
   */
  'outputDir': (string);
  'datasetFormat': (_hyperface_v1_DatasetFormat__Output);
  /**
   * When true, samples written to `output_dir` are not also sent back (only progress + summary).
   */
  'skipImages': (boolean);
  /**
   * When true, cancelling/dropping the call leaves the job running.
   */
  'detach': (boolean);
  /**
   * Privacy guard (docs/privacy.md): a server-side .npy [R, D] of real identities embedded by
   * `recognizer`. A rendered face whose embedding comes within `exclude_min_angle_deg` of a row is
   * rejected and resampled (new derived seed, at most `max_retries` times, like min_cosine); a
   * sample with no acceptable attempt is not written and is counted (summary.dropped_near_real).
   */
  'excludePath': (string);
  /**
   * 0 < angle < 180 degrees; unset/0 = arccos of the recognizer's FAR 1e-3 threshold among the rows.
   */
  'excludeMinAngleDeg'?: (number);
  /**
   * The identities to render.
   */
  'identities'?: "embeddingsPath"|"packJobId"|"embeddings";
  '_minCosine'?: "minCosine";
  '_excludeMinAngleDeg'?: "excludeMinAngleDeg";
}
