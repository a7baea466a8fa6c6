// Original file: proto/hyperface/v1/models.proto

export const ModelKind = {
  MODEL_KIND_UNSPECIFIED: 'MODEL_KIND_UNSPECIFIED',
  MODEL_KIND_RECOGNIZER: 'MODEL_KIND_RECOGNIZER',
  MODEL_KIND_GENERATOR: 'MODEL_KIND_GENERATOR',
} as const;

export type ModelKind =
  | 'MODEL_KIND_UNSPECIFIED'
  | 0
  | 'MODEL_KIND_RECOGNIZER'
  | 1
  | 'MODEL_KIND_GENERATOR'
  | 2

export type ModelKind__Output = typeof ModelKind[keyof typeof ModelKind]
