// Original file: proto/hyperface/v1/evaluation.proto

import type { LfwPairs as _hyperface_v1_LfwPairs, LfwPairs__Output as _hyperface_v1_LfwPairs__Output } from '../../hyperface/v1/LfwPairs.js';
import type { NpyPairs as _hyperface_v1_NpyPairs, NpyPairs__Output as _hyperface_v1_NpyPairs__Output } from '../../hyperface/v1/NpyPairs.js';
import type { PairEmbeddings as _hyperface_v1_PairEmbeddings, PairEmbeddings__Output as _hyperface_v1_PairEmbeddings__Output } from '../../hyperface/v1/PairEmbeddings.js';

export interface EvaluateVerificationRequest {
  /**
   * insightface .bin: pickle of (list of encoded images, list of issame), server-side path.
   */
  'binPath'?: (string);
  'lfw'?: (_hyperface_v1_LfwPairs | null);
  'npy'?: (_hyperface_v1_NpyPairs | null);
  'embeddings'?: (_hyperface_v1_PairEmbeddings | null);
  /**
   * Recognizer for image sources; empty = default recognizer.
   */
  'recognizer'?: (string);
  /**
   * Flip test-time augmentation (image sources only). Default true as in insightface: use no_flip to disable.
   */
  'noFlip'?: (boolean);
  /**
   * Number of folds; 0 = 10.
   */
  'folds'?: (number);
  /**
   * Images in .bin / pairs sources are aligned 112x112 crops (insightface .bin are). Default true for
   * .bin; for LFW pairs set detect = true to detect and align first.
   */
  'detect'?: (boolean);
  /**
   * Benchmark name for the report ("lfw", ...); default from the file name.
   */
  'name'?: (string);
  /**
   * Server-side directory for report.html + result.json; empty = the job directory.
   */
  'reportDir'?: (string);
  'detach'?: (boolean);
  'source'?: "binPath"|"lfw"|"npy"|"embeddings";
}

export interface EvaluateVerificationRequest__Output {
  /**
   * insightface .bin: pickle of (list of encoded images, list of issame), server-side path.
   */
  'binPath'?: (string);
  'lfw'?: (_hyperface_v1_LfwPairs__Output | null);
  'npy'?: (_hyperface_v1_NpyPairs__Output | null);
  'embeddings'?: (_hyperface_v1_PairEmbeddings__Output | null);
  /**
   * Recognizer for image sources; empty = default recognizer.
   */
  'recognizer': (string);
  /**
   * Flip test-time augmentation (image sources only). Default true as in insightface: use no_flip to disable.
   */
  'noFlip': (boolean);
  /**
   * Number of folds; 0 = 10.
   */
  'folds': (number);
  /**
   * Images in .bin / pairs sources are aligned 112x112 crops (insightface .bin are). Default true for
   * .bin; for LFW pairs set detect = true to detect and align first.
   */
  'detect': (boolean);
  /**
   * Benchmark name for the report ("lfw", ...); default from the file name.
   */
  'name': (string);
  /**
   * Server-side directory for report.html + result.json; empty = the job directory.
   */
  'reportDir': (string);
  'detach': (boolean);
  'source'?: "binPath"|"lfw"|"npy"|"embeddings";
}
