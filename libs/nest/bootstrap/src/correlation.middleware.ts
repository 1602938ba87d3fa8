import type { NextFunction, Request, Response } from 'express';
import {
  CorrelationHeaders,
  isValidCorrelationId,
  newCorrelationId,
  runWithCorrelation,
} from '@mch/util-correlation';
import { ErrorCode } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';

/** The first value of a header, or undefined when absent. */
function headerValue(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Every HTTP request runs inside a correlation context taken from `x-correlation-id` (or a new
 * one); the id is echoed back so callers can quote it. The request line is nestjs-pino's
 * (httpLoggingModule, mounted after this middleware), with that id as the request's id.
 *
 * Correlation and causation ids are stored in uuid columns, so a caller's id that is not a UUID
 * is refused with 400 naming the header: replacing it silently would break the caller's trace.
 */
export function correlationMiddleware(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = headerValue(req, CorrelationHeaders.http);
    const causation = headerValue(req, CorrelationHeaders.httpCausation);
    const context = { correlationId: incoming ?? newCorrelationId(), causationId: causation };
    const bad = [
      [CorrelationHeaders.http, incoming],
      [CorrelationHeaders.httpCausation, causation],
    ].find(([, value]) => value !== undefined && !isValidCorrelationId(value));
    if (bad) context.correlationId = isValidCorrelationId(incoming) ? incoming : newCorrelationId();
    res.setHeader(CorrelationHeaders.http, context.correlationId);
    if (bad) {
      // Refused here, before the HTTP logger (nestjs-pino) sees the request: logged here instead.
      runWithCorrelation(context, () =>
        logger.info('http request', { method: req.method, path: req.path, status: 400, duration_ms: 0, refused_header: bad[0] }),
      );
      res.status(400).json({
        code: ErrorCode.ValidationFailed,
        message: `header ${bad[0]} must be a UUID (8-4-4-4-12 hex digits), got ${JSON.stringify(String(bad[1]).slice(0, 100))}`,
        details: { field: bad[0], limit: 'UUID' },
        correlationId: context.correlationId,
      });
      return;
    }
    runWithCorrelation(context, () => next());
  };
}
