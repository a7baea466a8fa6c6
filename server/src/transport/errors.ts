// THE one place where domain errors become gRPC statuses: handlers, the interceptors (UNAUTHENTICATED,
// RESOURCE_EXHAUSTED) and Embed's per-item errors all go through toPublicError. Known errors keep
// their public message; anything unexpected becomes INTERNAL with a generic message, the detail
// going only to the log.
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { encodeStatusDetails, STATUS_DETAILS_KEY } from '@hyperface/sdk/status-details';
import { TensorError } from '@hyperface/sdk/tensor';
import { NpyFormatError } from '@hyperface/sdk/npy';
import { HyperfaceError, InvalidArgumentError, type ErrorCode, type FieldViolation } from '../shared/errors.js';
import type { Logger } from '../shared/logging.js';

/** The trailer gRPC clients read a server's retry delay from (gRFC A6). */
export const RETRY_PUSHBACK_KEY = 'grpc-retry-pushback-ms';

/**
 * Longest message sent back: a message may quote what the client sent (a path, a name), and an
 * unbounded one does not fit the HTTP/2 trailers, so the client would only see its deadline.
 */
export const MAX_DETAILS_CHARS = 1024;

export function clipMessage(text: string, max = MAX_DETAILS_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/** What a client is told about a failure: the code and public message, with the google.rpc details. */
export interface PublicError {
  code: ErrorCode;
  grpcCode: status;
  message: string;
  fieldViolations: FieldViolation[];
  retryDelayMs?: number;
}

/**
 * Anything thrown while serving `method` as what the client may see. Known errors keep their public
 * message (clipped); anything unexpected becomes INTERNAL with a generic message, the detail going
 * only to the log. Every status the daemon sends goes through here (calls, interceptors, Embed items).
 */
export function toPublicError(error: unknown, log: Logger, method: string): PublicError {
  let known: HyperfaceError | undefined;
  if (error instanceof HyperfaceError) known = error;
  else if (error instanceof TensorError || error instanceof NpyFormatError) known = new InvalidArgumentError({ field: 'tensor', description: error.message });
  if (!known || known.code === 'UNKNOWN' || known.code === 'OK') {
    log.error('unexpected error', { method, error: error instanceof Error ? error : String(error) });
    return { code: 'INTERNAL', grpcCode: status.INTERNAL, message: 'internal error (see the daemon log)', fieldViolations: [] };
  }
  if (known.code === 'INTERNAL') log.error('internal error', { method, error: known });
  else log.debug('request failed', { method, code: known.code, message: known.message });
  const fieldViolations = known.fieldViolations.slice(0, 32).map((v) => ({ field: clipMessage(v.field, 200), description: clipMessage(v.description, 300) }));
  const retryDelayMs = known.code === 'RESOURCE_EXHAUSTED' ? (known.retryDelayMs ?? 1000) : undefined;
  return { code: known.code, grpcCode: known.grpcCode, message: clipMessage(known.message), fieldViolations, ...(retryDelayMs !== undefined ? { retryDelayMs } : {}) };
}

/** Converts anything thrown by the domain into a ServiceError for grpc-js. */
export function toServiceError(error: unknown, log: Logger, method: string): Partial<ServiceError> & { code: status; details: string; metadata: Metadata } {
  const e = toPublicError(error, log, method);
  const metadata = new Metadata();
  if (e.fieldViolations.length > 0 || e.retryDelayMs !== undefined) {
    metadata.set(STATUS_DETAILS_KEY, encodeStatusDetails({ code: e.grpcCode, message: e.message, fieldViolations: e.fieldViolations, retryDelayMs: e.retryDelayMs }));
  }
  // grpc-js' (and gRPC's) retry policy waits this long before retrying; a negative value tells it
  // not to retry (a refusal that waiting does not cure, e.g. "ask for less").
  if (e.retryDelayMs !== undefined) metadata.set(RETRY_PUSHBACK_KEY, e.retryDelayMs > 0 ? String(Math.round(e.retryDelayMs)) : '-1');
  return { code: e.grpcCode, details: e.message, metadata };
}
