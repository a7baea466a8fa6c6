// Original file: proto/hyperface/v1/models.proto


export interface GetModelRequest {
  'name'?: (string);
}

export interface GetModelRequest__Output {
  'name': (string);
}
