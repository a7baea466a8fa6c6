// Original file: proto/hyperface/v1/jobs.proto

import type { Job as _hyperface_v1_Job, Job__Output as _hyperface_v1_Job__Output } from '../../hyperface/v1/Job.js';

export interface ListJobsResponse {
  'jobs'?: (_hyperface_v1_Job)[];
  'nextPageToken'?: (string);
}

export interface ListJobsResponse__Output {
  'jobs': (_hyperface_v1_Job__Output)[];
  'nextPageToken': (string);
}
