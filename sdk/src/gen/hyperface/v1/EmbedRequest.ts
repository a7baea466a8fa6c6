// Original file: proto/hyperface/v1/recognition.proto

import type { Image as _hyperface_v1_Image, Image__Output as _hyperface_v1_Image__Output } from '../../hyperface/v1/Image.js';

export interface EmbedRequest {
  /**
   * Client correlation id, echoed back.
   */
  'id'?: (string);
  /**
   * Recognizer name; empty = default recognizer. May change between messages.
   */
  'recognizer'?: (string);
  'image'?: (_hyperface_v1_Image | null);
  /**
   * True: the image is already an aligned crop (any square size; resized to the model's input).
   * False: detect faces and warp each to the ArcFace 112x112 five-point template first.
   */
  'aligned'?: (boolean);
  /**
   * Only the largest detected face (otherwise every face, largest first).
   */
  'largestFace'?: (boolean);
  /**
   * Flip test-time augmentation: embedding of the image plus its mirror, then normalised.
   */
  'flip'?: (boolean);
}

export interface EmbedRequest__Output {
  /**
   * Client correlation id, echoed back.
   */
  'id': (string);
  /**
   * Recognizer name; empty = default recognizer. May change between messages.
   */
  'recognizer': (string);
  'image': (_hyperface_v1_Image__Output | null);
  /**
   * True: the image is already an aligned crop (any square size; resized to the model's input).
   * False: detect faces and warp each to the ArcFace 112x112 five-point template first.
   */
  'aligned': (boolean);
  /**
   * Only the largest detected face (otherwise every face, largest first).
   */
  'largestFace': (boolean);
  /**
   * Flip test-time augmentation: embedding of the image plus its mirror, then normalised.
   */
  'flip': (boolean);
}
