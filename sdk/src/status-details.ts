// google.rpc.Status in the `grpc-status-details-bin` trailer, with the two detail types we send:
// google.rpc.BadRequest (field violations) and google.rpc.RetryInfo. Hand-coded with protobufjs'
// Reader/Writer to avoid shipping googleapis' protos (wire format as in googleapis/google/rpc).
import protobuf from 'protobufjs';

export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
export const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';
export const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

export interface FieldViolationDetail {
  field: string;
  description: string;
}

export interface StatusDetails {
  code: number;
  message: string;
  fieldViolations: FieldViolationDetail[];
  retryDelayMs?: number;
}

export function encodeStatusDetails(details: StatusDetails): Buffer {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 0).int32(details.code);
  w.uint32((2 << 3) | 2).string(details.message);
  if (details.fieldViolations.length > 0) {
    const br = protobuf.Writer.create();
    for (const v of details.fieldViolations) {
      br.uint32((1 << 3) | 2).fork();
      br.uint32((1 << 3) | 2).string(v.field);
      br.uint32((2 << 3) | 2).string(v.description);
      br.ldelim();
    }
    writeAny(w, BAD_REQUEST_TYPE, br.finish());
  }
  if (details.retryDelayMs !== undefined) {
    const ri = protobuf.Writer.create();
    ri.uint32((1 << 3) | 2).fork();
    ri.uint32((1 << 3) | 0).int64(Math.floor(details.retryDelayMs / 1000));
    ri.uint32((2 << 3) | 0).int32(Math.round((details.retryDelayMs % 1000) * 1e6));
    ri.ldelim();
    writeAny(w, RETRY_INFO_TYPE, ri.finish());
  }
  return Buffer.from(w.finish());
}

function writeAny(w: protobuf.Writer, typeUrl: string, value: Uint8Array): void {
  w.uint32((3 << 3) | 2).fork();
  w.uint32((1 << 3) | 2).string(typeUrl);
  w.uint32((2 << 3) | 2).bytes(value);
  w.ldelim();
}

export function decodeStatusDetails(bytes: Uint8Array): StatusDetails {
  const out: StatusDetails = { code: 0, message: '', fieldViolations: [] };
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        out.code = r.int32();
        break;
      case 2:
        out.message = r.string();
        break;
      case 3: {
        const anyR = protobuf.Reader.create(r.bytes());
        let typeUrl = '';
        let value: Uint8Array = new Uint8Array();
        while (anyR.pos < anyR.len) {
          const t = anyR.uint32();
          if (t >>> 3 === 1) typeUrl = anyR.string();
          else if (t >>> 3 === 2) value = anyR.bytes();
          else anyR.skipType(t & 7);
        }
        if (typeUrl === BAD_REQUEST_TYPE) out.fieldViolations.push(...decodeBadRequest(value));
        else if (typeUrl === RETRY_INFO_TYPE) out.retryDelayMs = decodeRetryInfo(value);
        break;
      }
      default:
        r.skipType(tag & 7);
    }
  }
  return out;
}

function decodeBadRequest(bytes: Uint8Array): FieldViolationDetail[] {
  const r = protobuf.Reader.create(bytes);
  const list: FieldViolationDetail[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 !== 1) {
      r.skipType(tag & 7);
      continue;
    }
    const vr = protobuf.Reader.create(r.bytes());
    const v: FieldViolationDetail = { field: '', description: '' };
    while (vr.pos < vr.len) {
      const t = vr.uint32();
      if (t >>> 3 === 1) v.field = vr.string();
      else if (t >>> 3 === 2) v.description = vr.string();
      else vr.skipType(t & 7);
    }
    list.push(v);
  }
  return list;
}

function decodeRetryInfo(bytes: Uint8Array): number {
  const r = protobuf.Reader.create(bytes);
  let ms = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 !== 1) {
      r.skipType(tag & 7);
      continue;
    }
    const dr = protobuf.Reader.create(r.bytes());
    while (dr.pos < dr.len) {
      const t = dr.uint32();
      if (t >>> 3 === 1) ms += Number(dr.int64()) * 1000;
      else if (t >>> 3 === 2) ms += dr.int32() / 1e6;
      else dr.skipType(t & 7);
    }
  }
  return ms;
}
