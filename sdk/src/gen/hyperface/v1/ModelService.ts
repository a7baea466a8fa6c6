// Original file: proto/hyperface/v1/models.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetModelRequest as _hyperface_v1_GetModelRequest, GetModelRequest__Output as _hyperface_v1_GetModelRequest__Output } from '../../hyperface/v1/GetModelRequest.js';
import type { ListModelsRequest as _hyperface_v1_ListModelsRequest, ListModelsRequest__Output as _hyperface_v1_ListModelsRequest__Output } from '../../hyperface/v1/ListModelsRequest.js';
import type { ListModelsResponse as _hyperface_v1_ListModelsResponse, ListModelsResponse__Output as _hyperface_v1_ListModelsResponse__Output } from '../../hyperface/v1/ListModelsResponse.js';
import type { ModelInfo as _hyperface_v1_ModelInfo, ModelInfo__Output as _hyperface_v1_ModelInfo__Output } from '../../hyperface/v1/ModelInfo.js';

export interface ModelServiceClient extends grpc.Client {
  /**
   * NOT_FOUND for an unknown name.
   */
  GetModel(argument: _hyperface_v1_GetModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  GetModel(argument: _hyperface_v1_GetModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hyperface_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  GetModel(argument: _hyperface_v1_GetModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  GetModel(argument: _hyperface_v1_GetModelRequest, callback: grpc.requestCallback<_hyperface_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  /**
   * NOT_FOUND for an unknown name.
   */
  getModel(argument: _hyperface_v1_GetModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  getModel(argument: _hyperface_v1_GetModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hyperface_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  getModel(argument: _hyperface_v1_GetModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  getModel(argument: _hyperface_v1_GetModelRequest, callback: grpc.requestCallback<_hyperface_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  
  ListModels(argument: _hyperface_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _hyperface_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hyperface_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _hyperface_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _hyperface_v1_ListModelsRequest, callback: grpc.requestCallback<_hyperface_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hyperface_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hyperface_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hyperface_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hyperface_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hyperface_v1_ListModelsRequest, callback: grpc.requestCallback<_hyperface_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface ModelServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * NOT_FOUND for an unknown name.
   */
  GetModel: grpc.handleUnaryCall<_hyperface_v1_GetModelRequest__Output, _hyperface_v1_ModelInfo>;
  
  ListModels: grpc.handleUnaryCall<_hyperface_v1_ListModelsRequest__Output, _hyperface_v1_ListModelsResponse>;
  
}

export interface ModelServiceDefinition extends grpc.ServiceDefinition {
  GetModel: MethodDefinition<_hyperface_v1_GetModelRequest, _hyperface_v1_ModelInfo, _hyperface_v1_GetModelRequest__Output, _hyperface_v1_ModelInfo__Output>
  ListModels: MethodDefinition<_hyperface_v1_ListModelsRequest, _hyperface_v1_ListModelsResponse, _hyperface_v1_ListModelsRequest__Output, _hyperface_v1_ListModelsResponse__Output>
}
