// Original file: proto/hyperface/v1/generation.proto


/**
 * Intra-class variation. Every amount is in [0, 1]; 0 = off, 1 = the generator's widest setting.
 */
export interface Variation {
  /**
   * Std of the Gaussian noise added to the identity embedding before rendering:
   * x' = normalize(x + beta * n), n ~ N(0, I). Default 0.02: the expected angle between x and x'
   * is about atan(beta * sqrt(D)), i.e. 24 degrees at D = 512, 12 degrees at D = 128.
   */
  'beta'?: (number | string);
  /**
   * Head pose: shift, in-plane rotation, scale. Default 0.5.
   */
  'pose'?: (number | string);
  /**
   * Lighting / colour jitter. Default 0.5.
   */
  'color'?: (number | string);
  /**
   * Background variation. Default 0.5.
   */
  'background'?: (number | string);
  /**
   * Probability-like amount of accessories (glasses, headwear). Default 0.3.
   */
  'accessories'?: (number | string);
  '_beta'?: "beta";
  '_pose'?: "pose";
  '_color'?: "color";
  '_background'?: "background";
  '_accessories'?: "accessories";
}

/**
 * Intra-class variation. Every amount is in [0, 1]; 0 = off, 1 = the generator's widest setting.
 */
export interface Variation__Output {
  /**
   * Std of the Gaussian noise added to the identity embedding before rendering:
   * x' = normalize(x + beta * n), n ~ N(0, I). Default 0.02: the expected angle between x and x'
   * is about atan(beta * sqrt(D)), i.e. 24 degrees at D = 512, 12 degrees at D = 128.
   */
  'beta'?: (number);
  /**
   * Head pose: shift, in-plane rotation, scale. Default 0.5.
   */
  'pose'?: (number);
  /**
   * Lighting / colour jitter. Default 0.5.
   */
  'color'?: (number);
  /**
   * Background variation. Default 0.5.
   */
  'background'?: (number);
  /**
   * Probability-like amount of accessories (glasses, headwear). Default 0.3.
   */
  'accessories'?: (number);
  '_beta'?: "beta";
  '_pose'?: "pose";
  '_color'?: "color";
  '_background'?: "background";
  '_accessories'?: "accessories";
}
