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
}
