// Original file: proto/hyperface/v1/models.proto

import type { Long } from '@grpc/proto-loader';

export interface TensorSpec {
  'name'?: (string);
  /**
   * -1 = dynamic (e.g. the batch dimension).
   */
  'shape'?: (number | string | Long)[];
  'dtype'?: (string);
}

export interface TensorSpec__Output {
  'name': (string);
  /**
   * -1 = dynamic (e.g. the batch dimension).
   */
  'shape': (number)[];
  'dtype': (string);
}
