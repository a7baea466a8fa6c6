import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CancelJobRequest as _hyperface_v1_CancelJobRequest, CancelJobRequest__Output as _hyperface_v1_CancelJobRequest__Output } from './hyperface/v1/CancelJobRequest.js';
import type { DatasetReport as _hyperface_v1_DatasetReport, DatasetReport__Output as _hyperface_v1_DatasetReport__Output } from './hyperface/v1/DatasetReport.js';
import type { DatasetStats as _hyperface_v1_DatasetStats, DatasetStats__Output as _hyperface_v1_DatasetStats__Output } from './hyperface/v1/DatasetStats.js';
import type { EvaluateDatasetRequest as _hyperface_v1_EvaluateDatasetRequest, EvaluateDatasetRequest__Output as _hyperface_v1_EvaluateDatasetRequest__Output } from './hyperface/v1/EvaluateDatasetRequest.js';
import type { EvaluateVerificationRequest as _hyperface_v1_EvaluateVerificationRequest, EvaluateVerificationRequest__Output as _hyperface_v1_EvaluateVerificationRequest__Output } from './hyperface/v1/EvaluateVerificationRequest.js';
import type { EvaluationEvent as _hyperface_v1_EvaluationEvent, EvaluationEvent__Output as _hyperface_v1_EvaluationEvent__Output } from './hyperface/v1/EvaluationEvent.js';
import type { EvaluationProgress as _hyperface_v1_EvaluationProgress, EvaluationProgress__Output as _hyperface_v1_EvaluationProgress__Output } from './hyperface/v1/EvaluationProgress.js';
import type { EvaluationServiceClient as _hyperface_v1_EvaluationServiceClient, EvaluationServiceDefinition as _hyperface_v1_EvaluationServiceDefinition } from './hyperface/v1/EvaluationService.js';
import type { FaceSample as _hyperface_v1_FaceSample, FaceSample__Output as _hyperface_v1_FaceSample__Output } from './hyperface/v1/FaceSample.js';
import type { FixedReport as _hyperface_v1_FixedReport, FixedReport__Output as _hyperface_v1_FixedReport__Output } from './hyperface/v1/FixedReport.js';
import type { FixedSource as _hyperface_v1_FixedSource, FixedSource__Output as _hyperface_v1_FixedSource__Output } from './hyperface/v1/FixedSource.js';
import type { GallerySource as _hyperface_v1_GallerySource, GallerySource__Output as _hyperface_v1_GallerySource__Output } from './hyperface/v1/GallerySource.js';
import type { GenerateEvent as _hyperface_v1_GenerateEvent, GenerateEvent__Output as _hyperface_v1_GenerateEvent__Output } from './hyperface/v1/GenerateEvent.js';
import type { GenerateProgress as _hyperface_v1_GenerateProgress, GenerateProgress__Output as _hyperface_v1_GenerateProgress__Output } from './hyperface/v1/GenerateProgress.js';
import type { GenerateRequest as _hyperface_v1_GenerateRequest, GenerateRequest__Output as _hyperface_v1_GenerateRequest__Output } from './hyperface/v1/GenerateRequest.js';
import type { GenerateSummary as _hyperface_v1_GenerateSummary, GenerateSummary__Output as _hyperface_v1_GenerateSummary__Output } from './hyperface/v1/GenerateSummary.js';
import type { GenerationServiceClient as _hyperface_v1_GenerationServiceClient, GenerationServiceDefinition as _hyperface_v1_GenerationServiceDefinition } from './hyperface/v1/GenerationService.js';
import type { GetJobRequest as _hyperface_v1_GetJobRequest, GetJobRequest__Output as _hyperface_v1_GetJobRequest__Output } from './hyperface/v1/GetJobRequest.js';
import type { Image as _hyperface_v1_Image, Image__Output as _hyperface_v1_Image__Output } from './hyperface/v1/Image.js';
import type { Job as _hyperface_v1_Job, Job__Output as _hyperface_v1_Job__Output } from './hyperface/v1/Job.js';
import type { JobAccepted as _hyperface_v1_JobAccepted, JobAccepted__Output as _hyperface_v1_JobAccepted__Output } from './hyperface/v1/JobAccepted.js';
import type { JobEvent as _hyperface_v1_JobEvent, JobEvent__Output as _hyperface_v1_JobEvent__Output } from './hyperface/v1/JobEvent.js';
import type { JobServiceClient as _hyperface_v1_JobServiceClient, JobServiceDefinition as _hyperface_v1_JobServiceDefinition } from './hyperface/v1/JobService.js';
import type { LfwPairs as _hyperface_v1_LfwPairs, LfwPairs__Output as _hyperface_v1_LfwPairs__Output } from './hyperface/v1/LfwPairs.js';
import type { ListJobsRequest as _hyperface_v1_ListJobsRequest, ListJobsRequest__Output as _hyperface_v1_ListJobsRequest__Output } from './hyperface/v1/ListJobsRequest.js';
import type { ListJobsResponse as _hyperface_v1_ListJobsResponse, ListJobsResponse__Output as _hyperface_v1_ListJobsResponse__Output } from './hyperface/v1/ListJobsResponse.js';
import type { NpyPairs as _hyperface_v1_NpyPairs, NpyPairs__Output as _hyperface_v1_NpyPairs__Output } from './hyperface/v1/NpyPairs.js';
import type { PackEvent as _hyperface_v1_PackEvent, PackEvent__Output as _hyperface_v1_PackEvent__Output } from './hyperface/v1/PackEvent.js';
import type { PackMetrics as _hyperface_v1_PackMetrics, PackMetrics__Output as _hyperface_v1_PackMetrics__Output } from './hyperface/v1/PackMetrics.js';
import type { PackProgress as _hyperface_v1_PackProgress, PackProgress__Output as _hyperface_v1_PackProgress__Output } from './hyperface/v1/PackProgress.js';
import type { PackRequest as _hyperface_v1_PackRequest, PackRequest__Output as _hyperface_v1_PackRequest__Output } from './hyperface/v1/PackRequest.js';
import type { PackResult as _hyperface_v1_PackResult, PackResult__Output as _hyperface_v1_PackResult__Output } from './hyperface/v1/PackResult.js';
import type { PackingServiceClient as _hyperface_v1_PackingServiceClient, PackingServiceDefinition as _hyperface_v1_PackingServiceDefinition } from './hyperface/v1/PackingService.js';
import type { PairEmbeddings as _hyperface_v1_PairEmbeddings, PairEmbeddings__Output as _hyperface_v1_PairEmbeddings__Output } from './hyperface/v1/PairEmbeddings.js';
import type { RawImage as _hyperface_v1_RawImage, RawImage__Output as _hyperface_v1_RawImage__Output } from './hyperface/v1/RawImage.js';
import type { TarAtFar as _hyperface_v1_TarAtFar, TarAtFar__Output as _hyperface_v1_TarAtFar__Output } from './hyperface/v1/TarAtFar.js';
import type { Tensor as _hyperface_v1_Tensor, Tensor__Output as _hyperface_v1_Tensor__Output } from './hyperface/v1/Tensor.js';
import type { TensorChunk as _hyperface_v1_TensorChunk, TensorChunk__Output as _hyperface_v1_TensorChunk__Output } from './hyperface/v1/TensorChunk.js';
import type { Variation as _hyperface_v1_Variation, Variation__Output as _hyperface_v1_Variation__Output } from './hyperface/v1/Variation.js';
import type { VerificationResult as _hyperface_v1_VerificationResult, VerificationResult__Output as _hyperface_v1_VerificationResult__Output } from './hyperface/v1/VerificationResult.js';
import type { WatchJobRequest as _hyperface_v1_WatchJobRequest, WatchJobRequest__Output as _hyperface_v1_WatchJobRequest__Output } from './hyperface/v1/WatchJobRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  hyperface: {
    v1: {
      CancelJobRequest: MessageTypeDefinition<_hyperface_v1_CancelJobRequest, _hyperface_v1_CancelJobRequest__Output>
      DatasetFormat: EnumTypeDefinition
      DatasetReport: MessageTypeDefinition<_hyperface_v1_DatasetReport, _hyperface_v1_DatasetReport__Output>
      DatasetStats: MessageTypeDefinition<_hyperface_v1_DatasetStats, _hyperface_v1_DatasetStats__Output>
      Device: EnumTypeDefinition
      EvaluateDatasetRequest: MessageTypeDefinition<_hyperface_v1_EvaluateDatasetRequest, _hyperface_v1_EvaluateDatasetRequest__Output>
      EvaluateVerificationRequest: MessageTypeDefinition<_hyperface_v1_EvaluateVerificationRequest, _hyperface_v1_EvaluateVerificationRequest__Output>
      EvaluationEvent: MessageTypeDefinition<_hyperface_v1_EvaluationEvent, _hyperface_v1_EvaluationEvent__Output>
      EvaluationProgress: MessageTypeDefinition<_hyperface_v1_EvaluationProgress, _hyperface_v1_EvaluationProgress__Output>
      EvaluationService: SubtypeConstructor<typeof grpc.Client, _hyperface_v1_EvaluationServiceClient> & { service: _hyperface_v1_EvaluationServiceDefinition }
      FaceSample: MessageTypeDefinition<_hyperface_v1_FaceSample, _hyperface_v1_FaceSample__Output>
      FixedReport: MessageTypeDefinition<_hyperface_v1_FixedReport, _hyperface_v1_FixedReport__Output>
      FixedSource: MessageTypeDefinition<_hyperface_v1_FixedSource, _hyperface_v1_FixedSource__Output>
      GallerySource: MessageTypeDefinition<_hyperface_v1_GallerySource, _hyperface_v1_GallerySource__Output>
      GenerateEvent: MessageTypeDefinition<_hyperface_v1_GenerateEvent, _hyperface_v1_GenerateEvent__Output>
      GenerateProgress: MessageTypeDefinition<_hyperface_v1_GenerateProgress, _hyperface_v1_GenerateProgress__Output>
      GenerateRequest: MessageTypeDefinition<_hyperface_v1_GenerateRequest, _hyperface_v1_GenerateRequest__Output>
      GenerateSummary: MessageTypeDefinition<_hyperface_v1_GenerateSummary, _hyperface_v1_GenerateSummary__Output>
      /**
       * Renders identity embeddings as face images: identity i x sample k -> one face.
       */
      GenerationService: SubtypeConstructor<typeof grpc.Client, _hyperface_v1_GenerationServiceClient> & { service: _hyperface_v1_GenerationServiceDefinition }
      GetJobRequest: MessageTypeDefinition<_hyperface_v1_GetJobRequest, _hyperface_v1_GetJobRequest__Output>
      Image: MessageTypeDefinition<_hyperface_v1_Image, _hyperface_v1_Image__Output>
      ImageFormat: EnumTypeDefinition
      Job: MessageTypeDefinition<_hyperface_v1_Job, _hyperface_v1_Job__Output>
      JobAccepted: MessageTypeDefinition<_hyperface_v1_JobAccepted, _hyperface_v1_JobAccepted__Output>
      JobEvent: MessageTypeDefinition<_hyperface_v1_JobEvent, _hyperface_v1_JobEvent__Output>
      JobKind: EnumTypeDefinition
      /**
       * Long work (pack, generate, evaluate) runs as a job persisted under <data-dir>/jobs/<id>/.
       * Jobs survive a daemon restart: unfinished ones resume from their last checkpoint.
       */
      JobService: SubtypeConstructor<typeof grpc.Client, _hyperface_v1_JobServiceClient> & { service: _hyperface_v1_JobServiceDefinition }
      JobState: EnumTypeDefinition
      LfwPairs: MessageTypeDefinition<_hyperface_v1_LfwPairs, _hyperface_v1_LfwPairs__Output>
      ListJobsRequest: MessageTypeDefinition<_hyperface_v1_ListJobsRequest, _hyperface_v1_ListJobsRequest__Output>
      ListJobsResponse: MessageTypeDefinition<_hyperface_v1_ListJobsResponse, _hyperface_v1_ListJobsResponse__Output>
      NpyPairs: MessageTypeDefinition<_hyperface_v1_NpyPairs, _hyperface_v1_NpyPairs__Output>
      PackEvent: MessageTypeDefinition<_hyperface_v1_PackEvent, _hyperface_v1_PackEvent__Output>
      PackInit: EnumTypeDefinition
      PackMetrics: MessageTypeDefinition<_hyperface_v1_PackMetrics, _hyperface_v1_PackMetrics__Output>
      PackMode: EnumTypeDefinition
      PackProgress: MessageTypeDefinition<_hyperface_v1_PackProgress, _hyperface_v1_PackProgress__Output>
      PackRequest: MessageTypeDefinition<_hyperface_v1_PackRequest, _hyperface_v1_PackRequest__Output>
      PackResult: MessageTypeDefinition<_hyperface_v1_PackResult, _hyperface_v1_PackResult__Output>
      /**
       * HyperFace identity packing (Otroshi Shahreza & Marcel, ICLR 2025): place N unit vectors on the
       * hypersphere of a recognizer's embedding space so that identities are far apart, while a regulariser
       * keeps every point near a gallery of real-looking face embeddings. The paper's objective:
       * loss = mean_i max_{j != i} cos(x_i, x_j) + alpha * mean_i (1 - max_g cos(x_i, g))
       */
      PackingService: SubtypeConstructor<typeof grpc.Client, _hyperface_v1_PackingServiceClient> & { service: _hyperface_v1_PackingServiceDefinition }
      PairEmbeddings: MessageTypeDefinition<_hyperface_v1_PairEmbeddings, _hyperface_v1_PairEmbeddings__Output>
      RawImage: MessageTypeDefinition<_hyperface_v1_RawImage, _hyperface_v1_RawImage__Output>
      TarAtFar: MessageTypeDefinition<_hyperface_v1_TarAtFar, _hyperface_v1_TarAtFar__Output>
      Tensor: MessageTypeDefinition<_hyperface_v1_Tensor, _hyperface_v1_Tensor__Output>
      TensorChunk: MessageTypeDefinition<_hyperface_v1_TensorChunk, _hyperface_v1_TensorChunk__Output>
      Variation: MessageTypeDefinition<_hyperface_v1_Variation, _hyperface_v1_Variation__Output>
      VerificationResult: MessageTypeDefinition<_hyperface_v1_VerificationResult, _hyperface_v1_VerificationResult__Output>
      WatchJobRequest: MessageTypeDefinition<_hyperface_v1_WatchJobRequest, _hyperface_v1_WatchJobRequest__Output>
    }
  }
}

