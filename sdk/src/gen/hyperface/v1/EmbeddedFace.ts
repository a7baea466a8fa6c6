// Original file: proto/hyperface/v1/recognition.proto

import type { Tensor as _hyperface_v1_Tensor, Tensor__Output as _hyperface_v1_Tensor__Output } from '../../hyperface/v1/Tensor.js';
import type { FaceBox as _hyperface_v1_FaceBox, FaceBox__Output as _hyperface_v1_FaceBox__Output } from '../../hyperface/v1/FaceBox.js';

export interface EmbeddedFace {
  /**
   * L2-normalised embedding [1, D].
   */
  'embedding'?: (_hyperface_v1_Tensor | null);
  /**
   * In source-image pixels; the whole image when `aligned`.
   */
  'box'?: (_hyperface_v1_FaceBox | null);
  /**
   * Detector confidence (1 for aligned input).
   */
  'score'?: (number | string);
  /**
   * Five landmarks (x0, y0, ... x4, y4) in source pixels: eyes, nose, mouth corners; empty when aligned.
   */
  'landmarks'?: (number | string)[];
}

export interface EmbeddedFace__Output {
  /**
   * L2-normalised embedding [1, D].
   */
  'embedding': (_hyperface_v1_Tensor__Output | null);
  /**
   * In source-image pixels; the whole image when `aligned`.
   */
  'box': (_hyperface_v1_FaceBox__Output | null);
  /**
   * Detector confidence (1 for aligned input).
   */
  'score': (number);
  /**
   * Five landmarks (x0, y0, ... x4, y4) in source pixels: eyes, nose, mouth corners; empty when aligned.
   */
  'landmarks': (number)[];
}
