// Original file: proto/hyperface/v1/common.proto

/**
 * Where compute runs. UNSPECIFIED = the daemon's configured default (`compute.device`, default cpu).
 * GPU uses onnxruntime's WebGPU execution provider and falls back to CPU with a warning
 * (reported in the job's events) when no adapter is found.
 */
export const Device = {
  DEVICE_UNSPECIFIED: 'DEVICE_UNSPECIFIED',
  DEVICE_CPU: 'DEVICE_CPU',
  DEVICE_GPU: 'DEVICE_GPU',
} as const;

/**
 * Where compute runs. UNSPECIFIED = the daemon's configured default (`compute.device`, default cpu).
 * GPU uses onnxruntime's WebGPU execution provider and falls back to CPU with a warning
 * (reported in the job's events) when no adapter is found.
 */
export type Device =
  | 'DEVICE_UNSPECIFIED'
  | 0
  | 'DEVICE_CPU'
  | 1
  | 'DEVICE_GPU'
  | 2

/**
 * Where compute runs. UNSPECIFIED = the daemon's configured default (`compute.device`, default cpu).
 * GPU uses onnxruntime's WebGPU execution provider and falls back to CPU with a warning
 * (reported in the job's events) when no adapter is found.
 */
export type Device__Output = typeof Device[keyof typeof Device]
