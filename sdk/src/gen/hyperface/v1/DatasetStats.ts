// Original file: proto/hyperface/v1/evaluation.proto

import type { Long } from '@grpc/proto-loader';

export interface DatasetStats {
  'path'?: (string);
  'identities'?: (number);
  'samples'?: (number | string | Long);
  'identityConsistencyMean'?: (number | string);
  'centroidConsistencyMean'?: (number | string);
  'nearestImpostorMean'?: (number | string);
  'judgeConsistencyMean'?: (number | string);
  'verificationEer'?: (number | string);
  'judgeVerificationEer'?: (number | string);
  /**
   * Identities whose consistency is far below the rest (identity indices).
   */
  'outlierIdentities'?: (number)[];
}

export interface DatasetStats__Output {
  'path': (string);
  'identities': (number);
  'samples': (number);
  'identityConsistencyMean': (number);
  'centroidConsistencyMean': (number);
  'nearestImpostorMean': (number);
  'judgeConsistencyMean': (number);
  'verificationEer': (number);
  'judgeVerificationEer': (number);
  /**
   * Identities whose consistency is far below the rest (identity indices).
   */
  'outlierIdentities': (number)[];
}
