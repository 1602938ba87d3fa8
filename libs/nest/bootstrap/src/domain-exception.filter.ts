import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { currentCorrelation } from '@mch/util-correlation';
import type { Logger } from '@mch/util-logger';

export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  [ErrorCode.ConfigInvalid]: HttpStatus.INTERNAL_SERVER_ERROR,
  [ErrorCode.ValidationFailed]: HttpStatus.BAD_REQUEST,
  [ErrorCode.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.ConcurrencyConflict]: HttpStatus.CONFLICT,
  [ErrorCode.StoreUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.UnsupportedByStore]: HttpStatus.NOT_IMPLEMENTED,
  [ErrorCode.PreconditionFailed]: HttpStatus.PRECONDITION_FAILED,
  [ErrorCode.Internal]: HttpStatus.INTERNAL_SERVER_ERROR,
};

/** The error code a plain HTTP status stands for, so every error body carries one. */
function codeForStatus(status: number): ErrorCode {
  if (status >= 500) return ErrorCode.Internal;
  const found = (Object.entries(HTTP_STATUS_BY_CODE) as [ErrorCode, number][]).find(([, s]) => s === status);
  return found ? found[0] : ErrorCode.ValidationFailed;
}

/**
 * The errors Express' body parser (http-errors) and router (a path parameter that is not valid
 * percent-encoded UTF-8) throw: not HttpExceptions, but they carry a 4xx status the client
 * caused (`entity.too.large`, `entity.parse.failed`, `charset.unsupported`, …).
 */
interface ClientHttpError {
  status: number;
  type?: string;
  limit?: number;
  length?: number;
  message: string;
}

function isClientHttpError(error: unknown): error is ClientHttpError {
  const e = error as Partial<ClientHttpError> | null;
  return (
    typeof e === 'object' && e !== null && typeof e.status === 'number' && e.status >= 400 && e.status < 500
  );
}

/** What the body parser's error means, naming the body and the limit. */
function describeClientError(error: ClientHttpError): { message: string; details: Record<string, unknown> } {
  switch (error.type) {
    case 'entity.too.large':
      return {
        message: `request body is ${error.length ?? 'over'} bytes; the limit is ${error.limit} bytes`,
        details: { field: 'body', limit: error.limit, length: error.length },
      };
    case 'entity.parse.failed':
      return { message: `request body is not valid JSON: ${error.message}`, details: { field: 'body' } };
    default:
      return {
        message: error.message,
        details: { field: 'body', ...(error.type ? { type: error.type } : {}) },
      };
  }
}

/**
 * PostgreSQL class 22 (data exception: bad encoding, out of range, bad datetime, untranslatable
 * character, …) and 54001 (a value nested too deep): the value came from the request, so the
 * request is at fault, not the service. Stores map what they can to a field first; this is the
 * fallback for a value no validation caught.
 */
function isInputCausedStoreError(error: unknown): error is { code: string; message: string } {
  const e = error as { code?: unknown; severity?: unknown } | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.code === 'string' &&
    typeof e.severity === 'string' &&
    (/^22[0-9A-Z]{3}$/.test(e.code) || e.code === '54001')
  );
}

/** Terminus' readiness answer ({status, info, error, details}), thrown as a 503 when a check is down. */
function isHealthCheckResult(body: unknown): boolean {
  const b = body as { status?: unknown; details?: unknown } | null;
  return typeof b === 'object' && b !== null && typeof b.status === 'string' && typeof b.details === 'object' && b.details !== null;
}

/**
 * Maps errors to HTTP in one place: Nest's HttpExceptions and the body parser's 4xx keep their
 * status, domain exceptions map by code, a store rejecting a request's value is a 422; only a
 * genuinely unexpected error is a 500 (its message is logged, not sent).
 */
@Catch()
export class DomainExceptionHttpFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const correlationId = currentCorrelation()?.correlationId ?? null;
    if (exception instanceof HttpException && isHealthCheckResult(exception.getResponse())) {
      // /health/ready answering 503: its body (which store or part is down, and why) is the answer
      // probes, Argo's web metric and operators read; a store outage is no server fault to log.
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    if (exception instanceof HttpException) {
      // Nest's own (404 route, 400 from a pipe, …): the status stays, the body takes the services' format.
      const status = exception.getStatus();
      if (status >= 500) this.logger.error(exception.message, { error: exception });
      const body = exception.getResponse();
      const message =
        typeof body === 'object' && body !== null && 'message' in body ? body.message : exception.message;
      response.status(status).json({
        code: codeForStatus(status),
        message: Array.isArray(message) ? message.join('; ') : String(message),
        correlationId,
      });
      return;
    }
    if (exception instanceof DomainException) {
      const status = HTTP_STATUS_BY_CODE[exception.code];
      if (status >= 500) this.logger.error(exception.message, { error: exception });
      response.status(status).json({ ...exception.toJSON(), correlationId });
      return;
    }
    if (isClientHttpError(exception)) {
      response
        .status(exception.status)
        .json({ code: ErrorCode.ValidationFailed, ...describeClientError(exception), correlationId });
      return;
    }
    if (isInputCausedStoreError(exception)) {
      response.status(HttpStatus.UNPROCESSABLE_ENTITY).json({
        code: ErrorCode.ValidationFailed,
        message: `the store cannot hold a value of this request: ${exception.message}`,
        details: { sqlState: exception.code },
        correlationId,
      });
      return;
    }
    this.logger.error('unhandled error', { error: exception });
    response
      .status(HttpStatus.INTERNAL_SERVER_ERROR)
      .json({ code: ErrorCode.Internal, message: 'internal error', correlationId });
  }
}
