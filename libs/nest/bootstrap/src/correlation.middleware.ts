import type { NextFunction, Request, Response } from 'express';
import { CorrelationHeaders, correlationFromHeaders, runWithCorrelation } from '@mch/util-correlation';

/**
 * Every HTTP request runs inside a correlation context taken from `x-correlation-id` (or a new
 * one), and the id is echoed back so callers can quote it when reporting a problem.
 */
export function correlationMiddleware(req: Request, res: Response, next: NextFunction): void {
  const context = correlationFromHeaders(req.headers, {
    correlation: CorrelationHeaders.http,
    causation: CorrelationHeaders.httpCausation,
  });
  res.setHeader(CorrelationHeaders.http, context.correlationId);
  runWithCorrelation(context, () => next());
}
