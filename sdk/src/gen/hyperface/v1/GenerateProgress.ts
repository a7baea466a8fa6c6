// Original file: proto/hyperface/v1/generation.proto

import type { Long } from '@grpc/proto-loader';

export interface GenerateProgress {
  'done'?: (number | string | Long);
  'total'?: (number | string | Long);
  'elapsedSeconds'?: (number | string);
  'etaSeconds'?: (number | string);
  'facesPerSecond'?: (number | string);
  /**
   * Samples skipped because a previous (interrupted) run had already written them.
   */
  'skipped'?: (number | string | Long);
}

export interface GenerateProgress__Output {
  'done': (number);
  'total': (number);
  'elapsedSeconds': (number);
  'etaSeconds': (number);
  'facesPerSecond': (number);
  /**
   * Samples skipped because a previous (interrupted) run had already written them.
   */
  'skipped': (number);
}
