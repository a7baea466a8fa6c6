// THE one place where domain errors become gRPC statuses. Known errors keep their public message;
// anything unexpected becomes INTERNAL with a generic message, the detail going only to the log.
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { encodeStatusDetails, STATUS_DETAILS_KEY } from '@hyperface/sdk/status-details';
import { TensorError } from '@hyperface/sdk/tensor';
import { NpyFormatError } from '@hyperface/sdk/npy';
import { HyperfaceError, InvalidArgumentError, ResourceExhaustedError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logging.js';

const CODES: Record<ErrorCode, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  CANCELLED: status.CANCELLED,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  INTERNAL: status.INTERNAL,
};

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

export function grpcCodeOf(code: ErrorCode): status {
  return CODES[code];
}

/** Converts anything thrown by the domain into a ServiceError for grpc-js. */
export function toServiceError(error: unknown, log: Logger, method: string): Partial<ServiceError> {
  let known: HyperfaceError | undefined;
  if (error instanceof HyperfaceError) known = error;
  else if (error instanceof TensorError || error instanceof NpyFormatError) known = new InvalidArgumentError({ field: 'tensor', description: error.message });
  if (!known) {
    log.error('unexpected error', { method, error: error instanceof Error ? error : String(error) });
    return { code: status.INTERNAL, details: 'internal error (see the daemon log)', metadata: new Metadata() };
  }
  if (known.code === 'INTERNAL') log.error('internal error', { method, error: known });
  else log.debug('request failed', { method, code: known.code, message: known.message });
  const code = CODES[known.code];
  const metadata = new Metadata();
  const violations = (known instanceof InvalidArgumentError ? known.violations : []).slice(0, 32).map((v) => ({ field: clipMessage(v.field, 200), description: clipMessage(v.description, 300) }));
  const message = clipMessage(known.message);
  const retryDelayMs = known instanceof ResourceExhaustedError ? known.retryAfterMs : undefined;
  if (violations.length > 0 || retryDelayMs !== undefined) {
    metadata.set(STATUS_DETAILS_KEY, encodeStatusDetails({ code, message, fieldViolations: violations, retryDelayMs }));
  }
  // grpc-js' (and gRPC's) retry policy waits this long before retrying; a negative value tells it
  // not to retry (a refusal that waiting does not cure, e.g. "ask for less").
  if (retryDelayMs !== undefined) metadata.set(RETRY_PUSHBACK_KEY, retryDelayMs > 0 ? String(Math.round(retryDelayMs)) : '-1');
  return { code, details: message, metadata };
}
