import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { GetModelRequest as _hyperface_v1_GetModelRequest, GetModelRequest__Output as _hyperface_v1_GetModelRequest__Output } from './hyperface/v1/GetModelRequest.js';
import type { ListModelsRequest as _hyperface_v1_ListModelsRequest, ListModelsRequest__Output as _hyperface_v1_ListModelsRequest__Output } from './hyperface/v1/ListModelsRequest.js';
import type { ListModelsResponse as _hyperface_v1_ListModelsResponse, ListModelsResponse__Output as _hyperface_v1_ListModelsResponse__Output } from './hyperface/v1/ListModelsResponse.js';
import type { ModelInfo as _hyperface_v1_ModelInfo, ModelInfo__Output as _hyperface_v1_ModelInfo__Output } from './hyperface/v1/ModelInfo.js';
import type { ModelServiceClient as _hyperface_v1_ModelServiceClient, ModelServiceDefinition as _hyperface_v1_ModelServiceDefinition } from './hyperface/v1/ModelService.js';
import type { TensorSpec as _hyperface_v1_TensorSpec, TensorSpec__Output as _hyperface_v1_TensorSpec__Output } from './hyperface/v1/TensorSpec.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  hyperface: {
    v1: {
      GetModelRequest: MessageTypeDefinition<_hyperface_v1_GetModelRequest, _hyperface_v1_GetModelRequest__Output>
      ListModelsRequest: MessageTypeDefinition<_hyperface_v1_ListModelsRequest, _hyperface_v1_ListModelsRequest__Output>
      ListModelsResponse: MessageTypeDefinition<_hyperface_v1_ListModelsResponse, _hyperface_v1_ListModelsResponse__Output>
      ModelInfo: MessageTypeDefinition<_hyperface_v1_ModelInfo, _hyperface_v1_ModelInfo__Output>
      ModelKind: EnumTypeDefinition
      ModelService: SubtypeConstructor<typeof grpc.Client, _hyperface_v1_ModelServiceClient> & { service: _hyperface_v1_ModelServiceDefinition }
      ModelState: EnumTypeDefinition
      TensorSpec: MessageTypeDefinition<_hyperface_v1_TensorSpec, _hyperface_v1_TensorSpec__Output>
    }
  }
}

