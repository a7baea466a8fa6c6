// Original file: proto/hyperface/v1/generation.proto

export const ImageFormat = {
  /**
   * = PNG.
   */
  IMAGE_FORMAT_UNSPECIFIED: 'IMAGE_FORMAT_UNSPECIFIED',
  IMAGE_FORMAT_PNG: 'IMAGE_FORMAT_PNG',
  IMAGE_FORMAT_JPEG: 'IMAGE_FORMAT_JPEG',
  /**
   * Raw uint8 HWC RGB (Image.raw): no encode cost, best for feeding a training loop.
   */
  IMAGE_FORMAT_RAW: 'IMAGE_FORMAT_RAW',
} as const;

export type ImageFormat =
  /**
   * = PNG.
   */
  | 'IMAGE_FORMAT_UNSPECIFIED'
  | 0
  | 'IMAGE_FORMAT_PNG'
  | 1
  | 'IMAGE_FORMAT_JPEG'
  | 2
  /**
   * Raw uint8 HWC RGB (Image.raw): no encode cost, best for feeding a training loop.
   */
  | 'IMAGE_FORMAT_RAW'
  | 3

export type ImageFormat__Output = typeof ImageFormat[keyof typeof ImageFormat]
