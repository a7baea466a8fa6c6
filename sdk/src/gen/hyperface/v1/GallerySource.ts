// Original file: proto/hyperface/v1/packing.proto

import type { Tensor as _hyperface_v1_Tensor, Tensor__Output as _hyperface_v1_Tensor__Output } from '../../hyperface/v1/Tensor.js';

/**
 * Where the regularising gallery comes from.
 */
export interface GallerySource {
  /**
   * No gallery: pure spherical-code geometry; alpha is ignored. Requires `dim`.
   */
  'none'?: (boolean);
  /**
   * A server-side .npy file, float32 [G, D] (rows are normalised on load). Path relative to the data root.
   */
  'npyPath'?: (string);
  /**
   * A server-side folder of face images, embedded with `recognizer` (one face per image, largest).
   */
  'imageDir'?: (string);
  /**
   * Embeddings of `builtin_size` samples drawn from the default generator, embedded by `recognizer`.
   * 0 = 1000 at every N. With N > G the initial points repeat gallery rows (plus jitter) and the
   * result sits further from the gallery (PackMetrics.mean_gallery_distance); docs/packing.md.
   */
  'builtinSize'?: (number);
  /**
   * Inline float32 [G, D] embeddings (must fit one message: at most 4 MiB).
   */
  'embeddings'?: (_hyperface_v1_Tensor | null);
  'source'?: "none"|"npyPath"|"imageDir"|"builtinSize"|"embeddings";
}

/**
 * Where the regularising gallery comes from.
 */
export interface GallerySource__Output {
  /**
   * No gallery: pure spherical-code geometry; alpha is ignored. Requires `dim`.
   */
  'none'?: (boolean);
  /**
   * A server-side .npy file, float32 [G, D] (rows are normalised on load). Path relative to the data root.
   */
  'npyPath'?: (string);
  /**
   * A server-side folder of face images, embedded with `recognizer` (one face per image, largest).
   */
  'imageDir'?: (string);
  /**
   * Embeddings of `builtin_size` samples drawn from the default generator, embedded by `recognizer`.
   * 0 = 1000 at every N. With N > G the initial points repeat gallery rows (plus jitter) and the
   * result sits further from the gallery (PackMetrics.mean_gallery_distance); docs/packing.md.
   */
  'builtinSize'?: (number);
  /**
   * Inline float32 [G, D] embeddings (must fit one message: at most 4 MiB).
   */
  'embeddings'?: (_hyperface_v1_Tensor__Output | null);
  'source'?: "none"|"npyPath"|"imageDir"|"builtinSize"|"embeddings";
}
