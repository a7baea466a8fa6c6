// Original file: proto/hyperface/v1/common.proto


/**
 * Raw pixels: uint8, HWC, RGB (channels = 3) or grey (channels = 1).
 * len(data) == height * width * channels.
 */
export interface RawImage {
  'height'?: (number);
  'width'?: (number);
  'channels'?: (number);
  'data'?: (Buffer | Uint8Array | string);
}

/**
 * Raw pixels: uint8, HWC, RGB (channels = 3) or grey (channels = 1).
 * len(data) == height * width * channels.
 */
export interface RawImage__Output {
  'height': (number);
  'width': (number);
  'channels': (number);
  'data': (Buffer);
}
