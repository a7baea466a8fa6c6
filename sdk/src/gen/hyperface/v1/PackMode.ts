// Original file: proto/hyperface/v1/packing.proto

export const PackMode = {
  /**
   * The paper's method: PACK_MODE_PAPER up to 20,000 identities, PACK_MODE_STOCHASTIC above
   * (one full-batch step costs N^2 x D; docs/packing.md).
   */
  PACK_MODE_UNSPECIFIED: 'PACK_MODE_UNSPECIFIED',
  /**
   * NOT the paper's objective: maximises the smallest pairwise angle (the worst pair) through a
   * smoothed maximum over each point's nearest candidates, exp((c - c_max)/tau) pair weights with an
   * annealed temperature tau, Riemannian Adam steps and a final polish (restarts for tiny problems);
   * it does not minimise the mean nearest-neighbour cosine. The gallery term is the paper's
   * alpha * mean_i (1 - max_g cos) with its exact gradient, against a packing gradient of total weight 1,
   * so alpha means the same as in PAPER. Returns the best iterate. See docs/packing.md.
   */
  PACK_MODE_FAST: 'PACK_MODE_FAST',
  /**
   * The paper's Algorithm 1: the loss above, full-batch Adam (beta 0.9/0.999) on the points,
   * re-projected onto the sphere after every step; returns the final iterate.
   */
  PACK_MODE_PAPER: 'PACK_MODE_PAPER',
  /**
   * The paper's Algorithm 2: each step draws `batch_size` identities, takes the loss over them (their
   * nearest others among all N) and steps Adam on the whole [N, D] tensor as torch.optim.Adam would:
   * rows outside the batch have zero gradient, their moments decay and they move by momentum.
   * Returns the final iterate.
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
  /**
   * No optimisation (seeded, gallery-free; docs/packing.md, "Algebraic spherical codes"): the points
   * come from a binary linear code, x = (1 - 2c)/sqrt(n) for codewords c of length n = 2^m - 1 (m odd,
   * the largest with n <= D), turned by a seeded random rotation; the min angle and mean NN angle
   * are exact (from the code's weights, metrics_exact). N <= 2D: the cross-polytope, 90 degrees.
   * Above: the dual of the 2-error BCH code (Gold) up to 2^(2m) points (D = 512: 86.52 degrees up
   * to 262,144), then of the 3-error BCH code up to min(2^(3m), 2^22) (D = 512: 82.92 degrees).
   * INVALID_ARGUMENT above that, for D < 31 with N > 2D, and with a gallery. `batch_size` = rows per
   * rotated block, progress and checkpoints count blocks; `init`, `alpha`, `learning_rate` and
   * `iterations` are ignored. When `max_seconds` would pass during the rotation, the rows come
   * back unrotated (the same exact metrics; stop_reason "max_seconds").
   */
  PACK_MODE_CODE: 'PACK_MODE_CODE',
} as const;

export type PackMode =
  /**
   * The paper's method: PACK_MODE_PAPER up to 20,000 identities, PACK_MODE_STOCHASTIC above
   * (one full-batch step costs N^2 x D; docs/packing.md).
   */
  | 'PACK_MODE_UNSPECIFIED'
  | 0
  /**
   * NOT the paper's objective: maximises the smallest pairwise angle (the worst pair) through a
   * smoothed maximum over each point's nearest candidates, exp((c - c_max)/tau) pair weights with an
   * annealed temperature tau, Riemannian Adam steps and a final polish (restarts for tiny problems);
   * it does not minimise the mean nearest-neighbour cosine. The gallery term is the paper's
   * alpha * mean_i (1 - max_g cos) with its exact gradient, against a packing gradient of total weight 1,
   * so alpha means the same as in PAPER. Returns the best iterate. See docs/packing.md.
   */
  | 'PACK_MODE_FAST'
  | 1
  /**
   * The paper's Algorithm 1: the loss above, full-batch Adam (beta 0.9/0.999) on the points,
   * re-projected onto the sphere after every step; returns the final iterate.
   */
  | 'PACK_MODE_PAPER'
  | 2
  /**
   * The paper's Algorithm 2: each step draws `batch_size` identities, takes the loss over them (their
   * nearest others among all N) and steps Adam on the whole [N, D] tensor as torch.optim.Adam would:
   * rows outside the batch have zero gradient, their moments decay and they move by momentum.
   * Returns the final iterate.
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
  /**
   * No optimisation (seeded, gallery-free; docs/packing.md, "Algebraic spherical codes"): the points
   * come from a binary linear code, x = (1 - 2c)/sqrt(n) for codewords c of length n = 2^m - 1 (m odd,
   * the largest with n <= D), turned by a seeded random rotation; the min angle and mean NN angle
   * are exact (from the code's weights, metrics_exact). N <= 2D: the cross-polytope, 90 degrees.
   * Above: the dual of the 2-error BCH code (Gold) up to 2^(2m) points (D = 512: 86.52 degrees up
   * to 262,144), then of the 3-error BCH code up to min(2^(3m), 2^22) (D = 512: 82.92 degrees).
   * INVALID_ARGUMENT above that, for D < 31 with N > 2D, and with a gallery. `batch_size` = rows per
   * rotated block, progress and checkpoints count blocks; `init`, `alpha`, `learning_rate` and
   * `iterations` are ignored. When `max_seconds` would pass during the rotation, the rows come
   * back unrotated (the same exact metrics; stop_reason "max_seconds").
   */
  | 'PACK_MODE_CODE'
  | 6

export type PackMode__Output = typeof PackMode[keyof typeof PackMode]
