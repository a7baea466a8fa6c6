export { RecognitionService } from './service.js';
export type { BatchingStats, EmbeddedFaceResult, EmbedImageInput, EmbedItem, EmbedItemResult, RecognitionServiceOptions } from './service.js';
