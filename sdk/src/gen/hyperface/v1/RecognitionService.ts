// Original file: proto/hyperface/v1/recognition.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { EmbedRequest as _hyperface_v1_EmbedRequest, EmbedRequest__Output as _hyperface_v1_EmbedRequest__Output } from '../../hyperface/v1/EmbedRequest.js';
import type { EmbedResponse as _hyperface_v1_EmbedResponse, EmbedResponse__Output as _hyperface_v1_EmbedResponse__Output } from '../../hyperface/v1/EmbedResponse.js';

export interface RecognitionServiceClient extends grpc.Client {
  /**
   * Bidirectional: one EmbedResponse per EmbedRequest, in request order. Requests are batched
   * dynamically (at most `recognition.maxBatch` items or `recognition.maxDelayMs` of waiting).
   * A bad item (undecodable, no face, wrong size) gets `error` set; the stream goes on.
   */
  Embed(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_hyperface_v1_EmbedRequest, _hyperface_v1_EmbedResponse__Output>;
  Embed(options?: grpc.CallOptions): grpc.ClientDuplexStream<_hyperface_v1_EmbedRequest, _hyperface_v1_EmbedResponse__Output>;
  /**
   * Bidirectional: one EmbedResponse per EmbedRequest, in request order. Requests are batched
   * dynamically (at most `recognition.maxBatch` items or `recognition.maxDelayMs` of waiting).
   * A bad item (undecodable, no face, wrong size) gets `error` set; the stream goes on.
   */
  embed(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_hyperface_v1_EmbedRequest, _hyperface_v1_EmbedResponse__Output>;
  embed(options?: grpc.CallOptions): grpc.ClientDuplexStream<_hyperface_v1_EmbedRequest, _hyperface_v1_EmbedResponse__Output>;
  
}

export interface RecognitionServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Bidirectional: one EmbedResponse per EmbedRequest, in request order. Requests are batched
   * dynamically (at most `recognition.maxBatch` items or `recognition.maxDelayMs` of waiting).
   * A bad item (undecodable, no face, wrong size) gets `error` set; the stream goes on.
   */
  Embed: grpc.handleBidiStreamingCall<_hyperface_v1_EmbedRequest__Output, _hyperface_v1_EmbedResponse>;
  
}

export interface RecognitionServiceDefinition extends grpc.ServiceDefinition {
  Embed: MethodDefinition<_hyperface_v1_EmbedRequest, _hyperface_v1_EmbedResponse, _hyperface_v1_EmbedRequest__Output, _hyperface_v1_EmbedResponse__Output>
}
