// Original file: proto/hyperface/v1/generation.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GenerateEvent as _hyperface_v1_GenerateEvent, GenerateEvent__Output as _hyperface_v1_GenerateEvent__Output } from '../../hyperface/v1/GenerateEvent.js';
import type { GenerateRequest as _hyperface_v1_GenerateRequest, GenerateRequest__Output as _hyperface_v1_GenerateRequest__Output } from '../../hyperface/v1/GenerateRequest.js';

/**
 * Renders identity embeddings as face images: identity i x sample k -> one face.
 */
export interface GenerationServiceClient extends grpc.Client {
  /**
   * Stream: JobAccepted, then one GenerateEvent.sample per face (in (identity, sample) order),
   * GenerateProgress now and then, then exactly one GenerateSummary. Samples are produced lazily:
   * the daemon renders ahead only while the client keeps up (bounded by `limits.generateAhead`).
   */
  Generate(argument: _hyperface_v1_GenerateRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_GenerateEvent__Output>;
  Generate(argument: _hyperface_v1_GenerateRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_GenerateEvent__Output>;
  /**
   * Stream: JobAccepted, then one GenerateEvent.sample per face (in (identity, sample) order),
   * GenerateProgress now and then, then exactly one GenerateSummary. Samples are produced lazily:
   * the daemon renders ahead only while the client keeps up (bounded by `limits.generateAhead`).
   */
  generate(argument: _hyperface_v1_GenerateRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_GenerateEvent__Output>;
  generate(argument: _hyperface_v1_GenerateRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_GenerateEvent__Output>;
  
}

/**
 * Renders identity embeddings as face images: identity i x sample k -> one face.
 */
export interface GenerationServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Stream: JobAccepted, then one GenerateEvent.sample per face (in (identity, sample) order),
   * GenerateProgress now and then, then exactly one GenerateSummary. Samples are produced lazily:
   * the daemon renders ahead only while the client keeps up (bounded by `limits.generateAhead`).
   */
  Generate: grpc.handleServerStreamingCall<_hyperface_v1_GenerateRequest__Output, _hyperface_v1_GenerateEvent>;
  
}

export interface GenerationServiceDefinition extends grpc.ServiceDefinition {
  Generate: MethodDefinition<_hyperface_v1_GenerateRequest, _hyperface_v1_GenerateEvent, _hyperface_v1_GenerateRequest__Output, _hyperface_v1_GenerateEvent__Output>
}
