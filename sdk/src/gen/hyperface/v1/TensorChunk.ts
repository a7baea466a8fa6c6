// Original file: proto/hyperface/v1/common.proto

import type { Tensor as _hyperface_v1_Tensor, Tensor__Output as _hyperface_v1_Tensor__Output } from '../../hyperface/v1/Tensor.js';

/**
 * A chunk of rows of a larger [N, D] float32 result. Chunks arrive in row order;
 * each carries at most ~1 MiB of data so no message exceeds the 4 MiB default limit.
 */
export interface TensorChunk {
  /**
   * Index of the first row in this chunk.
   */
  'rowOffset'?: (number);
  /**
   * Total rows of the whole result.
   */
  'totalRows'?: (number);
  /**
   * Rows [row_offset, row_offset + rows.shape[0]).
   */
  'rows'?: (_hyperface_v1_Tensor | null);
}

/**
 * A chunk of rows of a larger [N, D] float32 result. Chunks arrive in row order;
 * each carries at most ~1 MiB of data so no message exceeds the 4 MiB default limit.
 */
export interface TensorChunk__Output {
  /**
   * Index of the first row in this chunk.
   */
  'rowOffset': (number);
  /**
   * Total rows of the whole result.
   */
  'totalRows': (number);
  /**
   * Rows [row_offset, row_offset + rows.shape[0]).
   */
  'rows': (_hyperface_v1_Tensor__Output | null);
}
