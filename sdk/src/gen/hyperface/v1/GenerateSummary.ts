// Original file: proto/hyperface/v1/generation.proto

import type { Long } from '@grpc/proto-loader';

export interface GenerateSummary {
  'jobId'?: (string);
  'samples'?: (number | string | Long);
  'identities'?: (number);
  'skipped'?: (number | string | Long);
  'belowThreshold'?: (number | string | Long);
  'meanCosine'?: (number | string);
  'elapsedSeconds'?: (number | string);
  'outputDir'?: (string);
  'manifestPath'?: (string);
  /**
   * Privacy guard: rendered attempts rejected (too close to a real identity), samples dropped
   * because every attempt was, and the angle it enforced (0 without exclude_path).
   */
  'rejectedNearReal'?: (number | string | Long);
  'droppedNearReal'?: (number | string | Long);
  'excludeMinAngleDeg'?: (number | string);
}

export interface GenerateSummary__Output {
  'jobId': (string);
  'samples': (number);
  'identities': (number);
  'skipped': (number);
  'belowThreshold': (number);
  'meanCosine': (number);
  'elapsedSeconds': (number);
  'outputDir': (string);
  'manifestPath': (string);
  /**
   * Privacy guard: rendered attempts rejected (too close to a real identity), samples dropped
   * because every attempt was, and the angle it enforced (0 without exclude_path).
   */
  'rejectedNearReal': (number);
  'droppedNearReal': (number);
  'excludeMinAngleDeg': (number);
}
