// Original file: proto/hyperface/v1/packing.proto

export const PackMode = {
  /**
   * = PACK_MODE_FAST.
   */
  PACK_MODE_UNSPECIFIED: 'PACK_MODE_UNSPECIFIED',
  /**
   * Smoothed maximum (log-sum-exp over each point's nearest neighbours) with an annealed temperature,
   * Riemannian Adam steps on the sphere and a final polish of the active closest pairs.
   * Same objective and metrics as PAPER; reaches larger minimum angles in the same time (bench/pack).
   */
  PACK_MODE_FAST: 'PACK_MODE_FAST',
  /**
   * The paper's optimiser: full-batch Adam on the points, re-projected onto the sphere after every
   * step; packing term = mean over identities of the cosine to the nearest other identity (the
   * closest-pair objective). Faithful to Otroshi Shahreza & Marcel (ICLR 2025); see docs/packing.md.
   */
  PACK_MODE_PAPER: 'PACK_MODE_PAPER',
  /**
   * The paper's stochastic variant: each step updates a random mini-batch of `batch_size` identities
   * against all others, so N can exceed what one N x N matrix allows.
   */
  PACK_MODE_STOCHASTIC: 'PACK_MODE_STOCHASTIC',
  /**
   * No optimisation, a reproducible baseline (seeded): the identities are uniform on the sphere
   * (normalised Gaussian rows). `init`, `alpha`, `learning_rate` and `iterations` are ignored.
   */
  PACK_MODE_RANDOM: 'PACK_MODE_RANDOM',
  /**
   * No optimisation, a reproducible baseline (seeded): N gallery embeddings drawn without
   * replacement (with replacement + jitter when G < N), i.e. PACK_INIT_GALLERY without packing.
   * Needs a gallery.
   */
  PACK_MODE_RANDOM_GALLERY: 'PACK_MODE_RANDOM_GALLERY',
} as const;

export type PackMode =
  /**
   * = PACK_MODE_FAST.
   */
  | 'PACK_MODE_UNSPECIFIED'
  | 0
  /**
   * Smoothed maximum (log-sum-exp over each point's nearest neighbours) with an annealed temperature,
   * Riemannian Adam steps on the sphere and a final polish of the active closest pairs.
   * Same objective and metrics as PAPER; reaches larger minimum angles in the same time (bench/pack).
   */
  | 'PACK_MODE_FAST'
  | 1
  /**
   * The paper's optimiser: full-batch Adam on the points, re-projected onto the sphere after every
   * step; packing term = mean over identities of the cosine to the nearest other identity (the
   * closest-pair objective). Faithful to Otroshi Shahreza & Marcel (ICLR 2025); see docs/packing.md.
   */
  | 'PACK_MODE_PAPER'
  | 2
  /**
   * The paper's stochastic variant: each step updates a random mini-batch of `batch_size` identities
   * against all others, so N can exceed what one N x N matrix allows.
   */
  | 'PACK_MODE_STOCHASTIC'
  | 3
  /**
   * No optimisation, a reproducible baseline (seeded): the identities are uniform on the sphere
   * (normalised Gaussian rows). `init`, `alpha`, `learning_rate` and `iterations` are ignored.
   */
  | 'PACK_MODE_RANDOM'
  | 4
  /**
   * No optimisation, a reproducible baseline (seeded): N gallery embeddings drawn without
   * replacement (with replacement + jitter when G < N), i.e. PACK_INIT_GALLERY without packing.
   * Needs a gallery.
   */
  | 'PACK_MODE_RANDOM_GALLERY'
  | 5

export type PackMode__Output = typeof PackMode[keyof typeof PackMode]
