// Original file: proto/hyperface/v1/models.proto

import type { ModelKind as _hyperface_v1_ModelKind, ModelKind__Output as _hyperface_v1_ModelKind__Output } from '../../hyperface/v1/ModelKind.js';

export interface ListModelsRequest {
  /**
   * Filter; UNSPECIFIED = all.
   */
  'kind'?: (_hyperface_v1_ModelKind);
}

export interface ListModelsRequest__Output {
  /**
   * Filter; UNSPECIFIED = all.
   */
  'kind': (_hyperface_v1_ModelKind__Output);
}
