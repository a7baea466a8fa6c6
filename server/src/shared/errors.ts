// The domain error taxonomy: the SDK's error tree (@hyperface/sdk/error-tree), so a daemon error and
// the error a client receives for it are the same class. The subclasses here add the constructors
// the daemon throws with. Only transport/errors.ts maps them to gRPC statuses; `message` is safe to
// show to clients, `cause` (and anything else) stays in the log.
import * as tree from '@hyperface/sdk/error-tree';

export { HyperfaceError } from '@hyperface/sdk/error-tree';
export type { ErrorCodeName as ErrorCode, FieldViolation } from '@hyperface/sdk/error-tree';
import type { FieldViolation } from '@hyperface/sdk/error-tree';

type Cause = { cause?: unknown };

export class InvalidArgumentError extends tree.InvalidArgumentError {
  constructor(violations: FieldViolation[] | FieldViolation, options?: Cause) {
    const list = Array.isArray(violations) ? violations : [violations];
    super('INVALID_ARGUMENT', list.map((v) => `${v.field}: ${v.description}`).join('; '), { cause: options?.cause, fieldViolations: list });
  }
  /** The field violations (google.rpc.BadRequest). */
  get violations(): FieldViolation[] {
    return this.fieldViolations;
  }
}

export class NotFoundError extends tree.NotFoundError {
  constructor(what: string, options?: Cause) {
    super('NOT_FOUND', `${what} not found`, options);
  }
}

export class FailedPreconditionError extends tree.FailedPreconditionError {
  constructor(message: string, options?: Cause) {
    super('FAILED_PRECONDITION', message, options);
  }
}

export class ResourceExhaustedError extends tree.ResourceExhaustedError {
  /** `retryAfterMs`: how long the client should wait before retrying. */
  constructor(message: string, retryAfterMs = 1000, options?: Cause) {
    super('RESOURCE_EXHAUSTED', message, { cause: options?.cause, retryDelayMs: retryAfterMs });
  }
  get retryAfterMs(): number {
    return this.retryDelayMs ?? 1000;
  }
}

export class UnavailableError extends tree.UnavailableError {
  constructor(message: string, options?: Cause) {
    super('UNAVAILABLE', message, options);
  }
}

export class CancelledError extends tree.CancelledError {
  constructor(message = 'cancelled', options?: Cause) {
    super('CANCELLED', message, options);
  }
}

export class DeadlineExceededError extends tree.DeadlineExceededError {
  constructor(message = 'deadline exceeded', options?: Cause) {
    super('DEADLINE_EXCEEDED', message, options);
  }
}

export class UnauthenticatedError extends tree.UnauthenticatedError {
  constructor(message = 'missing or invalid bearer token', options?: Cause) {
    super('UNAUTHENTICATED', message, options);
  }
}

export class PermissionDeniedError extends tree.PermissionDeniedError {
  constructor(message: string, options?: Cause) {
    super('PERMISSION_DENIED', message, options);
  }
}

/** Throws the signal's reason as a CancelledError / DeadlineExceededError when it is aborted. */
/** A full or read-only disk (a system error, not a bug): the job fails with a clear RESOURCE_EXHAUSTED instead of INTERNAL. */
export function diskError(error: unknown): tree.HyperfaceError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new ResourceExhaustedError(`the disk is full (${code}) while writing this job's files; free space, then retry`, 0, { cause: error });
  if (code === 'EROFS') return new ResourceExhaustedError('the file system is read-only (EROFS) where this job writes', 0, { cause: error });
  return undefined;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

export function abortError(signal: AbortSignal): tree.HyperfaceError {
  const reason: unknown = signal.reason;
  if (reason instanceof tree.HyperfaceError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return new DeadlineExceededError();
  return new CancelledError();
}

export function isAbort(error: unknown): boolean {
  return error instanceof tree.CancelledError || error instanceof tree.DeadlineExceededError || (error instanceof Error && error.name === 'AbortError');
}
