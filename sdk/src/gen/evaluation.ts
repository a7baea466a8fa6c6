import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { DatasetReport as _hyperface_v1_DatasetReport, DatasetReport__Output as _hyperface_v1_DatasetReport__Output } from './hyperface/v1/DatasetReport.js';
import type { DatasetStats as _hyperface_v1_DatasetStats, DatasetStats__Output as _hyperface_v1_DatasetStats__Output } from './hyperface/v1/DatasetStats.js';
import type { EvaluateDatasetRequest as _hyperface_v1_EvaluateDatasetRequest, EvaluateDatasetRequest__Output as _hyperface_v1_EvaluateDatasetRequest__Output } from './hyperface/v1/EvaluateDatasetRequest.js';
import type { EvaluateVerificationRequest as _hyperface_v1_EvaluateVerificationRequest, EvaluateVerificationRequest__Output as _hyperface_v1_EvaluateVerificationRequest__Output } from './hyperface/v1/EvaluateVerificationRequest.js';
import type { EvaluationEvent as _hyperface_v1_EvaluationEvent, EvaluationEvent__Output as _hyperface_v1_EvaluationEvent__Output } from './hyperface/v1/EvaluationEvent.js';
import type { EvaluationProgress as _hyperface_v1_EvaluationProgress, EvaluationProgress__Output as _hyperface_v1_EvaluationProgress__Output } from './hyperface/v1/EvaluationProgress.js';
import type { EvaluationServiceClient as _hyperface_v1_EvaluationServiceClient, EvaluationServiceDefinition as _hyperface_v1_EvaluationServiceDefinition } from './hyperface/v1/EvaluationService.js';
import type { Image as _hyperface_v1_Image, Image__Output as _hyperface_v1_Image__Output } from './hyperface/v1/Image.js';
import type { JobAccepted as _hyperface_v1_JobAccepted, JobAccepted__Output as _hyperface_v1_JobAccepted__Output } from './hyperface/v1/JobAccepted.js';
import type { LfwPairs as _hyperface_v1_LfwPairs, LfwPairs__Output as _hyperface_v1_LfwPairs__Output } from './hyperface/v1/LfwPairs.js';
import type { NpyPairs as _hyperface_v1_NpyPairs, NpyPairs__Output as _hyperface_v1_NpyPairs__Output } from './hyperface/v1/NpyPairs.js';
import type { PairEmbeddings as _hyperface_v1_PairEmbeddings, PairEmbeddings__Output as _hyperface_v1_PairEmbeddings__Output } from './hyperface/v1/PairEmbeddings.js';
import type { RawImage as _hyperface_v1_RawImage, RawImage__Output as _hyperface_v1_RawImage__Output } from './hyperface/v1/RawImage.js';
import type { TarAtFar as _hyperface_v1_TarAtFar, TarAtFar__Output as _hyperface_v1_TarAtFar__Output } from './hyperface/v1/TarAtFar.js';
import type { Tensor as _hyperface_v1_Tensor, Tensor__Output as _hyperface_v1_Tensor__Output } from './hyperface/v1/Tensor.js';
import type { TensorChunk as _hyperface_v1_TensorChunk, TensorChunk__Output as _hyperface_v1_TensorChunk__Output } from './hyperface/v1/TensorChunk.js';
import type { VerificationResult as _hyperface_v1_VerificationResult, VerificationResult__Output as _hyperface_v1_VerificationResult__Output } from './hyperface/v1/VerificationResult.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  hyperface: {
    v1: {
      DatasetReport: MessageTypeDefinition<_hyperface_v1_DatasetReport, _hyperface_v1_DatasetReport__Output>
      DatasetStats: MessageTypeDefinition<_hyperface_v1_DatasetStats, _hyperface_v1_DatasetStats__Output>
      Device: EnumTypeDefinition
      EvaluateDatasetRequest: MessageTypeDefinition<_hyperface_v1_EvaluateDatasetRequest, _hyperface_v1_EvaluateDatasetRequest__Output>
      EvaluateVerificationRequest: MessageTypeDefinition<_hyperface_v1_EvaluateVerificationRequest, _hyperface_v1_EvaluateVerificationRequest__Output>
      EvaluationEvent: MessageTypeDefinition<_hyperface_v1_EvaluationEvent, _hyperface_v1_EvaluationEvent__Output>
      EvaluationProgress: MessageTypeDefinition<_hyperface_v1_EvaluationProgress, _hyperface_v1_EvaluationProgress__Output>
      EvaluationService: SubtypeConstructor<typeof grpc.Client, _hyperface_v1_EvaluationServiceClient> & { service: _hyperface_v1_EvaluationServiceDefinition }
      Image: MessageTypeDefinition<_hyperface_v1_Image, _hyperface_v1_Image__Output>
      JobAccepted: MessageTypeDefinition<_hyperface_v1_JobAccepted, _hyperface_v1_JobAccepted__Output>
      LfwPairs: MessageTypeDefinition<_hyperface_v1_LfwPairs, _hyperface_v1_LfwPairs__Output>
      NpyPairs: MessageTypeDefinition<_hyperface_v1_NpyPairs, _hyperface_v1_NpyPairs__Output>
      PairEmbeddings: MessageTypeDefinition<_hyperface_v1_PairEmbeddings, _hyperface_v1_PairEmbeddings__Output>
      RawImage: MessageTypeDefinition<_hyperface_v1_RawImage, _hyperface_v1_RawImage__Output>
      TarAtFar: MessageTypeDefinition<_hyperface_v1_TarAtFar, _hyperface_v1_TarAtFar__Output>
      Tensor: MessageTypeDefinition<_hyperface_v1_Tensor, _hyperface_v1_Tensor__Output>
      TensorChunk: MessageTypeDefinition<_hyperface_v1_TensorChunk, _hyperface_v1_TensorChunk__Output>
      VerificationResult: MessageTypeDefinition<_hyperface_v1_VerificationResult, _hyperface_v1_VerificationResult__Output>
    }
  }
}

