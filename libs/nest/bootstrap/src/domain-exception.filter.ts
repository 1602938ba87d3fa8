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

/** Maps domain exceptions to HTTP in one place; Nest's own HttpExceptions pass through as-is. */
@Catch()
export class DomainExceptionHttpFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const correlationId = currentCorrelation()?.correlationId ?? null;
    if (exception instanceof HttpException) {
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    if (exception instanceof DomainException) {
      const status = HTTP_STATUS_BY_CODE[exception.code];
      if (status >= 500) this.logger.error(exception.message, { error: exception });
      response.status(status).json({ ...exception.toJSON(), correlationId });
      return;
    }
    this.logger.error('unhandled error', { error: exception });
    response
      .status(HttpStatus.INTERNAL_SERVER_ERROR)
      .json({ code: ErrorCode.Internal, message: 'internal error', correlationId });
  }
}
