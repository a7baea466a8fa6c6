// Original file: proto/hyperface/v1/packing.proto

import type { GallerySource as _hyperface_v1_GallerySource, GallerySource__Output as _hyperface_v1_GallerySource__Output } from '../../hyperface/v1/GallerySource.js';
import type { PackMode as _hyperface_v1_PackMode, PackMode__Output as _hyperface_v1_PackMode__Output } from '../../hyperface/v1/PackMode.js';
import type { PackInit as _hyperface_v1_PackInit, PackInit__Output as _hyperface_v1_PackInit__Output } from '../../hyperface/v1/PackInit.js';
import type { Device as _hyperface_v1_Device, Device__Output as _hyperface_v1_Device__Output } from '../../hyperface/v1/Device.js';
import type { FixedSource as _hyperface_v1_FixedSource, FixedSource__Output as _hyperface_v1_FixedSource__Output } from '../../hyperface/v1/FixedSource.js';
import type { Long } from '@grpc/proto-loader';

export interface PackRequest {
  /**
   * Number of identities N. Required: 2 <= N <= 2,000,000 (the daemon's `limits.maxIdentities`).
   */
  'identities'?: (number);
  /**
   * Embedding dimension D, 2 <= D <= 4096. 0 = the dimension of `recognizer` (or of the gallery).
   */
  'dim'?: (number);
  /**
   * Recognizer whose embedding space is packed; empty = the daemon's default recognizer.
   * Needed for `image_dir`/`builtin` galleries and for dim = 0 without a gallery.
   */
  'recognizer'?: (string);
  /**
   * Unset = builtin gallery when a recognizer is used, `none` when `dim` is given without gallery.
   */
  'gallery'?: (_hyperface_v1_GallerySource | null);
  'mode'?: (_hyperface_v1_PackMode);
  'init'?: (_hyperface_v1_PackInit);
  /**
   * Weight of the gallery regulariser, the same term and gradient in every mode. Default 1.0 at every N
   * (the paper ablates this weight; docs/packing.md). Ignored without a gallery.
   */
  'alpha'?: (number | string);
  /**
   * Adam learning rate (paper and stochastic modes; fast mode uses it as the initial step size).
   * Default 0.01 at every N.
   */
  'learningRate'?: (number | string);
  /**
   * Optimisation steps. Default: paper 500 up to N = 2,000, then round(10^6 / N) to the nearest 10,
   * at least 100 (200 at 5,000, 100 at 10,000 and 20,000): the min angle has reached its plateau by
   * then (docs/packing.md); stochastic 1000; fast 500 (12000 for N <= 64 without gallery: restarts).
   */
  'iterations'?: (number);
  /**
   * Mini-batch size for PACK_MODE_STOCHASTIC. Default 1024 (the paper's stochastic runs use
   * batches well below N; 1024 keeps one block Gram within 4 MiB x N at D = 512).
   */
  'batchSize'?: (number);
  /**
   * Seed for initialisation, mini-batches and restarts. Same seed + same request + same device
   * = the same result, also across checkpoint/resume. Default 0.
   */
  'seed'?: (number | string | Long);
  /**
   * Wall-clock budget in seconds; 0 = none. When reached, the job stops and returns the current
   * iterate (paper, stochastic) or the best one seen (fast).
   */
  'maxSeconds'?: (number | string);
  'device'?: (_hyperface_v1_Device);
  /**
   * Emit a PackProgress every this many iterations. 0 = 10.
   */
  'progressEvery'?: (number);
  /**
   * Write a checkpoint every this many iterations. 0 = 50.
   */
  'checkpointEvery'?: (number);
  /**
   * When true, send the result rows as TensorChunks before the PackResult.
   */
  'streamEmbeddings'?: (boolean);
  /**
   * When true, cancelling/dropping the call leaves the job running (re-attach with WatchJob).
   */
  'detach'?: (boolean);
  /**
   * Optional server-side output path (.npy, relative to the data root). The job always writes
   * `result.npy` + `result.json` in its own job directory as well.
   */
  'outputPath'?: (string);
  /**
   * Real identities to keep away from: every returned identity ends at least
   * `exclude_min_angle_deg` from every row, or the job fails FAILED_PRECONDITION (keeping its best
   * checkpoint). Modes PAPER and STOCHASTIC only.
   */
  'exclude'?: (_hyperface_v1_FixedSource | null);
  /**
   * The exclusion angle in degrees, 0 < angle < 180. Unset/0 = arccos of the recognizer's cosine
   * threshold at FAR 1e-3, estimated from the impostor pairs among the excluded rows (docs/privacy.md).
   */
  'excludeMinAngleDeg'?: (number | string);
  /**
   * Existing identities to extend: the `identities` new ones are packed among these rows, which stay
   * fixed; the result holds only the new rows. Modes PAPER and STOCHASTIC only.
   */
  'extend'?: (_hyperface_v1_FixedSource | null);
  '_alpha'?: "alpha";
  '_learningRate'?: "learningRate";
  '_iterations'?: "iterations";
  '_batchSize'?: "batchSize";
  '_excludeMinAngleDeg'?: "excludeMinAngleDeg";
}

