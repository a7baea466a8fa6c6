// Original file: proto/hyperface/v1/packing.proto

import type { PackMetrics as _hyperface_v1_PackMetrics, PackMetrics__Output as _hyperface_v1_PackMetrics__Output } from '../../hyperface/v1/PackMetrics.js';

export interface PackProgress {
  'iteration'?: (number);
  'iterations'?: (number);
  'metrics'?: (_hyperface_v1_PackMetrics | null);
  /**
   * Best minimum angle seen so far, degrees (the iterate that will be returned).
   */
  'bestMinAngleDeg'?: (number | string);
  'elapsedSeconds'?: (number | string);
  /**
   * Estimated seconds left (from iteration rate and max_seconds), -1 when unknown.
   */
  'etaSeconds'?: (number | string);
  /**
   * Free-text phase, e.g. "warm-start", "anneal", "polish".
   */
  'phase'?: (string);
  /**
   * True when `metrics` come from an exact pass over all pairs. False when they are over the refined
   * candidate lists only (fast mode at large N between full passes): then min_angle_deg and
   * mean_nn_angle_deg are upper bounds of the exact figures (or the event is from an older job log).
   */
  'metricsExact'?: (boolean);
}

export interface PackProgress__Output {
  'iteration': (number);
  'iterations': (number);
  'metrics': (_hyperface_v1_PackMetrics__Output | null);
  /**
   * Best minimum angle seen so far, degrees (the iterate that will be returned).
   */
  'bestMinAngleDeg': (number);
  'elapsedSeconds': (number);
  /**
   * Estimated seconds left (from iteration rate and max_seconds), -1 when unknown.
   */
  'etaSeconds': (number);
  /**
   * Free-text phase, e.g. "warm-start", "anneal", "polish".
   */
  'phase': (string);
  /**
   * True when `metrics` come from an exact pass over all pairs. False when they are over the refined
   * candidate lists only (fast mode at large N between full passes): then min_angle_deg and
   * mean_nn_angle_deg are upper bounds of the exact figures (or the event is from an older job log).
   */
  'metricsExact': (boolean);
}
