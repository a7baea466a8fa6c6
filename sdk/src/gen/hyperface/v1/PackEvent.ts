// Original file: proto/hyperface/v1/packing.proto

import type { JobAccepted as _hyperface_v1_JobAccepted, JobAccepted__Output as _hyperface_v1_JobAccepted__Output } from '../../hyperface/v1/JobAccepted.js';
import type { PackProgress as _hyperface_v1_PackProgress, PackProgress__Output as _hyperface_v1_PackProgress__Output } from '../../hyperface/v1/PackProgress.js';
import type { TensorChunk as _hyperface_v1_TensorChunk, TensorChunk__Output as _hyperface_v1_TensorChunk__Output } from '../../hyperface/v1/TensorChunk.js';
import type { PackResult as _hyperface_v1_PackResult, PackResult__Output as _hyperface_v1_PackResult__Output } from '../../hyperface/v1/PackResult.js';

export interface PackEvent {
  'accepted'?: (_hyperface_v1_JobAccepted | null);
  'progress'?: (_hyperface_v1_PackProgress | null);
  'chunk'?: (_hyperface_v1_TensorChunk | null);
  'result'?: (_hyperface_v1_PackResult | null);
  'event'?: "accepted"|"progress"|"chunk"|"result";
}

export interface PackEvent__Output {
  'accepted'?: (_hyperface_v1_JobAccepted__Output | null);
  'progress'?: (_hyperface_v1_PackProgress__Output | null);
  'chunk'?: (_hyperface_v1_TensorChunk__Output | null);
  'result'?: (_hyperface_v1_PackResult__Output | null);
  'event'?: "accepted"|"progress"|"chunk"|"result";
}
