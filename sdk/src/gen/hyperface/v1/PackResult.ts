// Original file: proto/hyperface/v1/packing.proto

import type { PackMetrics as _hyperface_v1_PackMetrics, PackMetrics__Output as _hyperface_v1_PackMetrics__Output } from '../../hyperface/v1/PackMetrics.js';
import type { FixedReport as _hyperface_v1_FixedReport, FixedReport__Output as _hyperface_v1_FixedReport__Output } from '../../hyperface/v1/FixedReport.js';

export interface PackResult {
  'jobId'?: (string);
  /**
   * [N, D]
   */
  'shape'?: (number)[];
  'metrics'?: (_hyperface_v1_PackMetrics | null);
  'iterationsRun'?: (number);
  'elapsedSeconds'?: (number | string);
  /**
   * "completed", "max_seconds".
   */
  'stopReason'?: (string);
  /**
   * Server-side paths of the .npy and its JSON sidecar (parameters, seed, metrics, version).
   */
  'npyPath'?: (string);
  'sidecarPath'?: (string);
  /**
   * Execution provider that ran the block computations ("cpu", "webgpu").
   */
  'provider'?: (string);
  /**
   * With `exclude`: the angles reached to the exclusion set.
   */
  'exclusion'?: (_hyperface_v1_FixedReport | null);
  /**
   * With `extend`: the angles between the new and the existing identities
   * (metrics.min_angle_deg is the smallest angle among the new ones).
   */
  'extension'?: (_hyperface_v1_FixedReport | null);
}

export interface PackResult__Output {
  'jobId': (string);
  /**
   * [N, D]
   */
  'shape': (number)[];
  'metrics': (_hyperface_v1_PackMetrics__Output | null);
  'iterationsRun': (number);
  'elapsedSeconds': (number);
  /**
   * "completed", "max_seconds".
   */
  'stopReason': (string);
  /**
   * Server-side paths of the .npy and its JSON sidecar (parameters, seed, metrics, version).
   */
  'npyPath': (string);
  'sidecarPath': (string);
  /**
   * Execution provider that ran the block computations ("cpu", "webgpu").
   */
  'provider': (string);
  /**
   * With `exclude`: the angles reached to the exclusion set.
   */
  'exclusion': (_hyperface_v1_FixedReport__Output | null);
  /**
   * With `extend`: the angles between the new and the existing identities
   * (metrics.min_angle_deg is the smallest angle among the new ones).
   */
  'extension': (_hyperface_v1_FixedReport__Output | null);
}
