// Original file: proto/hyperface/v1/evaluation.proto


export interface LfwPairs {
  /**
   * The original LFW pairs.txt and the folder holding <name>/<name>_<NNNN>.jpg.
   */
  'pairsPath'?: (string);
  'imageDir'?: (string);
}

export interface LfwPairs__Output {
  /**
   * The original LFW pairs.txt and the folder holding <name>/<name>_<NNNN>.jpg.
   */
  'pairsPath': (string);
  'imageDir': (string);
}
