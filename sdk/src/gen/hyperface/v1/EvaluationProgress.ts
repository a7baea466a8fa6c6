// Original file: proto/hyperface/v1/evaluation.proto

import type { Long } from '@grpc/proto-loader';

export interface EvaluationProgress {
  'done'?: (number | string | Long);
  'total'?: (number | string | Long);
  'phase'?: (string);
  'elapsedSeconds'?: (number | string);
}

export interface EvaluationProgress__Output {
  'done': (number);
  'total': (number);
  'phase': (string);
  'elapsedSeconds': (number);
}
