import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { FixedReport as _hyperface_v1_FixedReport, FixedReport__Output as _hyperface_v1_FixedReport__Output } from './hyperface/v1/FixedReport.js';
import type { FixedSource as _hyperface_v1_FixedSource, FixedSource__Output as _hyperface_v1_FixedSource__Output } from './hyperface/v1/FixedSource.js';
import type { GallerySource as _hyperface_v1_GallerySource, GallerySource__Output as _hyperface_v1_GallerySource__Output } from './hyperface/v1/GallerySource.js';
import type { Image as _hyperface_v1_Image, Image__Output as _hyperface_v1_Image__Output } from './hyperface/v1/Image.js';
import type { JobAccepted as _hyperface_v1_JobAccepted, JobAccepted__Output as _hyperface_v1_JobAccepted__Output } from './hyperface/v1/JobAccepted.js';
import type { PackEvent as _hyperface_v1_PackEvent, PackEvent__Output as _hyperface_v1_PackEvent__Output } from './hyperface/v1/PackEvent.js';
import type { PackMetrics as _hyperface_v1_PackMetrics, PackMetrics__Output as _hyperface_v1_PackMetrics__Output } from './hyperface/v1/PackMetrics.js';
import type { PackProgress as _hyperface_v1_PackProgress, PackProgress__Output as _hyperface_v1_PackProgress__Output } from './hyperface/v1/PackProgress.js';
import type { PackRequest as _hyperface_v1_PackRequest, PackRequest__Output as _hyperface_v1_PackRequest__Output } from './hyperface/v1/PackRequest.js';
import type { PackResult as _hyperface_v1_PackResult, PackResult__Output as _hyperface_v1_PackResult__Output } from './hyperface/v1/PackResult.js';
import type { PackingServiceClient as _hyperface_v1_PackingServiceClient, PackingServiceDefinition as _hyperface_v1_PackingServiceDefinition } from './hyperface/v1/PackingService.js';
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
      FixedReport: MessageTypeDefinition<_hyperface_v1_FixedReport, _hyperface_v1_FixedReport__Output>
      FixedSource: MessageTypeDefinition<_hyperface_v1_FixedSource, _hyperface_v1_FixedSource__Output>
      GallerySource: MessageTypeDefinition<_hyperface_v1_GallerySource, _hyperface_v1_GallerySource__Output>
      Image: MessageTypeDefinition<_hyperface_v1_Image, _hyperface_v1_Image__Output>
      JobAccepted: MessageTypeDefinition<_hyperface_v1_JobAccepted, _hyperface_v1_JobAccepted__Output>
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
      RawImage: MessageTypeDefinition<_hyperface_v1_RawImage, _hyperface_v1_RawImage__Output>
      Tensor: MessageTypeDefinition<_hyperface_v1_Tensor, _hyperface_v1_Tensor__Output>
      TensorChunk: MessageTypeDefinition<_hyperface_v1_TensorChunk, _hyperface_v1_TensorChunk__Output>
    }
  }
}

