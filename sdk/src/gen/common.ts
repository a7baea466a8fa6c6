import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Image as _hyperface_v1_Image, Image__Output as _hyperface_v1_Image__Output } from './hyperface/v1/Image.js';
import type { JobAccepted as _hyperface_v1_JobAccepted, JobAccepted__Output as _hyperface_v1_JobAccepted__Output } from './hyperface/v1/JobAccepted.js';
import type { RawImage as _hyperface_v1_RawImage, RawImage__Output as _hyperface_v1_RawImage__Output } from './hyperface/v1/RawImage.js';
import type { Tensor as _hyperface_v1_Tensor, Tensor__Output as _hyperface_v1_Tensor__Output } from './hyperface/v1/Tensor.js';
import type { TensorChunk as _hyperface_v1_TensorChunk, TensorChunk__Output as _hyperface_v1_TensorChunk__Output } from './hyperface/v1/TensorChunk.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  hyperface: {
    v1: {
      Device: EnumTypeDefinition
      Image: MessageTypeDefinition<_hyperface_v1_Image, _hyperface_v1_Image__Output>
      JobAccepted: MessageTypeDefinition<_hyperface_v1_JobAccepted, _hyperface_v1_JobAccepted__Output>
      RawImage: MessageTypeDefinition<_hyperface_v1_RawImage, _hyperface_v1_RawImage__Output>
      Tensor: MessageTypeDefinition<_hyperface_v1_Tensor, _hyperface_v1_Tensor__Output>
      TensorChunk: MessageTypeDefinition<_hyperface_v1_TensorChunk, _hyperface_v1_TensorChunk__Output>
    }
  }
}

