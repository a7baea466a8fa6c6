// Original file: proto/hyperface/v1/models.proto

import type { ModelKind as _hyperface_v1_ModelKind, ModelKind__Output as _hyperface_v1_ModelKind__Output } from '../../hyperface/v1/ModelKind.js';
import type { TensorSpec as _hyperface_v1_TensorSpec, TensorSpec__Output as _hyperface_v1_TensorSpec__Output } from '../../hyperface/v1/TensorSpec.js';
import type { ModelState as _hyperface_v1_ModelState, ModelState__Output as _hyperface_v1_ModelState__Output } from '../../hyperface/v1/ModelState.js';

export interface ModelInfo {
  'name'?: (string);
  'kind'?: (_hyperface_v1_ModelKind);
  /**
   * "onnx", "tfjs", "kserve-v2", "builtin", "onnx-decoder", "onnx-diffusion".
   */
  'backend'?: (string);
  /**
   * Execution provider actually in use: "cpu", "webgpu", "cuda", "wasm", "tensorflow", "remote".
   */
  'provider'?: (string);
  'inputs'?: (_hyperface_v1_TensorSpec)[];
  'outputs'?: (_hyperface_v1_TensorSpec)[];
  /**
   * Embedding dimension (recognizers; for generators the identity-embedding dimension they take).
   */
  'dim'?: (number);
  'state'?: (_hyperface_v1_ModelState);
  /**
   * Why the model failed, when FAILED.
   */
  'error'?: (string);
  /**
   * Square input/output image side in pixels.
   */
  'imageSize'?: (number);
  'isDefault'?: (boolean);
  'description'?: (string);
}

export interface ModelInfo__Output {
  'name': (string);
  'kind': (_hyperface_v1_ModelKind__Output);
  /**
   * "onnx", "tfjs", "kserve-v2", "builtin", "onnx-decoder", "onnx-diffusion".
   */
  'backend': (string);
  /**
   * Execution provider actually in use: "cpu", "webgpu", "cuda", "wasm", "tensorflow", "remote".
   */
  'provider': (string);
  'inputs': (_hyperface_v1_TensorSpec__Output)[];
  'outputs': (_hyperface_v1_TensorSpec__Output)[];
  /**
   * Embedding dimension (recognizers; for generators the identity-embedding dimension they take).
   */
  'dim': (number);
  'state': (_hyperface_v1_ModelState__Output);
  /**
   * Why the model failed, when FAILED.
   */
  'error': (string);
  /**
   * Square input/output image side in pixels.
   */
  'imageSize': (number);
  'isDefault': (boolean);
  'description': (string);
}
