// Original file: proto/hyperface/v1/jobs.proto

export const JobKind = {
  JOB_KIND_UNSPECIFIED: 'JOB_KIND_UNSPECIFIED',
  JOB_KIND_PACK: 'JOB_KIND_PACK',
  JOB_KIND_GENERATE: 'JOB_KIND_GENERATE',
  JOB_KIND_EVALUATE_VERIFICATION: 'JOB_KIND_EVALUATE_VERIFICATION',
  JOB_KIND_EVALUATE_DATASET: 'JOB_KIND_EVALUATE_DATASET',
} as const;

export type JobKind =
  | 'JOB_KIND_UNSPECIFIED'
  | 0
  | 'JOB_KIND_PACK'
  | 1
  | 'JOB_KIND_GENERATE'
  | 2
  | 'JOB_KIND_EVALUATE_VERIFICATION'
  | 3
  | 'JOB_KIND_EVALUATE_DATASET'
  | 4

export type JobKind__Output = typeof JobKind[keyof typeof JobKind]
