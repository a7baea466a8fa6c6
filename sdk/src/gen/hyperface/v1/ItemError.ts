// Original file: proto/hyperface/v1/recognition.proto


export interface ItemError {
  /**
   * Canonical gRPC code name, e.g. "INVALID_ARGUMENT", "NOT_FOUND" (no face).
   */
  'code'?: (string);
  'message'?: (string);
}

export interface ItemError__Output {
  /**
   * Canonical gRPC code name, e.g. "INVALID_ARGUMENT", "NOT_FOUND" (no face).
   */
  'code': (string);
  'message': (string);
}