export interface PackRequest__Output {
  /**
   * Number of identities N. Required: 2 <= N <= 2,000,000 (the daemon's `limits.maxIdentities`).
   */
  'identities': (number);
  /**
   * Embedding dimension D, 2 <= D <= 4096. 0 = the dimension of `recognizer` (or of the gallery).
   */
  'dim': (number);
  /**
   * Recognizer whose embedding space is packed; empty = the daemon's default recognizer.
   * Needed for `image_dir`/`builtin` galleries and for dim = 0 without a gallery.
   */
  'recognizer': (string);
  /**
   * Unset = builtin gallery when a recognizer is used, `none` when `dim` is given without gallery.
   */
  'gallery': (_hyperface_v1_GallerySource__Output | null);
  'mode': (_hyperface_v1_PackMode__Output);
  'init': (_hyperface_v1_PackInit__Output);
  /**
   * Weight of the gallery regulariser, the same term and gradient in every mode. Default 1.0 at every N
   * (the paper ablates this weight; docs/packing.md). Ignored without a gallery.
   */
  'alpha'?: (number);
  /**
   * Adam learning rate (paper and stochastic modes; fast mode uses it as the initial step size).
   * Default 0.01 at every N.
   */
  'learningRate'?: (number);
  /**
   * Optimisation steps. Default: paper 500 up to N = 2,000, then round(10^6 / N) to the nearest 10,
   * at least 100 (200 at 5,000, 100 at 10,000 and 20,000): the min angle has reached its plateau by
   * then (docs/packing.md); stochastic 1000; fast 500 (12000 for N <= 64 without gallery: restarts).
   */
  'iterations'?: (number);
  /**
   * Mini-batch size for PACK_MODE_STOCHASTIC. Default 1024 (the paper's stochastic runs use
   * batches well below N; 1024 keeps one block Gram within 4 MiB x N at D = 512).
   */
  'batchSize'?: (number);
  /**
   * Seed for initialisation, mini-batches and restarts. Same seed + same request + same device
   * = the same result, also across checkpoint/resume. Default 0.
   */
  'seed': (number);
  /**
   * Wall-clock budget in seconds; 0 = none. When reached, the job stops and returns the current
   * iterate (paper, stochastic) or the best one seen (fast).
   */
  'maxSeconds': (number);
  'device': (_hyperface_v1_Device__Output);
  /**
   * Emit a PackProgress every this many iterations. 0 = 10.
   */
  'progressEvery': (number);
  /**
   * Write a checkpoint every this many iterations. 0 = 50.
   */
  'checkpointEvery': (number);
  /**
   * When true, send the result rows as TensorChunks before the PackResult.
   */
  'streamEmbeddings': (boolean);
  /**
   * When true, cancelling/dropping the call leaves the job running (re-attach with WatchJob).
   */
  'detach': (boolean);
  /**
   * Optional server-side output path (.npy, relative to the data root). The job always writes
   * `result.npy` + `result.json` in its own job directory as well.
   */
  'outputPath': (string);
  /**
   * Real identities to keep away from: every returned identity ends at least
   * `exclude_min_angle_deg` from every row, or the job fails FAILED_PRECONDITION (keeping its best
   * checkpoint). Modes PAPER and STOCHASTIC only.
   */
  'exclude': (_hyperface_v1_FixedSource__Output | null);
  /**
   * The exclusion angle in degrees, 0 < angle < 180. Unset/0 = arccos of the recognizer's cosine
   * threshold at FAR 1e-3, estimated from the impostor pairs among the excluded rows (docs/privacy.md).
   */
  'excludeMinAngleDeg'?: (number);
  /**
   * Existing identities to extend: the `identities` new ones are packed among these rows, which stay
   * fixed; the result holds only the new rows. Modes PAPER and STOCHASTIC only.
   */
  'extend': (_hyperface_v1_FixedSource__Output | null);
  '_alpha'?: "alpha";
  '_learningRate'?: "learningRate";
  '_iterations'?: "iterations";
  '_batchSize'?: "batchSize";
  '_excludeMinAngleDeg'?: "excludeMinAngleDeg";
}
