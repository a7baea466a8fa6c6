// Original file: proto/hyperface/v1/generation.proto

import type { Image as _hyperface_v1_Image, Image__Output as _hyperface_v1_Image__Output } from '../../hyperface/v1/Image.js';
import type { Tensor as _hyperface_v1_Tensor, Tensor__Output as _hyperface_v1_Tensor__Output } from '../../hyperface/v1/Tensor.js';
import type { Long } from '@grpc/proto-loader';

export interface FaceSample {
  /**
   * Global identity index (row of the embeddings) and sample index k.
   */
  'identity'?: (number);
  'sample'?: (number);
  /**
   * The seed that rendered this sample (after retries).
   */
  'seed'?: (number | string | Long);
  'image'?: (_hyperface_v1_Image | null);
  /**
   * The recognizer's embedding of the generated face ([1, D]) when include_embedding or min_cosine.
   */
  'embedding'?: (_hyperface_v1_Tensor | null);
  /**
   * Cosine between that embedding and the identity's reference embedding (projected into the
   * recognizer's space). 0 when not computed.
   */
  'cosine'?: (number | string);
  /**
   * Rendering attempts used (1 = first try).
   */
  'attempts'?: (number);
  /**
   * True when the consistency filter never reached min_cosine and the best attempt was kept.
   */
  'belowThreshold'?: (boolean);
  /**
   * Dataset-relative file, when a dataset is written.
   */
  'file'?: (string);
  /**
   * Attempts the privacy guard rejected for this sample (too close to a real identity).
   */
  'rejectedNearReal'?: (number);
}

export interface FaceSample__Output {
  /**
   * Global identity index (row of the embeddings) and sample index k.
   */
  'identity': (number);
  'sample': (number);
  /**
   * The seed that rendered this sample (after retries).
   */
  'seed': (number);
  'image': (_hyperface_v1_Image__Output | null);
  /**
   * The recognizer's embedding of the generated face ([1, D]) when include_embedding or min_cosine.
   */
  'embedding': (_hyperface_v1_Tensor__Output | null);
  /**
   * Cosine between that embedding and the identity's reference embedding (projected into the
   * recognizer's space). 0 when not computed.
   */
  'cosine': (number);
  /**
   * Rendering attempts used (1 = first try).
   */
  'attempts': (number);
  /**
   * True when the consistency filter never reached min_cosine and the best attempt was kept.
   */
  'belowThreshold': (boolean);
  /**
   * Dataset-relative file, when a dataset is written.
   */
  'file': (string);
  /**
   * Attempts the privacy guard rejected for this sample (too close to a real identity).
   */
  'rejectedNearReal': (number);
}
