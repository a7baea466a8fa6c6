// google.rpc.Status in the `grpc-status-details-bin` trailer, with the two detail types we send:
// google.rpc.BadRequest (field violations) and google.rpc.RetryInfo. The message types come from
// googleapis' own protos (google-proto-files), compiled into gen/descriptors.ts at build time.
import protobuf from 'protobufjs';
import { GOOGLE_RPC } from './gen/descriptors.js';

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

const root = protobuf.Root.fromJSON(GOOGLE_RPC);
const Status = root.lookupType('google.rpc.Status');
const BadRequest = root.lookupType('google.rpc.BadRequest');
const RetryInfo = root.lookupType('google.rpc.RetryInfo');

// Decoded shapes (protobufjs messages; the bundled google.protobuf types keep snake_case names).
interface AnyMessage {
  type_url: string;
  value: Uint8Array;
}
interface StatusMessage {
  code: number;
  message: string;
  details: AnyMessage[];
}
interface DurationMessage {
  seconds: number | protobuf.Long;
  nanos: number;
}

function pack(type: protobuf.Type, typeUrl: string, value: object): AnyMessage {
  return { type_url: typeUrl, value: type.encode(type.create(value)).finish() };
}

export function encodeStatusDetails(details: StatusDetails): Buffer {
  const any: AnyMessage[] = [];
  if (details.fieldViolations.length > 0) any.push(pack(BadRequest, BAD_REQUEST_TYPE, { fieldViolations: details.fieldViolations }));
  if (details.retryDelayMs !== undefined) {
    const ms = Math.max(0, details.retryDelayMs);
    any.push(pack(RetryInfo, RETRY_INFO_TYPE, { retryDelay: { seconds: Math.floor(ms / 1000), nanos: Math.round((ms % 1000) * 1e6) } }));
  }
  return Buffer.from(Status.encode(Status.create({ code: details.code, message: details.message, details: any })).finish());
}

export function decodeStatusDetails(bytes: Uint8Array): StatusDetails {
  const status = Status.decode(bytes) as unknown as StatusMessage;
  const out: StatusDetails = { code: status.code, message: status.message, fieldViolations: [] };
  for (const detail of status.details) {
    if (detail.type_url === BAD_REQUEST_TYPE) {
      const br = BadRequest.decode(detail.value) as unknown as { fieldViolations: FieldViolationDetail[] };
      out.fieldViolations.push(...br.fieldViolations.map((v) => ({ field: v.field, description: v.description })));
    } else if (detail.type_url === RETRY_INFO_TYPE) {
      const ri = RetryInfo.decode(detail.value) as unknown as { retryDelay?: DurationMessage };
      if (ri.retryDelay) out.retryDelayMs = Number(ri.retryDelay.seconds) * 1000 + ri.retryDelay.nanos / 1e6;
    }
  }
  return out;
}
