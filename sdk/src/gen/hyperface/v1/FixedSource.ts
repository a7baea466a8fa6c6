// Original file: proto/hyperface/v1/packing.proto

import type { Tensor as _hyperface_v1_Tensor, Tensor__Output as _hyperface_v1_Tensor__Output } from '../../hyperface/v1/Tensor.js';

/**
 * Fixed rows for packing (docs/privacy.md): rows that repel the packed identities and never move.
 */
export interface FixedSource {
  /**
   * A server-side .npy file, float32/float64 [M, D], read in blocks (up to millions of rows).
   */
  'npyPath'?: (string);
  /**
   * A server-side folder of face images, embedded with the pack's `recognizer` (largest face per image).
   */
  'imageDir'?: (string);
  /**
   * Inline float32 [M, D] rows (must fit one message: at most 4 MiB).
   */
  'embeddings'?: (_hyperface_v1_Tensor | null);
  'source'?: "npyPath"|"imageDir"|"embeddings";
}

/**
 * Fixed rows for packing (docs/privacy.md): rows that repel the packed identities and never move.
 */
export interface FixedSource__Output {
  /**
   * A server-side .npy file, float32/float64 [M, D], read in blocks (up to millions of rows).
   */
  'npyPath'?: (string);
  /**
   * A server-side folder of face images, embedded with the pack's `recognizer` (largest face per image).
   */
  'imageDir'?: (string);
  /**
   * Inline float32 [M, D] rows (must fit one message: at most 4 MiB).
   */
  'embeddings'?: (_hyperface_v1_Tensor__Output | null);
  'source'?: "npyPath"|"imageDir"|"embeddings";
}
