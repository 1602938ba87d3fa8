import type { NextFunction, Request, Response } from 'express';
import { CorrelationHeaders, correlationFromHeaders, runWithCorrelation } from '@mch/util-correlation';
import type { Logger } from '@mch/util-logger';

/**
 * Every HTTP request runs inside a correlation context taken from `x-correlation-id` (or a new
 * one); the id is echoed back so callers can quote it, and the request is logged when it
 * finishes. Health probes are not logged: they arrive every few seconds and say nothing.
 */
export function correlationMiddleware(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const context = correlationFromHeaders(req.headers, {
      correlation: CorrelationHeaders.http,
      causation: CorrelationHeaders.httpCausation,
    });
    res.setHeader(CorrelationHeaders.http, context.correlationId);
    const started = performance.now();
    if (!req.path.startsWith('/health/')) {
      res.on('finish', () =>
        runWithCorrelation(context, () =>
          logger.info('http request', {
            method: req.method,
            path: req.path,
            status: res.statusCode,
            duration_ms: Math.round(performance.now() - started),
          }),
        ),
      );
    }
    runWithCorrelation(context, () => next());
  };
}
