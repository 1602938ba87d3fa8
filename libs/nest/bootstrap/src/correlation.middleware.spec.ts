import type { NextFunction, Request, Response } from 'express';
import { currentCorrelation, newCorrelationId } from '@mch/util-correlation';
import { createLogger } from '@mch/util-logger';
import { correlationMiddleware } from './correlation.middleware';

function run(headers: Record<string, string>) {
  const sent: { status?: number; body?: Record<string, unknown>; headers: Record<string, string> } = {
    headers: {},
  };
  const res = {
    setHeader: (name: string, value: string) => (sent.headers[name] = value),
    on: () => undefined,
    status(code: number) {
      sent.status = code;
      return this;
    },
    json: (body: Record<string, unknown>) => (sent.body = body),
  } as unknown as Response;
  let seen: string | undefined;
  const next: NextFunction = () => (seen = currentCorrelation()?.correlationId);
  correlationMiddleware(createLogger({ service: 't', sink: () => undefined }))(
    { headers, path: '/events' } as Request,
    res,
    next,
  );
  return { ...sent, nextCalledWith: seen };
}

describe('correlationMiddleware', () => {
  it("keeps the caller's UUID and echoes it", () => {
    const id = newCorrelationId();
    const result = run({ 'x-correlation-id': id });
    expect(result.nextCalledWith).toBe(id);
    expect(result.headers['x-correlation-id']).toBe(id);
  });

  it.each([['x-correlation-id'], ['x-causation-id']])(
    'refuses a non-UUID %s with 400 naming the header, never replacing it',
    (header) => {
      const result = run({ [header]: "1' OR 1=1" });
      expect(result.status).toBe(400);
      expect(result.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { field: header, limit: 'UUID' },
      });
      expect(result.nextCalledWith).toBeUndefined();
    },
  );

  it('creates an id when none is sent', () => {
    expect(run({}).nextCalledWith).toMatch(/^[0-9a-f-]{36}$/);
  });
});
