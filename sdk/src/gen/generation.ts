import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { FaceSample as _hyperface_v1_FaceSample, FaceSample__Output as _hyperface_v1_FaceSample__Output } from './hyperface/v1/FaceSample.js';
import type { GenerateEvent as _hyperface_v1_GenerateEvent, GenerateEvent__Output as _hyperface_v1_GenerateEvent__Output } from './hyperface/v1/GenerateEvent.js';
import type { GenerateProgress as _hyperface_v1_GenerateProgress, GenerateProgress__Output as _hyperface_v1_GenerateProgress__Output } from './hyperface/v1/GenerateProgress.js';
import type { GenerateRequest as _hyperface_v1_GenerateRequest, GenerateRequest__Output as _hyperface_v1_GenerateRequest__Output } from './hyperface/v1/GenerateRequest.js';
import type { GenerateSummary as _hyperface_v1_GenerateSummary, GenerateSummary__Output as _hyperface_v1_GenerateSummary__Output } from './hyperface/v1/GenerateSummary.js';
import type { GenerationServiceClient as _hyperface_v1_GenerationServiceClient, GenerationServiceDefinition as _hyperface_v1_GenerationServiceDefinition } from './hyperface/v1/GenerationService.js';
import type { Image as _hyperface_v1_Image, Image__Output as _hyperface_v1_Image__Output } from './hyperface/v1/Image.js';
import type { JobAccepted as _hyperface_v1_JobAccepted, JobAccepted__Output as _hyperface_v1_JobAccepted__Output } from './hyperface/v1/JobAccepted.js';
import type { RawImage as _hyperface_v1_RawImage, RawImage__Output as _hyperface_v1_RawImage__Output } from './hyperface/v1/RawImage.js';
import type { Tensor as _hyperface_v1_Tensor, Tensor__Output as _hyperface_v1_Tensor__Output } from './hyperface/v1/Tensor.js';
import type { TensorChunk as _hyperface_v1_TensorChunk, TensorChunk__Output as _hyperface_v1_TensorChunk__Output } from './hyperface/v1/TensorChunk.js';
import type { Variation as _hyperface_v1_Variation, Variation__Output as _hyperface_v1_Variation__Output } from './hyperface/v1/Variation.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  hyperface: {
    v1: {
      DatasetFormat: EnumTypeDefinition
      Device: EnumTypeDefinition
      FaceSample: MessageTypeDefinition<_hyperface_v1_FaceSample, _hyperface_v1_FaceSample__Output>
      GenerateEvent: MessageTypeDefinition<_hyperface_v1_GenerateEvent, _hyperface_v1_GenerateEvent__Output>
      GenerateProgress: MessageTypeDefinition<_hyperface_v1_GenerateProgress, _hyperface_v1_GenerateProgress__Output>
      GenerateRequest: MessageTypeDefinition<_hyperface_v1_GenerateRequest, _hyperface_v1_GenerateRequest__Output>
      GenerateSummary: MessageTypeDefinition<_hyperface_v1_GenerateSummary, _hyperface_v1_GenerateSummary__Output>
      /**
       * Renders identity embeddings as face images: identity i x sample k -> one face.
       */
      GenerationService: SubtypeConstructor<typeof grpc.Client, _hyperface_v1_GenerationServiceClient> & { service: _hyperface_v1_GenerationServiceDefinition }
      Image: MessageTypeDefinition<_hyperface_v1_Image, _hyperface_v1_Image__Output>
      ImageFormat: EnumTypeDefinition
      JobAccepted: MessageTypeDefinition<_hyperface_v1_JobAccepted, _hyperface_v1_JobAccepted__Output>
      RawImage: MessageTypeDefinition<_hyperface_v1_RawImage, _hyperface_v1_RawImage__Output>
      Tensor: MessageTypeDefinition<_hyperface_v1_Tensor, _hyperface_v1_Tensor__Output>
      TensorChunk: MessageTypeDefinition<_hyperface_v1_TensorChunk, _hyperface_v1_TensorChunk__Output>
      Variation: MessageTypeDefinition<_hyperface_v1_Variation, _hyperface_v1_Variation__Output>
    }
  }
}

