// Original file: proto/hyperface/v1/jobs.proto

import type { JobKind as _hyperface_v1_JobKind, JobKind__Output as _hyperface_v1_JobKind__Output } from '../../hyperface/v1/JobKind.js';
import type { JobState as _hyperface_v1_JobState, JobState__Output as _hyperface_v1_JobState__Output } from '../../hyperface/v1/JobState.js';

export interface Job {
  'id'?: (string);
  'kind'?: (_hyperface_v1_JobKind);
  'state'?: (_hyperface_v1_JobState);
  /**
   * Unix epoch milliseconds.
   */
  'createdAtMs'?: (number | string);
  'updatedAtMs'?: (number | string);
  /**
   * Fraction done in [0, 1].
   */
  'progress'?: (number | string);
  /**
   * Public error message when FAILED.
   */
  'error'?: (string);
  /**
   * Times the job was resumed after a daemon restart.
   */
  'resumes'?: (number);
  /**
   * The request and the result summary as JSON.
   */
  'requestJson'?: (string);
  'resultJson'?: (string);
}

export interface Job__Output {
  'id': (string);
  'kind': (_hyperface_v1_JobKind__Output);
  'state': (_hyperface_v1_JobState__Output);
  /**
   * Unix epoch milliseconds.
   */
  'createdAtMs': (number);
  'updatedAtMs': (number);
  /**
   * Fraction done in [0, 1].
   */
  'progress': (number);
  /**
   * Public error message when FAILED.
   */
  'error': (string);
  /**
   * Times the job was resumed after a daemon restart.
   */
  'resumes': (number);
  /**
   * The request and the result summary as JSON.
   */
  'requestJson': (string);
  'resultJson': (string);
}
