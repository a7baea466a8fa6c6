// Original file: proto/hyperface/v1/recognition.proto

import type { EmbeddedFace as _hyperface_v1_EmbeddedFace, EmbeddedFace__Output as _hyperface_v1_EmbeddedFace__Output } from '../../hyperface/v1/EmbeddedFace.js';
import type { ItemError as _hyperface_v1_ItemError, ItemError__Output as _hyperface_v1_ItemError__Output } from '../../hyperface/v1/ItemError.js';

export interface EmbedResponse {
  'id'?: (string);
  /**
   * 0-based position of the request in this stream.
   */
  'index'?: (number);
  'model'?: (string);
  /**
   * "five-point" (detected + warped) or "none" (aligned input).
   */
  'alignment'?: (string);
  'faces'?: (_hyperface_v1_EmbeddedFace)[];
  'error'?: (_hyperface_v1_ItemError | null);
}

export interface EmbedResponse__Output {
  'id': (string);
  /**
   * 0-based position of the request in this stream.
   */
  'index': (number);
  'model': (string);
  /**
   * "five-point" (detected + warped) or "none" (aligned input).
   */
  'alignment': (string);
  'faces': (_hyperface_v1_EmbeddedFace__Output)[];
  'error': (_hyperface_v1_ItemError__Output | null);
}
