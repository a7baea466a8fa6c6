// Original file: proto/hyperface/v1/common.proto


/**
 * Sent first on every job-backed stream: the id to re-attach with JobService.WatchJob. An
 * interactive Generate (no dataset, small; docs/serving.md) is not a job: it sends this once it is
 * admitted, with an empty job_id.
 */
export interface JobAccepted {
  'jobId'?: (string);
  /**
   * True when this request attached to an existing job (same idempotency key) instead of starting one.
   */
  'resumed'?: (boolean);
}

/**
 * Sent first on every job-backed stream: the id to re-attach with JobService.WatchJob. An
 * interactive Generate (no dataset, small; docs/serving.md) is not a job: it sends this once it is
 * admitted, with an empty job_id.
 */
export interface JobAccepted__Output {
  'jobId': (string);
  /**
   * True when this request attached to an existing job (same idempotency key) instead of starting one.
   */
  'resumed': (boolean);
}
