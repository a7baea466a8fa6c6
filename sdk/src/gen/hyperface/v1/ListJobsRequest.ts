// Original file: proto/hyperface/v1/jobs.proto

import type { JobKind as _hyperface_v1_JobKind, JobKind__Output as _hyperface_v1_JobKind__Output } from '../../hyperface/v1/JobKind.js';
import type { JobState as _hyperface_v1_JobState, JobState__Output as _hyperface_v1_JobState__Output } from '../../hyperface/v1/JobState.js';

export interface ListJobsRequest {
  'kind'?: (_hyperface_v1_JobKind);
  'state'?: (_hyperface_v1_JobState);
  /**
   * 0 = 100, at most 1000.
   */
  'pageSize'?: (number);
  /**
   * Newest first; the token is an opaque cursor (the last job of the previous page), so jobs removed
   * by retention between two pages do not make the next one skip any.
   */
  'pageToken'?: (string);
}

export interface ListJobsRequest__Output {
  'kind': (_hyperface_v1_JobKind__Output);
  'state': (_hyperface_v1_JobState__Output);
  /**
   * 0 = 100, at most 1000.
   */
  'pageSize': (number);
  /**
   * Newest first; the token is an opaque cursor (the last job of the previous page), so jobs removed
   * by retention between two pages do not make the next one skip any.
   */
  'pageToken': (string);
}
