// Original file: proto/hyperface/v1/packing.proto

export const PackInit = {
  /**
   * = PACK_INIT_GALLERY when a gallery is given, else PACK_INIT_RANDOM.
   */
  PACK_INIT_UNSPECIFIED: 'PACK_INIT_UNSPECIFIED',
  /**
   * Start from N gallery embeddings drawn without replacement (with replacement + jitter when G < N),
   * as the paper does.
   */
  PACK_INIT_GALLERY: 'PACK_INIT_GALLERY',
  /**
   * Uniform on the sphere (normalised Gaussian).
   */
  PACK_INIT_RANDOM: 'PACK_INIT_RANDOM',
  /**
   * The points of PACK_MODE_CODE (same seed, same limits on N and D), then the optimiser runs from
   * them (with a gallery: the gallery term pulls them towards the faces). docs/packing.md.
   */
  PACK_INIT_CODE: 'PACK_INIT_CODE',
} as const;

export type PackInit =
  /**
   * = PACK_INIT_GALLERY when a gallery is given, else PACK_INIT_RANDOM.
   */
  | 'PACK_INIT_UNSPECIFIED'
  | 0
  /**
   * Start from N gallery embeddings drawn without replacement (with replacement + jitter when G < N),
   * as the paper does.
   */
  | 'PACK_INIT_GALLERY'
  | 1
  /**
   * Uniform on the sphere (normalised Gaussian).
   */
  | 'PACK_INIT_RANDOM'
  | 2
  /**
   * The points of PACK_MODE_CODE (same seed, same limits on N and D), then the optimiser runs from
   * them (with a gallery: the gallery term pulls them towards the faces). docs/packing.md.
   */
  | 'PACK_INIT_CODE'
  | 3

export type PackInit__Output = typeof PackInit[keyof typeof PackInit]
