// Original file: proto/hyperface/v1/evaluation.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { EvaluateDatasetRequest as _hyperface_v1_EvaluateDatasetRequest, EvaluateDatasetRequest__Output as _hyperface_v1_EvaluateDatasetRequest__Output } from '../../hyperface/v1/EvaluateDatasetRequest.js';
import type { EvaluateVerificationRequest as _hyperface_v1_EvaluateVerificationRequest, EvaluateVerificationRequest__Output as _hyperface_v1_EvaluateVerificationRequest__Output } from '../../hyperface/v1/EvaluateVerificationRequest.js';
import type { EvaluationEvent as _hyperface_v1_EvaluationEvent, EvaluationEvent__Output as _hyperface_v1_EvaluationEvent__Output } from '../../hyperface/v1/EvaluationEvent.js';

export interface EvaluationServiceClient extends grpc.Client {
  /**
   * Quality of a generated dataset: identity consistency, separation, EER, outliers, under the
   * generating recognizer and an independent judge. Stream: JobAccepted, progress, one DatasetReport.
   */
  EvaluateDataset(argument: _hyperface_v1_EvaluateDatasetRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_EvaluationEvent__Output>;
  EvaluateDataset(argument: _hyperface_v1_EvaluateDatasetRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_EvaluationEvent__Output>;
  /**
   * Quality of a generated dataset: identity consistency, separation, EER, outliers, under the
   * generating recognizer and an independent judge. Stream: JobAccepted, progress, one DatasetReport.
   */
  evaluateDataset(argument: _hyperface_v1_EvaluateDatasetRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_EvaluationEvent__Output>;
  evaluateDataset(argument: _hyperface_v1_EvaluateDatasetRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_EvaluationEvent__Output>;
  
  /**
   * Face verification with insightface's protocol: L2-normalised embeddings (flip: image + mirror
   * embeddings summed, then normalised), squared L2 distance, thresholds 0..4 step 0.01, 10
   * contiguous folds without shuffling, threshold chosen on 9 folds and applied to the 10th.
   * Stream: JobAccepted, EvaluationProgress..., one VerificationResult.
   */
  EvaluateVerification(argument: _hyperface_v1_EvaluateVerificationRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_EvaluationEvent__Output>;
  EvaluateVerification(argument: _hyperface_v1_EvaluateVerificationRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_EvaluationEvent__Output>;
  /**
   * Face verification with insightface's protocol: L2-normalised embeddings (flip: image + mirror
   * embeddings summed, then normalised), squared L2 distance, thresholds 0..4 step 0.01, 10
   * contiguous folds without shuffling, threshold chosen on 9 folds and applied to the 10th.
   * Stream: JobAccepted, EvaluationProgress..., one VerificationResult.
   */
  evaluateVerification(argument: _hyperface_v1_EvaluateVerificationRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_EvaluationEvent__Output>;
  evaluateVerification(argument: _hyperface_v1_EvaluateVerificationRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_EvaluationEvent__Output>;
  
}

export interface EvaluationServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Quality of a generated dataset: identity consistency, separation, EER, outliers, under the
   * generating recognizer and an independent judge. Stream: JobAccepted, progress, one DatasetReport.
   */
  EvaluateDataset: grpc.handleServerStreamingCall<_hyperface_v1_EvaluateDatasetRequest__Output, _hyperface_v1_EvaluationEvent>;
  
  /**
   * Face verification with insightface's protocol: L2-normalised embeddings (flip: image + mirror
   * embeddings summed, then normalised), squared L2 distance, thresholds 0..4 step 0.01, 10
   * contiguous folds without shuffling, threshold chosen on 9 folds and applied to the 10th.
   * Stream: JobAccepted, EvaluationProgress..., one VerificationResult.
   */
  EvaluateVerification: grpc.handleServerStreamingCall<_hyperface_v1_EvaluateVerificationRequest__Output, _hyperface_v1_EvaluationEvent>;
  
}

export interface EvaluationServiceDefinition extends grpc.ServiceDefinition {
  EvaluateDataset: MethodDefinition<_hyperface_v1_EvaluateDatasetRequest, _hyperface_v1_EvaluationEvent, _hyperface_v1_EvaluateDatasetRequest__Output, _hyperface_v1_EvaluationEvent__Output>
  EvaluateVerification: MethodDefinition<_hyperface_v1_EvaluateVerificationRequest, _hyperface_v1_EvaluationEvent, _hyperface_v1_EvaluateVerificationRequest__Output, _hyperface_v1_EvaluationEvent__Output>
}
