// Original file: proto/hyperface/v1/jobs.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchJobRequest {
  'id'?: (string);
  /**
   * First event sequence number to replay (0 = from the start).
   */
  'fromSeq'?: (number | string | Long);
}

export interface WatchJobRequest__Output {
  'id': (string);
  /**
   * First event sequence number to replay (0 = from the start).
   */
  'fromSeq': (number);
}
