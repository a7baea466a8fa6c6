// Original file: proto/hyperface/v1/generation.proto

export const DatasetFormat = {
  /**
   * No dataset written; samples only stream to the client.
   */
  DATASET_FORMAT_NONE: 'DATASET_FORMAT_NONE',
  /**
   * <output_dir>/<identity:06d>/<sample:04d>.(png|jpg) + manifest.jsonl.
   */
  DATASET_FORMAT_IMAGEFOLDER: 'DATASET_FORMAT_IMAGEFOLDER',
  /**
   * insightface RecordIO: train.rec, train.idx, property + manifest.jsonl.
   */
  DATASET_FORMAT_RECORDIO: 'DATASET_FORMAT_RECORDIO',
} as const;

export type DatasetFormat =
  /**
   * No dataset written; samples only stream to the client.
   */
  | 'DATASET_FORMAT_NONE'
  | 0
  /**
   * <output_dir>/<identity:06d>/<sample:04d>.(png|jpg) + manifest.jsonl.
   */
  | 'DATASET_FORMAT_IMAGEFOLDER'
  | 1
  /**
   * insightface RecordIO: train.rec, train.idx, property + manifest.jsonl.
   */
  | 'DATASET_FORMAT_RECORDIO'
  | 2

export type DatasetFormat__Output = typeof DatasetFormat[keyof typeof DatasetFormat]
