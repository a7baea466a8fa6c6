// Original file: proto/hyperface/v1/evaluation.proto


export interface TarAtFar {
  'far'?: (number | string);
  'tar'?: (number | string);
  'threshold'?: (number | string);
}

export interface TarAtFar__Output {
  'far': (number);
  'tar': (number);
  'threshold': (number);
}
