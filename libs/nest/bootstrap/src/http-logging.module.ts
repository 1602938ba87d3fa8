import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { CorrelationHeaders, newCorrelationId } from '@mch/util-correlation';
import { pinoOf, type Logger } from '@mch/util-logger';

type Req = IncomingMessage & { originalUrl?: string };

/** The path without the query string: query values may carry ids or filters not meant for logs. */
function pathOf(req: Req): string {
  return (req.originalUrl ?? req.url ?? '').split('?')[0];
}

/** One `http request` line per request: the fields the toolkit's logs and specs have always used. */
function requestFields(req: Req, res: ServerResponse, responseTime: number): Record<string, unknown> {
  return { method: req.method, path: pathOf(req), status: res.statusCode, duration_ms: responseTime };
}

/**
 * nestjs-pino on the service's own logger (`pinoOf`): Nest's lines and the HTTP request lines have
 * the same shape, redaction and scrubbing as every other line. The request's id is its correlation
 * id, which correlationMiddleware (mounted before this) has validated and echoed in the response
 * header; it is bound as `correlation_id` on the request logger, so lines logged for the request
 * and its `http request` line carry it even outside the async context. Health probes are not
 * logged: they arrive every few seconds and say nothing.
 */
export function httpLoggingModule(logger: Logger): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      logger: pinoOf(logger),
      genReqId: (_req: Req, res: ServerResponse) => {
        const id = res.getHeader(CorrelationHeaders.http);
        return typeof id === 'string' ? id : newCorrelationId();
      },
      quietReqLogger: true,
      quietResLogger: true,
      customAttributeKeys: { reqId: 'correlation_id' },
      autoLogging: { ignore: (req: Req) => pathOf(req).startsWith('/health/') },
      // Every outcome at info, as before: a 5xx is logged as an error by the exception filter.
      customLogLevel: () => 'info',
      customSuccessMessage: () => 'http request',
      customErrorMessage: () => 'http request',
      customSuccessObject: (req: Req, res: ServerResponse, val: { responseTime: number }) =>
        requestFields(req, res, val.responseTime),
      customErrorObject: (req: Req, res: ServerResponse, _error: Error, val: { responseTime: number }) =>
        requestFields(req, res, val.responseTime),
    },
  });
}

/**
 * nestjs-pino keeps one pino-http instance per process, built by whichever app asks first. A
 * deployed process boots one service; a test process may boot several in turn, and each must log
 * through its own logger (its service name and level), so the cached instance is dropped before a
 * boot. nestjs-pino exports this reset for tests only from its PinoLogger module (its package
 * `exports` hide the file, hence the path beside its entry point).
 */
export function resetNestPinoRoot(): void {
  const entry = require.resolve('nestjs-pino');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pinoLoggerModule = require(path.join(path.dirname(entry), 'PinoLogger.js')) as { __resetOutOfContextForTests?: () => void };
  pinoLoggerModule.__resetOutOfContextForTests?.();
}
