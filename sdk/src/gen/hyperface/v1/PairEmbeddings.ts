// Original file: proto/hyperface/v1/evaluation.proto

import type { Tensor as _hyperface_v1_Tensor, Tensor__Output as _hyperface_v1_Tensor__Output } from '../../hyperface/v1/Tensor.js';

/**
 * Pairs given as embeddings: rows 2p and 2p+1 form pair p (insightface's interleaving).
 */
export interface PairEmbeddings {
  /**
   * float32 [2P, D].
   */
  'embeddings'?: (_hyperface_v1_Tensor | null);
  /**
   * P labels: true = same identity.
   */
  'issame'?: (boolean)[];
}

/**
 * Pairs given as embeddings: rows 2p and 2p+1 form pair p (insightface's interleaving).
 */
export interface PairEmbeddings__Output {
  /**
   * float32 [2P, D].
   */
  'embeddings': (_hyperface_v1_Tensor__Output | null);
  /**
   * P labels: true = same identity.
   */
  'issame': (boolean)[];
}
