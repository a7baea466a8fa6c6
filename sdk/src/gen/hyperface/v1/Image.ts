// Original file: proto/hyperface/v1/common.proto

import type { RawImage as _hyperface_v1_RawImage, RawImage__Output as _hyperface_v1_RawImage__Output } from '../../hyperface/v1/RawImage.js';

/**
 * An image travels either encoded (PNG or JPEG bytes, sniffed from the magic number) or raw.
 */
export interface Image {
  'encoded'?: (Buffer | Uint8Array | string);
  'raw'?: (_hyperface_v1_RawImage | null);
  'content'?: "encoded"|"raw";
}

/**
 * An image travels either encoded (PNG or JPEG bytes, sniffed from the magic number) or raw.
 */
export interface Image__Output {
  'encoded'?: (Buffer);
  'raw'?: (_hyperface_v1_RawImage__Output | null);
  'content'?: "encoded"|"raw";
}
