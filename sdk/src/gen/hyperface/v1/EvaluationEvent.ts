// Original file: proto/hyperface/v1/evaluation.proto

import type { JobAccepted as _hyperface_v1_JobAccepted, JobAccepted__Output as _hyperface_v1_JobAccepted__Output } from '../../hyperface/v1/JobAccepted.js';
import type { EvaluationProgress as _hyperface_v1_EvaluationProgress, EvaluationProgress__Output as _hyperface_v1_EvaluationProgress__Output } from '../../hyperface/v1/EvaluationProgress.js';
import type { VerificationResult as _hyperface_v1_VerificationResult, VerificationResult__Output as _hyperface_v1_VerificationResult__Output } from '../../hyperface/v1/VerificationResult.js';
import type { DatasetReport as _hyperface_v1_DatasetReport, DatasetReport__Output as _hyperface_v1_DatasetReport__Output } from '../../hyperface/v1/DatasetReport.js';

export interface EvaluationEvent {
  'accepted'?: (_hyperface_v1_JobAccepted | null);
  'progress'?: (_hyperface_v1_EvaluationProgress | null);
  'verification'?: (_hyperface_v1_VerificationResult | null);
  'dataset'?: (_hyperface_v1_DatasetReport | null);
  'event'?: "accepted"|"progress"|"verification"|"dataset";
}

export interface EvaluationEvent__Output {
  'accepted'?: (_hyperface_v1_JobAccepted__Output | null);
  'progress'?: (_hyperface_v1_EvaluationProgress__Output | null);
  'verification'?: (_hyperface_v1_VerificationResult__Output | null);
  'dataset'?: (_hyperface_v1_DatasetReport__Output | null);
  'event'?: "accepted"|"progress"|"verification"|"dataset";
}
