import { newCorrelationId, runWithCorrelation } from '@mch/util-correlation';
import { CORRELATION_BOUND, clearSecretValues, createLogger, pinoOf, registerSecretValues } from './json-logger';

function capture(level: 'debug' | 'info' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 'svc', level, sink: (l) => lines.push(JSON.parse(l)) });
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line with the correlation id of the current context', () => {
    const { logger, lines } = capture();
    const id = newCorrelationId();
    const cause = newCorrelationId();
    runWithCorrelation({ correlationId: id, causationId: cause }, () => logger.info('batch sent', { rows: 5 }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'svc',
      msg: 'batch sent',
      correlation_id: id,
      causation_id: cause,
      rows: 5,
    });
  });

  it('writes correlation_id null outside any context rather than omitting it', () => {
    const { logger, lines } = capture();
    logger.warn('boot');
    expect(lines[0]).toHaveProperty('correlation_id', null);
  });

  it('drops lines under the threshold', () => {
    const { logger, lines } = capture('info');
    logger.debug('noise');
    logger.error('bad');
    expect(lines.map((l) => l.msg)).toEqual(['bad']);
  });

  it('redacts secret-looking keys at any depth', () => {
    const { logger, lines } = capture();
    logger.info('connect', { password: 'p', nested: { apiKey: 'k', host: 'h' }, PGPASSWORD: 'x' });
    expect(lines[0]).toMatchObject({ password: '[redacted]', nested: { apiKey: '[redacted]', host: 'h' } });
    expect(JSON.stringify(lines[0])).not.toMatch(/"p"|"k"|"x"/);
  });

  it('redacts secret-named keys only: passed, bypass and passthrough are kept', () => {
    const { logger, lines } = capture();
    const secrets = { PGPASSWORD: 's1', apiKey: 's2', 'x-api-key': 's3', accessToken: 's4', client_secret: 's5', passwd: 's6', Authorization: 's7', pass: 's8' };
    logger.info('check', { passed: true, bypass: 'rls', passthrough: 'yes', tokenizer: 'words', ...secrets });
    expect(lines[0]).toMatchObject({ passed: true, bypass: 'rls', passthrough: 'yes' });
    for (const key of Object.keys(secrets)) expect(lines[0]).toHaveProperty([key], '[redacted]');
  });

  it('scrubs registered secret values from messages, stacks and any field, also JSON-escaped', () => {
    const { logger, lines } = capture();
    registerSecretValues(['s3cr3t-Value-1', 'quo"te\\pass', 'short']);
    try {
      const error = new Error('auth failed for postgres://u:s3cr3t-Value-1@db/x');
      logger.error('connect failed: s3cr3t-Value-1 rejected', { error, url: 'x?p=quo"te\\pass', n: 'short' });
      const line = JSON.stringify(lines[0]);
      expect(line).not.toContain('s3cr3t-Value-1');
      expect(line).not.toContain('quo\\"te');
      expect(lines[0]).toMatchObject({ msg: 'connect failed: [redacted] rejected', url: 'x?p=[redacted]' });
      expect((lines[0].error as { stack: string }).stack).toContain('postgres://u:[redacted]@db/x');
      // Values under the minimum length are not registered: they would garble ordinary text.
      expect(lines[0]).toHaveProperty('n', 'short');
    } finally {
      clearSecretValues();
    }
  });

  it('serialises errors with their code', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('boom'), { code: 'STORE_UNAVAILABLE' });
    logger.error('failed', { error });
    expect(lines[0]).toMatchObject({ error: { name: 'Error', message: 'boom', code: 'STORE_UNAVAILABLE' } });
  });

  it('child loggers add their fields', () => {
    const { logger, lines } = capture();
    logger.child({ entity: 'opportunity' }).info('x');
    expect(lines[0]).toMatchObject({ entity: 'opportunity' });
  });
});

describe('the pino instance behind a logger', () => {
  it('is the one createLogger writes through, with the same line shape', () => {
    const lines: string[] = [];
    const logger = createLogger({ service: 'svc', sink: (l) => lines.push(l) });
    pinoOf(logger).info({ token: 't-1' }, 'from pino');
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'info', service: 'svc', msg: 'from pino', correlation_id: null, token: '[redacted]' });
    expect(() => pinoOf({ ...logger })).toThrow(/not a logger made by createLogger/);
  });

  it('writes correlation_id once when a child binds it (the HTTP request logger does)', () => {
    const lines: string[] = [];
    const root = pinoOf(createLogger({ service: 'svc', sink: (l) => lines.push(l) }));
    const request = root.child({ correlation_id: 'bound-id' });
    expect((request as unknown as Record<symbol, unknown>)[CORRELATION_BOUND]).toBe(true);
    runWithCorrelation({ correlationId: newCorrelationId(), causationId: 'cause' }, () => request.child({ x: 1 }).info('in request'));
    expect(lines[0].match(/"correlation_id"/g)).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ correlation_id: 'bound-id', causation_id: 'cause', x: 1 });
  });
});
