import { NotFoundException, type ArgumentsHost } from '@nestjs/common';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { createLogger } from '@mch/util-logger';
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
  new DomainExceptionHttpFilter(createLogger({ service: 't', sink: (l) => lines.push(l) })).catch(exception, host);
  return { ...sent, lines };
}

describe('DomainExceptionHttpFilter', () => {
  it('maps a concurrency conflict to 409 with code, details and the correlation id', () => {
    const id = newCorrelationId();
    const result = runWithCorrelation({ correlationId: id }, () =>
      respond(new DomainException(ErrorCode.ConcurrencyConflict, 'stream moved on', { entity: 'opportunity', id: 'a1' })),
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

  it('hides the message of an unexpected error behind a 500', () => {
    const result = respond(new Error('password=hunter2 leaked'));
    expect(result.status).toBe(500);
    expect(JSON.stringify(result.body)).not.toContain('hunter2');
  });

  it("passes Nest's own HTTP exceptions through", () => {
    expect(respond(new NotFoundException('no route')).status).toBe(404);
  });
});
