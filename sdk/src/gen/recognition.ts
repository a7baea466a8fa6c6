import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { EmbedRequest as _hyperface_v1_EmbedRequest, EmbedRequest__Output as _hyperface_v1_EmbedRequest__Output } from './hyperface/v1/EmbedRequest.js';
import type { EmbedResponse as _hyperface_v1_EmbedResponse, EmbedResponse__Output as _hyperface_v1_EmbedResponse__Output } from './hyperface/v1/EmbedResponse.js';
import type { EmbeddedFace as _hyperface_v1_EmbeddedFace, EmbeddedFace__Output as _hyperface_v1_EmbeddedFace__Output } from './hyperface/v1/EmbeddedFace.js';
import type { FaceBox as _hyperface_v1_FaceBox, FaceBox__Output as _hyperface_v1_FaceBox__Output } from './hyperface/v1/FaceBox.js';
import type { Image as _hyperface_v1_Image, Image__Output as _hyperface_v1_Image__Output } from './hyperface/v1/Image.js';
import type { ItemError as _hyperface_v1_ItemError, ItemError__Output as _hyperface_v1_ItemError__Output } from './hyperface/v1/ItemError.js';
import type { JobAccepted as _hyperface_v1_JobAccepted, JobAccepted__Output as _hyperface_v1_JobAccepted__Output } from './hyperface/v1/JobAccepted.js';
import type { RawImage as _hyperface_v1_RawImage, RawImage__Output as _hyperface_v1_RawImage__Output } from './hyperface/v1/RawImage.js';
import type { RecognitionServiceClient as _hyperface_v1_RecognitionServiceClient, RecognitionServiceDefinition as _hyperface_v1_RecognitionServiceDefinition } from './hyperface/v1/RecognitionService.js';
import type { Tensor as _hyperface_v1_Tensor, Tensor__Output as _hyperface_v1_Tensor__Output } from './hyperface/v1/Tensor.js';
import type { TensorChunk as _hyperface_v1_TensorChunk, TensorChunk__Output as _hyperface_v1_TensorChunk__Output } from './hyperface/v1/TensorChunk.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  hyperface: {
    v1: {
      Device: EnumTypeDefinition
      EmbedRequest: MessageTypeDefinition<_hyperface_v1_EmbedRequest, _hyperface_v1_EmbedRequest__Output>
      EmbedResponse: MessageTypeDefinition<_hyperface_v1_EmbedResponse, _hyperface_v1_EmbedResponse__Output>
      EmbeddedFace: MessageTypeDefinition<_hyperface_v1_EmbeddedFace, _hyperface_v1_EmbeddedFace__Output>
      FaceBox: MessageTypeDefinition<_hyperface_v1_FaceBox, _hyperface_v1_FaceBox__Output>
      Image: MessageTypeDefinition<_hyperface_v1_Image, _hyperface_v1_Image__Output>
      ItemError: MessageTypeDefinition<_hyperface_v1_ItemError, _hyperface_v1_ItemError__Output>
      JobAccepted: MessageTypeDefinition<_hyperface_v1_JobAccepted, _hyperface_v1_JobAccepted__Output>
      RawImage: MessageTypeDefinition<_hyperface_v1_RawImage, _hyperface_v1_RawImage__Output>
      RecognitionService: SubtypeConstructor<typeof grpc.Client, _hyperface_v1_RecognitionServiceClient> & { service: _hyperface_v1_RecognitionServiceDefinition }
      Tensor: MessageTypeDefinition<_hyperface_v1_Tensor, _hyperface_v1_Tensor__Output>
      TensorChunk: MessageTypeDefinition<_hyperface_v1_TensorChunk, _hyperface_v1_TensorChunk__Output>
    }
  }
}

