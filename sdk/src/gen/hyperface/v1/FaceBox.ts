// Original file: proto/hyperface/v1/recognition.proto


export interface FaceBox {
  'x'?: (number | string);
  'y'?: (number | string);
  'width'?: (number | string);
  'height'?: (number | string);
}

export interface FaceBox__Output {
  'x': (number);
  'y': (number);
  'width': (number);
  'height': (number);
}
