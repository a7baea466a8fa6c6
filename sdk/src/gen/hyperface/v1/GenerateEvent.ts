// Original file: proto/hyperface/v1/generation.proto

import type { JobAccepted as _hyperface_v1_JobAccepted, JobAccepted__Output as _hyperface_v1_JobAccepted__Output } from '../../hyperface/v1/JobAccepted.js';
import type { FaceSample as _hyperface_v1_FaceSample, FaceSample__Output as _hyperface_v1_FaceSample__Output } from '../../hyperface/v1/FaceSample.js';
import type { GenerateProgress as _hyperface_v1_GenerateProgress, GenerateProgress__Output as _hyperface_v1_GenerateProgress__Output } from '../../hyperface/v1/GenerateProgress.js';
import type { GenerateSummary as _hyperface_v1_GenerateSummary, GenerateSummary__Output as _hyperface_v1_GenerateSummary__Output } from '../../hyperface/v1/GenerateSummary.js';

export interface GenerateEvent {
  'accepted'?: (_hyperface_v1_JobAccepted | null);
  'sample'?: (_hyperface_v1_FaceSample | null);
  'progress'?: (_hyperface_v1_GenerateProgress | null);
  'summary'?: (_hyperface_v1_GenerateSummary | null);
  'event'?: "accepted"|"sample"|"progress"|"summary";
}

export interface GenerateEvent__Output {
  'accepted'?: (_hyperface_v1_JobAccepted__Output | null);
  'sample'?: (_hyperface_v1_FaceSample__Output | null);
  'progress'?: (_hyperface_v1_GenerateProgress__Output | null);
  'summary'?: (_hyperface_v1_GenerateSummary__Output | null);
  'event'?: "accepted"|"sample"|"progress"|"summary";
}
