// Original file: proto/hyperface/v1/jobs.proto

import type { Job as _hyperface_v1_Job, Job__Output as _hyperface_v1_Job__Output } from '../../hyperface/v1/Job.js';
import type { PackEvent as _hyperface_v1_PackEvent, PackEvent__Output as _hyperface_v1_PackEvent__Output } from '../../hyperface/v1/PackEvent.js';
import type { GenerateEvent as _hyperface_v1_GenerateEvent, GenerateEvent__Output as _hyperface_v1_GenerateEvent__Output } from '../../hyperface/v1/GenerateEvent.js';
import type { EvaluationEvent as _hyperface_v1_EvaluationEvent, EvaluationEvent__Output as _hyperface_v1_EvaluationEvent__Output } from '../../hyperface/v1/EvaluationEvent.js';
import type { Long } from '@grpc/proto-loader';

export interface JobEvent {
  'seq'?: (number | string | Long);
  /**
   * The job's state changed (the last event of a finished job carries its final state).
   */
  'job'?: (_hyperface_v1_Job | null);
  'pack'?: (_hyperface_v1_PackEvent | null);
  'generate'?: (_hyperface_v1_GenerateEvent | null);
  'evaluation'?: (_hyperface_v1_EvaluationEvent | null);
  'event'?: "job"|"pack"|"generate"|"evaluation";
}

export interface JobEvent__Output {
  'seq': (number);
  /**
   * The job's state changed (the last event of a finished job carries its final state).
   */
  'job'?: (_hyperface_v1_Job__Output | null);
  'pack'?: (_hyperface_v1_PackEvent__Output | null);
  'generate'?: (_hyperface_v1_GenerateEvent__Output | null);
  'evaluation'?: (_hyperface_v1_EvaluationEvent__Output | null);
  'event'?: "job"|"pack"|"generate"|"evaluation";
}
