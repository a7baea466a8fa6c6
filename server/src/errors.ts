// The domain error taxonomy. Every layer throws these; only transport/errors.ts maps them to gRPC
// status codes. `message` is safe to show to clients; `cause` (and anything else) stays in the log.

export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'CANCELLED'
  | 'DEADLINE_EXCEEDED'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'INTERNAL';

export interface FieldViolation {
  /** Dotted proto field path in snake_case, e.g. `gallery.npy_path`. */
  field: string;
  description: string;
}

export class HyperfaceError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class InvalidArgumentError extends HyperfaceError {
  readonly violations: FieldViolation[];
  constructor(violations: FieldViolation[] | FieldViolation, options?: { cause?: unknown }) {
    const list = Array.isArray(violations) ? violations : [violations];
    super('INVALID_ARGUMENT', list.map((v) => `${v.field}: ${v.description}`).join('; '), options);
    this.violations = list;
  }
}

export class NotFoundError extends HyperfaceError {
  constructor(what: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', `${what} not found`, options);
  }
}

export class FailedPreconditionError extends HyperfaceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FAILED_PRECONDITION', message, options);
  }
}

export class ResourceExhaustedError extends HyperfaceError {
  /** How long the client should wait before retrying. */
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs = 1000, options?: { cause?: unknown }) {
    super('RESOURCE_EXHAUSTED', message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

export class UnavailableError extends HyperfaceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, options);
  }
}

export class CancelledError extends HyperfaceError {
  constructor(message = 'cancelled', options?: { cause?: unknown }) {
    super('CANCELLED', message, options);
  }
}

export class DeadlineExceededError extends HyperfaceError {
  constructor(message = 'deadline exceeded', options?: { cause?: unknown }) {
    super('DEADLINE_EXCEEDED', message, options);
  }
}

export class UnauthenticatedError extends HyperfaceError {
  constructor(message = 'missing or invalid bearer token', options?: { cause?: unknown }) {
    super('UNAUTHENTICATED', message, options);
  }
}

export class PermissionDeniedError extends HyperfaceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PERMISSION_DENIED', message, options);
  }
}

/** Throws the signal's reason as a CancelledError / DeadlineExceededError when it is aborted. */
/** A full or read-only disk (a system error, not a bug): the job fails with a clear RESOURCE_EXHAUSTED instead of INTERNAL. */
export function diskError(error: unknown): HyperfaceError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new ResourceExhaustedError(`the disk is full (${code}) while writing this job's files; free space, then retry`, 0, { cause: error });
  if (code === 'EROFS') return new ResourceExhaustedError('the file system is read-only (EROFS) where this job writes', 0, { cause: error });
  return undefined;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

export function abortError(signal: AbortSignal): HyperfaceError {
  const reason: unknown = signal.reason;
  if (reason instanceof HyperfaceError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return new DeadlineExceededError();
  return new CancelledError();
}

export function isAbort(error: unknown): boolean {
  return error instanceof CancelledError || error instanceof DeadlineExceededError || (error instanceof Error && error.name === 'AbortError');
}
