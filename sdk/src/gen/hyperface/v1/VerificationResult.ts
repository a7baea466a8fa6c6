// Original file: proto/hyperface/v1/evaluation.proto

import type { TarAtFar as _hyperface_v1_TarAtFar, TarAtFar__Output as _hyperface_v1_TarAtFar__Output } from '../../hyperface/v1/TarAtFar.js';

export interface VerificationResult {
  'jobId'?: (string);
  'name'?: (string);
  'pairs'?: (number);
  'accuracyMean'?: (number | string);
  'accuracyStd'?: (number | string);
  /**
   * Mean over folds of the chosen squared-L2 threshold.
   */
  'bestThreshold'?: (number | string);
  'eer'?: (number | string);
  'auc'?: (number | string);
  'tarAtFar'?: (_hyperface_v1_TarAtFar)[];
  'foldAccuracies'?: (number | string)[];
  'reportPath'?: (string);
  /**
   * The full result as JSON (keys: accuracy_mean, accuracy_std, best_threshold, eer, auc, tar_at_far{far: tar}).
   */
  'json'?: (string);
}

export interface VerificationResult__Output {
  'jobId': (string);
  'name': (string);
  'pairs': (number);
  'accuracyMean': (number);
  'accuracyStd': (number);
  /**
   * Mean over folds of the chosen squared-L2 threshold.
   */
  'bestThreshold': (number);
  'eer': (number);
  'auc': (number);
  'tarAtFar': (_hyperface_v1_TarAtFar__Output)[];
  'foldAccuracies': (number)[];
  'reportPath': (string);
  /**
   * The full result as JSON (keys: accuracy_mean, accuracy_std, best_threshold, eer, auc, tar_at_far{far: tar}).
   */
  'json': (string);
}
