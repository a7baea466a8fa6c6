// Original file: proto/hyperface/v1/packing.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { PackEvent as _hyperface_v1_PackEvent, PackEvent__Output as _hyperface_v1_PackEvent__Output } from '../../hyperface/v1/PackEvent.js';
import type { PackRequest as _hyperface_v1_PackRequest, PackRequest__Output as _hyperface_v1_PackRequest__Output } from '../../hyperface/v1/PackRequest.js';

/**
 * HyperFace identity packing (Otroshi Shahreza & Marcel, ICLR 2025): place N unit vectors on the
 * hypersphere of a recognizer's embedding space so that identities are far apart, while a regulariser
 * keeps every point near a gallery of real-looking face embeddings. The paper's objective:
 * loss = mean_i max_{j != i} cos(x_i, x_j) + alpha * mean_i (1 - max_g cos(x_i, g))
 */
export interface PackingServiceClient extends grpc.Client {
  /**
   * Starts (or re-attaches to) a packing job. Stream: JobAccepted, then PackProgress every
   * `progress_every` iterations, then (when `stream_embeddings`) the result rows as TensorChunks,
   * then exactly one PackResult. Cancelling the call cancels the job unless `detach` is set.
   */
  Pack(argument: _hyperface_v1_PackRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_PackEvent__Output>;
  Pack(argument: _hyperface_v1_PackRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_PackEvent__Output>;
  /**
   * Starts (or re-attaches to) a packing job. Stream: JobAccepted, then PackProgress every
   * `progress_every` iterations, then (when `stream_embeddings`) the result rows as TensorChunks,
   * then exactly one PackResult. Cancelling the call cancels the job unless `detach` is set.
   */
  pack(argument: _hyperface_v1_PackRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_PackEvent__Output>;
  pack(argument: _hyperface_v1_PackRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_PackEvent__Output>;
  
}

/**
 * HyperFace identity packing (Otroshi Shahreza & Marcel, ICLR 2025): place N unit vectors on the
 * hypersphere of a recognizer's embedding space so that identities are far apart, while a regulariser
 * keeps every point near a gallery of real-looking face embeddings. The paper's objective:
 * loss = mean_i max_{j != i} cos(x_i, x_j) + alpha * mean_i (1 - max_g cos(x_i, g))
 */
export interface PackingServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Starts (or re-attaches to) a packing job. Stream: JobAccepted, then PackProgress every
   * `progress_every` iterations, then (when `stream_embeddings`) the result rows as TensorChunks,
   * then exactly one PackResult. Cancelling the call cancels the job unless `detach` is set.
   */
  Pack: grpc.handleServerStreamingCall<_hyperface_v1_PackRequest__Output, _hyperface_v1_PackEvent>;
  
}

export interface PackingServiceDefinition extends grpc.ServiceDefinition {
  Pack: MethodDefinition<_hyperface_v1_PackRequest, _hyperface_v1_PackEvent, _hyperface_v1_PackRequest__Output, _hyperface_v1_PackEvent__Output>
}
