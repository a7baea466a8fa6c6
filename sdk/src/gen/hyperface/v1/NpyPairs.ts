// Original file: proto/hyperface/v1/evaluation.proto


export interface NpyPairs {
  /**
   * Server-side .npy float32 [2P, D] and .npy bool/int [P], relative to the data root.
   */
  'embeddingsPath'?: (string);
  'issamePath'?: (string);
}

export interface NpyPairs__Output {
  /**
   * Server-side .npy float32 [2P, D] and .npy bool/int [P], relative to the data root.
   */
  'embeddingsPath': (string);
  'issamePath': (string);
}
