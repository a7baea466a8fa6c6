// Original file: proto/hyperface/v1/common.proto


/**
 * A dense float32 tensor.
 * `data` holds prod(shape) little-endian IEEE-754 float32 values in row-major order,
 * so len(data) == 4 * prod(shape). Embeddings are [N, D] with unit-length rows.
 */
export interface Tensor {
  'shape'?: (number)[];
  'data'?: (Buffer | Uint8Array | string);
}

/**
 * A dense float32 tensor.
 * `data` holds prod(shape) little-endian IEEE-754 float32 values in row-major order,
 * so len(data) == 4 * prod(shape). Embeddings are [N, D] with unit-length rows.
 */
export interface Tensor__Output {
  'shape': (number)[];
  'data': (Buffer);
}
