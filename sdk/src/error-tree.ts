// The error classes the daemon throws and the SDK raises, one tree for both: a failed call arrives
// in the SDK as the same class the daemon threw (INVALID_ARGUMENT → InvalidArgumentError, with its
// field violations; RESOURCE_EXHAUSTED → ResourceExhaustedError, with its retry delay). No grpc-js
// here, so the daemon's domain can use it; sdk/errors.ts adds the conversion from grpc-js errors.

/** The canonical gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GRPC_CODES = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type ErrorCodeName = keyof typeof GRPC_CODES;

const NAMES = new Map<number, ErrorCodeName>(Object.entries(GRPC_CODES).map(([name, code]) => [code, name as ErrorCodeName]));

/** A google.rpc.BadRequest field violation: `field` is a dotted path, e.g. `gallery.npy_path`. */
export interface FieldViolation {
  field: string;
  description: string;
}

export interface ErrorDetails {
  cause?: unknown;
  fieldViolations?: FieldViolation[];
  /** How long the client should wait before retrying (RESOURCE_EXHAUSTED). */
  retryDelayMs?: number;
}

export class HyperfaceError extends Error {
  /** Canonical code name, e.g. 'INVALID_ARGUMENT'. */
  readonly code: ErrorCodeName;
  /** Numeric gRPC status. */
  readonly grpcCode: number;
  readonly fieldViolations: FieldViolation[];
  /** Suggested wait before retrying (RESOURCE_EXHAUSTED). */
  readonly retryDelayMs?: number;

  /** `code`: the name ('NOT_FOUND') or the numeric gRPC status. `message` is safe to show to clients. */
  constructor(code: ErrorCodeName | number, message: string, options: ErrorDetails = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.grpcCode = typeof code === 'number' ? code : GRPC_CODES[code];
    this.code = typeof code === 'number' ? (NAMES.get(code) ?? 'UNKNOWN') : code;
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

/** The class a status code arrives as. */
export const ERROR_CLASSES: Partial<Record<ErrorCodeName, typeof HyperfaceError>> = {
  INVALID_ARGUMENT: InvalidArgumentError,
  NOT_FOUND: NotFoundError,
  FAILED_PRECONDITION: FailedPreconditionError,
  RESOURCE_EXHAUSTED: ResourceExhaustedError,
  UNAVAILABLE: UnavailableError,
  CANCELLED: CancelledError,
  DEADLINE_EXCEEDED: DeadlineExceededError,
  UNAUTHENTICATED: UnauthenticatedError,
  PERMISSION_DENIED: PermissionDeniedError,
  INTERNAL: InternalError,
};
