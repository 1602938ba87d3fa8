/**
 * Stable error codes. Transports (HTTP, Kafka) map codes to their own status in one place, so a
 * service never decides status codes ad hoc and operators can grep logs by code.
 */
export const ErrorCode = {
  ConfigInvalid: 'CONFIG_INVALID',
  ValidationFailed: 'VALIDATION_FAILED',
  /** The request lacks a valid credential (HTTP 401). */
  Unauthenticated: 'UNAUTHENTICATED',
  NotFound: 'NOT_FOUND',
  ConcurrencyConflict: 'CONCURRENCY_CONFLICT',
  StoreUnavailable: 'STORE_UNAVAILABLE',
  UnsupportedByStore: 'UNSUPPORTED_BY_STORE',
  PreconditionFailed: 'PRECONDITION_FAILED',
  Internal: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface DomainExceptionDetails {
  /** The entity the error is about, e.g. 'opportunity'. */
  entity?: string;
  /** The id of that entity, when known. */
  id?: string;
  /** The offending field, when one field is at fault. */
  field?: string;
  [key: string]: unknown;
}

export class DomainException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: DomainExceptionDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DomainException';
  }

  toJSON(): { code: ErrorCode; message: string; details: DomainExceptionDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isDomainException(error: unknown): error is DomainException {
  return error instanceof DomainException;
}
