import { DomainException } from '@mch/util-errors';
import { clearSecretValues, createLogger } from '@mch/util-logger';
import { loadConfig, loadConfigSections } from './load-config';
import { kafkaEnvSchema, postgresEnvSchema, serviceEnvSchema } from './store-config.schemas';

const pgEnv = { PGHOST: '127.0.0.1', PGUSER: 'mch', PGPASSWORD: 's3cret', PGDATABASE: 'db' };

function errorOf(fn: () => unknown): DomainException {
  try {
    fn();
  } catch (error) {
    return error as DomainException;
  }
  throw new Error('expected an error');
}

describe('loadConfig', () => {
  it('parses valid variables and applies defaults', () => {
    expect(loadConfig(postgresEnvSchema, pgEnv)).toEqual({ ...pgEnv, PGPORT: 5432, PG_POOL_MAX: 10 });
  });

  it('names every missing variable in one error', () => {
    const error = errorOf(() => loadConfig(postgresEnvSchema, { PGHOST: 'h' }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('PGUSER is missing');
    expect(error.message).toContain('PGPASSWORD is missing');
    expect(error.message).toContain('PGDATABASE is missing');
    expect(error.details.field).toBe('PGUSER');
  });

  it('names an invalid variable and says why, without echoing its value', () => {
    const error = errorOf(() => loadConfig(postgresEnvSchema, { ...pgEnv, PGPORT: 'seventy' }));
    expect(error.message).toMatch(/PGPORT is invalid/);
    expect(error.message).not.toContain('s3cret');
  });

  it('splits and validates the broker list', () => {
    expect(loadConfig(kafkaEnvSchema, { KAFKA_BROKERS: 'a:9092, b:9093' }).KAFKA_BROKERS).toEqual([
      'a:9092',
      'b:9093',
    ]);
    expect(errorOf(() => loadConfig(kafkaEnvSchema, { KAFKA_BROKERS: 'a:9092,nohost' })).message).toContain(
      "'nohost' is not host:port",
    );
  });

  it('rejects an unknown log level', () => {
    expect(errorOf(() => loadConfig(serviceEnvSchema, { LOG_LEVEL: 'loud' })).message).toContain(
      'LOG_LEVEL is invalid',
    );
  });
});

describe('loadConfigSections', () => {
  it('returns each section parsed on its own', () => {
    const config = loadConfigSections(
      { service: serviceEnvSchema, kafka: kafkaEnvSchema },
      { KAFKA_BROKERS: 'k:1', HTTP_PORT: '3101' },
    );
    expect(config.service).toEqual({ HTTP_PORT: 3101, LOG_LEVEL: 'info' });
    expect(config.kafka.KAFKA_BROKERS).toEqual(['k:1']);
  });

  it('reports the problems of all sections in one error', () => {
    const error = errorOf(() => loadConfigSections({ postgres: postgresEnvSchema, kafka: kafkaEnvSchema }, {}));
    expect(error.message).toContain('PGHOST is missing');
    expect(error.message).toContain('KAFKA_BROKERS is missing');
  });

  it('registers the secret-named values it reads, so any later log line is scrubbed of them', () => {
    const lines: string[] = [];
    const logger = createLogger({ service: 't', sink: (l) => lines.push(l) });
    try {
      loadConfigSections({ postgres: postgresEnvSchema }, { ...pgEnv, PGPASSWORD: 'pg-secret-4711', API_TOKEN: 'tok-secret-0815', PGHOST: 'db-host-name', PWD: '/srv/app/workspace', OLDPWD: '/home/operator' });
      logger.error('password authentication failed: pg-secret-4711 / tok-secret-0815 at db-host-name (/srv/app/workspace/x.ts, /home/operator)');
      expect(lines[0]).not.toContain('pg-secret-4711');
      expect(lines[0]).not.toContain('tok-secret-0815');
      expect(lines[0]).toContain('db-host-name');
      // The shell's directories are not secrets: stack paths stay readable.
      expect(lines[0]).toContain('/srv/app/workspace/x.ts, /home/operator');
    } finally {
      clearSecretValues();
    }
  });
});

