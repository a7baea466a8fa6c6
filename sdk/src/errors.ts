// Typed errors for every failed call: one class per gRPC status the daemon uses (error-tree.ts,
// the same classes the daemon throws), with the google.rpc details (field violations, retry delay)
// decoded from the status trailer.
import { status, type ServiceError } from '@grpc/grpc-js';
import { decodeStatusDetails, STATUS_DETAILS_KEY, type FieldViolationDetail } from './status-details.js';
import { CancelledError, DeadlineExceededError, ERROR_CLASSES, HyperfaceError, type ErrorCodeName } from './error-tree.js';

export { ERROR_CLASSES, GRPC_CODES, HyperfaceError, InvalidArgumentError, NotFoundError, FailedPreconditionError, ResourceExhaustedError, UnavailableError, CancelledError, DeadlineExceededError, UnauthenticatedError, PermissionDeniedError, InternalError } from './error-tree.js';
export type { ErrorCodeName, ErrorDetails, FieldViolation } from './error-tree.js';

/** Converts a grpc-js error (or anything) into the HyperfaceError family. */
export function toHyperfaceError(error: unknown): HyperfaceError {
  if (error instanceof HyperfaceError) return error;
  const se = error as Partial<ServiceError> | undefined;
  if (se && typeof se.code === 'number') {
    let fieldViolations: FieldViolationDetail[] = [];
    let retryDelayMs: number | undefined;
    const raw = se.metadata?.get(STATUS_DETAILS_KEY)[0];
    if (raw instanceof Buffer) {
      try {
        const d = decodeStatusDetails(raw);
        fieldViolations = d.fieldViolations;
        retryDelayMs = d.retryDelayMs;
      } catch {
        // Malformed details: keep the status itself.
      }
    }
    const Cls = ERROR_CLASSES[status[se.code] as ErrorCodeName] ?? HyperfaceError;
    return new Cls(se.code, se.details ?? se.message ?? 'unknown error', { cause: error, fieldViolations, retryDelayMs });
  }
  if (error instanceof Error && error.name === 'TimeoutError') return new DeadlineExceededError(status.DEADLINE_EXCEEDED, 'the call timed out', { cause: error });
  if (error instanceof Error && error.name === 'AbortError') return new CancelledError(status.CANCELLED, 'aborted by the caller', { cause: error });
  return new HyperfaceError(status.UNKNOWN, error instanceof Error ? error.message : String(error), { cause: error });
}

/**
 * The error for a call stopped by `signal`: DEADLINE_EXCEEDED when it timed out (AbortSignal.timeout()
 * or a TimeoutError reason), CANCELLED for any other abort; a HyperfaceError reason is kept.
 */
export function abortError(signal: AbortSignal): HyperfaceError {
  const reason: unknown = signal.reason;
  if (reason instanceof HyperfaceError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return new DeadlineExceededError(status.DEADLINE_EXCEEDED, `the call timed out: ${reason.message}`, { cause: reason });
  return new CancelledError(status.CANCELLED, 'aborted by the caller', { cause: reason });
}
