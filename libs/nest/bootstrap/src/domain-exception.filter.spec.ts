import { NotFoundException, ServiceUnavailableException, type ArgumentsHost } from '@nestjs/common';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { clearSecretValues, createLogger, registerSecretValues } from '@mch/util-logger';
import { newCorrelationId, runWithCorrelation } from '@mch/util-correlation';
import { DomainExceptionHttpFilter } from './domain-exception.filter';

function respond(exception: unknown) {
  const sent: { status?: number; body?: unknown } = {};
  const response = {
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  const lines: string[] = [];
  new DomainExceptionHttpFilter(createLogger({ service: 't', sink: (l) => lines.push(l) })).catch(
    exception,
    host,
  );
  return { ...sent, lines };
}

describe('DomainExceptionHttpFilter', () => {
  it('maps a concurrency conflict to 409 with code, details and the correlation id', () => {
    const id = newCorrelationId();
    const result = runWithCorrelation({ correlationId: id }, () =>
      respond(
        new DomainException(ErrorCode.ConcurrencyConflict, 'stream moved on', {
          entity: 'opportunity',
          id: 'a1',
        }),
      ),
    );
    expect(result.status).toBe(409);
    expect(result.body).toEqual({
      code: 'CONCURRENCY_CONFLICT',
      message: 'stream moved on',
      details: { entity: 'opportunity', id: 'a1' },
      correlationId: id,
    });
  });

  it('maps a store outage to 503 and logs it', () => {
    const result = respond(new DomainException(ErrorCode.StoreUnavailable, 'clickhouse down'));
    expect(result.status).toBe(503);
    expect(result.lines.some((l) => l.includes('clickhouse down'))).toBe(true);
  });

  it('hides the message of an unexpected error behind a 500, and scrubs a known secret from its log line', () => {
    // As config loading registers it: the database password a driver error might quote.
    registerSecretValues(['hunter2-db-password']);
    try {
      const result = respond(new Error('password=hunter2-db-password leaked'));
      expect(result.status).toBe(500);
      expect(JSON.stringify(result.body)).not.toContain('hunter2');
      // The error is logged (message and stack), never with the secret in it.
      expect(result.lines.join('\n')).toContain('password=[redacted] leaked');
      expect(result.lines.join('\n')).not.toContain('hunter2-db-password');
    } finally {
      clearSecretValues();
    }
  });

  it("keeps the status of Nest's own HTTP exceptions, in the services' error format", () => {
    const result = respond(new NotFoundException('no route'));
    expect(result.status).toBe(404);
    expect(result.body).toEqual({ code: 'NOT_FOUND', message: 'no route', correlationId: null });
  });

  // Shaped as Express' body parser throws them (http-errors); the HTTP fuzz e2e sends the real ones.
  const bodyParserError = (status: number, type: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(type), { status, statusCode: status, expose: true, type, ...extra });

  it('passes the readiness answer of a failed health check through unchanged, without an error log line', () => {
    const health = {
      status: 'error',
      info: { kafka: { status: 'up' } },
      error: { postgres: { status: 'down', message: 'connect ECONNREFUSED' } },
      details: { kafka: { status: 'up' }, postgres: { status: 'down', message: 'connect ECONNREFUSED' } },
    };
    const result = respond(new ServiceUnavailableException(health));
    expect(result.status).toBe(503);
    expect(result.body).toEqual(health);
    expect(result.lines).toEqual([]);
  });

  it("keeps the body parser's 413 and names the limit", () => {
    const result = respond(bodyParserError(413, 'entity.too.large', { limit: 102_400, length: 3_000_000 }));
    expect(result.status).toBe(413);
    expect(result.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'request body is 3000000 bytes; the limit is 102400 bytes',
      details: { field: 'body', limit: 102_400 },
    });
    expect(result.lines).toEqual([]);
  });

  it("keeps the body parser's 400 for invalid JSON", () => {
    const result = respond(bodyParserError(400, 'entity.parse.failed'));
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'body' } });
  });

  it('maps a PostgreSQL data exception (a value the store cannot hold) to 422, not 500', () => {
    const pgError = Object.assign(new Error('unsupported Unicode escape sequence'), {
      code: '22P05',
      severity: 'ERROR',
    });
    const result = respond(pgError);
    expect(result.status).toBe(422);
    expect(result.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { sqlState: '22P05' } });
  });

  it('still answers 500 for a server-side error that carries a status', () => {
    expect(respond(Object.assign(new Error('x'), { status: 500, expose: false })).status).toBe(500);
    expect(
      respond(Object.assign(new Error('relation missing'), { code: '42P01', severity: 'ERROR' })).status,
    ).toBe(500);
  });
});
