// Original file: proto/hyperface/v1/evaluation.proto

import type { DatasetStats as _hyperface_v1_DatasetStats, DatasetStats__Output as _hyperface_v1_DatasetStats__Output } from '../../hyperface/v1/DatasetStats.js';

export interface DatasetReport {
  'jobId'?: (string);
  'dataset'?: (_hyperface_v1_DatasetStats | null);
  /**
   * Present when compare_path was given.
   */
  'compared'?: (_hyperface_v1_DatasetStats | null);
  'reportPath'?: (string);
  /**
   * The full result as JSON.
   */
  'json'?: (string);
}

export interface DatasetReport__Output {
  'jobId': (string);
  'dataset': (_hyperface_v1_DatasetStats__Output | null);
  /**
   * Present when compare_path was given.
   */
  'compared': (_hyperface_v1_DatasetStats__Output | null);
  'reportPath': (string);
  /**
   * The full result as JSON.
   */
  'json': (string);
}
