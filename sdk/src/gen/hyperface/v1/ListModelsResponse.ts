// Original file: proto/hyperface/v1/models.proto

import type { ModelInfo as _hyperface_v1_ModelInfo, ModelInfo__Output as _hyperface_v1_ModelInfo__Output } from '../../hyperface/v1/ModelInfo.js';

export interface ListModelsResponse {
  'models'?: (_hyperface_v1_ModelInfo)[];
}

export interface ListModelsResponse__Output {
  'models': (_hyperface_v1_ModelInfo__Output)[];
}
