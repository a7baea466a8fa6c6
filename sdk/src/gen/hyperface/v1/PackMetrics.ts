// Original file: proto/hyperface/v1/packing.proto


export interface PackMetrics {
  /**
   * Smallest angle between any two identities, degrees.
   */
  'minAngleDeg'?: (number | string);
  /**
   * Mean over identities of the angle to the nearest other identity, degrees.
   */
  'meanNnAngleDeg'?: (number | string);
  /**
   * Largest pairwise cosine (= cos(min_angle)).
   */
  'maxCosine'?: (number | string);
  /**
   * Mean over identities of 1 - max_g cos(x_i, g); 0 without a gallery.
   */
  'meanGalleryDistance'?: (number | string);
  /**
   * Total loss and its two terms (packing, alpha * gallery).
   */
  'loss'?: (number | string);
  'packingLoss'?: (number | string);
  'galleryLoss'?: (number | string);
}

export interface PackMetrics__Output {
  /**
   * Smallest angle between any two identities, degrees.
   */
  'minAngleDeg': (number);
  /**
   * Mean over identities of the angle to the nearest other identity, degrees.
   */
  'meanNnAngleDeg': (number);
  /**
   * Largest pairwise cosine (= cos(min_angle)).
   */
  'maxCosine': (number);
  /**
   * Mean over identities of 1 - max_g cos(x_i, g); 0 without a gallery.
   */
  'meanGalleryDistance': (number);
  /**
   * Total loss and its two terms (packing, alpha * gallery).
   */
  'loss': (number);
  'packingLoss': (number);
  'galleryLoss': (number);
}
