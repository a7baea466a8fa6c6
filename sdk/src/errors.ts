// Typed errors for every failed call: one class per gRPC status the daemon uses, with the
// google.rpc details (field violations, retry delay) decoded from the status trailer.
import { status, type ServiceError } from '@grpc/grpc-js';
import { decodeStatusDetails, STATUS_DETAILS_KEY, type FieldViolationDetail } from './status-details.js';

export type ErrorCodeName = keyof typeof status;

export class HyperfaceError extends Error {
  /** Canonical code name, e.g. 'INVALID_ARGUMENT'. */
  readonly code: ErrorCodeName;
  /** Numeric gRPC status. */
  readonly grpcCode: number;
  readonly fieldViolations: FieldViolationDetail[];
  /** Server's suggested wait before retrying (RESOURCE_EXHAUSTED). */
  readonly retryDelayMs?: number;

  constructor(grpcCode: number, message: string, options: { cause?: unknown; fieldViolations?: FieldViolationDetail[]; retryDelayMs?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.grpcCode = grpcCode;
    this.code = (status[grpcCode] as ErrorCodeName | undefined) ?? 'UNKNOWN';
    this.fieldViolations = options.fieldViolations ?? [];
    this.retryDelayMs = options.retryDelayMs;
  }
}

export class InvalidArgumentError extends HyperfaceError {}
export class NotFoundError extends HyperfaceError {}
export class FailedPreconditionError extends HyperfaceError {}
export class ResourceExhaustedError extends HyperfaceError {}
export class UnavailableError extends HyperfaceError {}
export class CancelledError extends HyperfaceError {}
export class DeadlineExceededError extends HyperfaceError {}
export class UnauthenticatedError extends HyperfaceError {}
export class PermissionDeniedError extends HyperfaceError {}
export class InternalError extends HyperfaceError {}

const CLASSES: Partial<Record<number, typeof HyperfaceError>> = {
  [status.INVALID_ARGUMENT]: InvalidArgumentError,
  [status.NOT_FOUND]: NotFoundError,
  [status.FAILED_PRECONDITION]: FailedPreconditionError,
  [status.RESOURCE_EXHAUSTED]: ResourceExhaustedError,
  [status.UNAVAILABLE]: UnavailableError,
  [status.CANCELLED]: CancelledError,
  [status.DEADLINE_EXCEEDED]: DeadlineExceededError,
  [status.UNAUTHENTICATED]: UnauthenticatedError,
  [status.PERMISSION_DENIED]: PermissionDeniedError,
  [status.INTERNAL]: InternalError,
};

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
    const Cls = CLASSES[se.code] ?? HyperfaceError;
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
