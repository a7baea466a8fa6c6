// Original file: proto/hyperface/v1/models.proto

export const ModelState = {
  MODEL_STATE_UNSPECIFIED: 'MODEL_STATE_UNSPECIFIED',
  MODEL_STATE_LOADING: 'MODEL_STATE_LOADING',
  MODEL_STATE_WARMING: 'MODEL_STATE_WARMING',
  MODEL_STATE_READY: 'MODEL_STATE_READY',
  MODEL_STATE_FAILED: 'MODEL_STATE_FAILED',
} as const;

export type ModelState =
  | 'MODEL_STATE_UNSPECIFIED'
  | 0
  | 'MODEL_STATE_LOADING'
  | 1
  | 'MODEL_STATE_WARMING'
  | 2
  | 'MODEL_STATE_READY'
  | 3
  | 'MODEL_STATE_FAILED'
  | 4

export type ModelState__Output = typeof ModelState[keyof typeof ModelState]
