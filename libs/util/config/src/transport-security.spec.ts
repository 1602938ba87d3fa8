import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainException } from '@mch/util-errors';
import { loadConfig, loadConfigSections } from './load-config';
import {
  clickhouseEnvSchema,
  kafkaEnvSchema,
  postgresEnvSchema,
  weaviateEnvSchema,
} from './store-config.schemas';

const dir = mkdtempSync(join(tmpdir(), 'mch-tls-config-'));
const ca = join(dir, 'ca.crt');
writeFileSync(ca, 'not parsed here; only readability is checked at boot');
const absent = join(dir, 'absent.crt');

const pg = { PGHOST: 'db.internal', PGUSER: 'mch', PGPASSWORD: 'pg-s3cret', PGDATABASE: 'db' };
const kafka = { KAFKA_BROKERS: 'k1:9093' };
const clickhouse = {
  CLICKHOUSE_URL: 'https://ch.internal:8443',
  CLICKHOUSE_USER: 'mch',
  CLICKHOUSE_PASSWORD: 'ch-s3cret',
};
const weaviate = { WEAVIATE_HOST: 'wv.internal' };

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainException);
    return (error as DomainException).message;
  }
  throw new Error('expected a configuration error');
}

describe('PostgreSQL TLS settings (libpq names)', () => {
  it('accepts verify-full with a readable root certificate and a client certificate pair', () => {
    const config = loadConfig(postgresEnvSchema, {
      ...pg,
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: ca,
      PGSSLCERT: ca,
      PGSSLKEY: ca,
    });
    expect(config).toMatchObject({
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: ca,
      PGSSLCERT: ca,
      PGSSLKEY: ca,
    });
  });

  it('leaves TLS off when nothing is set, and treats an empty value as unset', () => {
    expect(loadConfig(postgresEnvSchema, { ...pg, PGSSLMODE: '' }).PGSSLMODE).toBeUndefined();
  });

  it('requires PGSSLROOTCERT for verify-ca and verify-full, saying why', () => {
    for (const mode of ['verify-ca', 'verify-full']) {
      expect(messageOf(() => loadConfig(postgresEnvSchema, { ...pg, PGSSLMODE: mode }))).toContain(
        `PGSSLROOTCERT is missing: required when PGSSLMODE is ${mode}`,
      );
    }
  });

  it("refuses libpq's plaintext fallbacks (allow, prefer) and unknown modes", () => {
    for (const mode of ['prefer', 'allow', 'verify_full']) {
      expect(messageOf(() => loadConfig(postgresEnvSchema, { ...pg, PGSSLMODE: mode }))).toMatch(
        /PGSSLMODE is invalid/,
      );
    }
  });

  it('names an unreadable certificate file', () => {
    expect(
      messageOf(() =>
        loadConfig(postgresEnvSchema, { ...pg, PGSSLMODE: 'verify-full', PGSSLROOTCERT: absent }),
      ),
    ).toContain('PGSSLROOTCERT is invalid: cannot read the file (ENOENT)');
  });

  it('refuses certificates beside disable or require, and half a client certificate pair', () => {
    expect(messageOf(() => loadConfig(postgresEnvSchema, { ...pg, PGSSLROOTCERT: ca }))).toContain(
      'PGSSLROOTCERT is invalid: has no effect when PGSSLMODE is disable',
    );
    expect(
      messageOf(() => loadConfig(postgresEnvSchema, { ...pg, PGSSLMODE: 'require', PGSSLROOTCERT: ca })),
    ).toContain('PGSSLROOTCERT is invalid: has no effect when PGSSLMODE is require');
    expect(
      messageOf(() => loadConfig(postgresEnvSchema, { ...pg, PGSSLMODE: 'require', PGSSLCERT: ca })),
    ).toContain('PGSSLKEY is missing: required when PGSSLCERT is set');
  });
});

describe('Kafka TLS and SASL settings', () => {
  const scram = {
    KAFKA_SSL: 'true',
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: 'mch',
    KAFKA_SASL_PASSWORD: 'k-s3cret',
  };

  it('accepts TLS with a CA file and SCRAM credentials', () => {
    expect(loadConfig(kafkaEnvSchema, { ...kafka, ...scram, KAFKA_SSL_CA_FILE: ca })).toMatchObject({
      KAFKA_SSL: true,
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
    });
    expect(loadConfig(kafkaEnvSchema, kafka)).toMatchObject({ KAFKA_SSL: false });
  });

  it('refuses SASL over plaintext', () => {
    expect(messageOf(() => loadConfig(kafkaEnvSchema, { ...kafka, ...scram, KAFKA_SSL: 'false' }))).toContain(
      'KAFKA_SASL_MECHANISM is invalid: requires KAFKA_SSL=true',
    );
  });

  it('requires the username and password of the mechanism, without echoing the password', () => {
    const message = messageOf(() =>
      loadConfig(kafkaEnvSchema, { ...kafka, KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-256' }),
    );
    expect(message).toContain(
      'KAFKA_SASL_USERNAME is missing: required when KAFKA_SASL_MECHANISM is scram-sha-256',
    );
    expect(message).toContain('KAFKA_SASL_PASSWORD is missing');
    const withPassword = messageOf(() =>
      loadConfig(kafkaEnvSchema, { ...kafka, KAFKA_SASL_PASSWORD: 'k-s3cret' }),
    );
    expect(withPassword).toContain(
      'KAFKA_SASL_PASSWORD is invalid: has no effect when KAFKA_SASL_MECHANISM is unset',
    );
    expect(withPassword).not.toContain('k-s3cret');
  });

  it('refuses mechanisms other than SCRAM, a non-boolean KAFKA_SSL and a CA without TLS', () => {
    expect(
      messageOf(() => loadConfig(kafkaEnvSchema, { ...kafka, ...scram, KAFKA_SASL_MECHANISM: 'plain' })),
    ).toContain('KAFKA_SASL_MECHANISM is invalid');
    expect(messageOf(() => loadConfig(kafkaEnvSchema, { ...kafka, KAFKA_SSL: 'yes' }))).toContain(
      'KAFKA_SSL is invalid',
    );
    expect(messageOf(() => loadConfig(kafkaEnvSchema, { ...kafka, KAFKA_SSL_CA_FILE: ca }))).toContain(
      'KAFKA_SSL_CA_FILE is invalid: has no effect when KAFKA_SSL is not true',
    );
  });
});

describe('ClickHouse and Weaviate TLS settings', () => {
  it('accepts an https URL with a CA file, and refuses the CA with http or a non-HTTP URL', () => {
    expect(
      loadConfig(clickhouseEnvSchema, { ...clickhouse, CLICKHOUSE_CA_FILE: ca }).CLICKHOUSE_CA_FILE,
    ).toBe(ca);
    expect(
      messageOf(() =>
        loadConfig(clickhouseEnvSchema, {
          ...clickhouse,
          CLICKHOUSE_URL: 'http://ch:8123',
          CLICKHOUSE_CA_FILE: ca,
        }),
      ),
    ).toContain('CLICKHOUSE_CA_FILE is invalid: has no effect when CLICKHOUSE_URL is not https://');
    expect(
      messageOf(() => loadConfig(clickhouseEnvSchema, { ...clickhouse, CLICKHOUSE_URL: 'ftp://ch:21' })),
    ).toContain('CLICKHOUSE_URL is invalid');
  });

  it('accepts WEAVIATE_SECURE with a CA file and refuses the CA without it', () => {
    expect(
      loadConfig(weaviateEnvSchema, { ...weaviate, WEAVIATE_SECURE: 'true', WEAVIATE_CA_FILE: ca }),
    ).toMatchObject({
      WEAVIATE_SECURE: true,
      WEAVIATE_CA_FILE: ca,
    });
    expect(messageOf(() => loadConfig(weaviateEnvSchema, { ...weaviate, WEAVIATE_CA_FILE: ca }))).toContain(
      'WEAVIATE_CA_FILE is invalid: has no effect when WEAVIATE_SECURE is not true',
    );
    expect(
      messageOf(() =>
        loadConfig(weaviateEnvSchema, { ...weaviate, WEAVIATE_SECURE: 'true', WEAVIATE_CA_FILE: absent }),
      ),
    ).toContain('WEAVIATE_CA_FILE is invalid: cannot read the file (ENOENT)');
  });
});

it('reports every store’s transport problems in one error', () => {
  const message = messageOf(() =>
    loadConfigSections(
      {
        postgres: postgresEnvSchema,
        kafka: kafkaEnvSchema,
        clickhouse: clickhouseEnvSchema,
        weaviate: weaviateEnvSchema,
      },
      {
        ...pg,
        ...kafka,
        ...clickhouse,
        ...weaviate,
        PGSSLMODE: 'verify-full',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        CLICKHOUSE_CA_FILE: absent,
        WEAVIATE_CA_FILE: ca,
      },
    ),
  );
  for (const variable of ['PGSSLROOTCERT', 'KAFKA_SASL_MECHANISM', 'CLICKHOUSE_CA_FILE', 'WEAVIATE_CA_FILE'])
    expect(message).toContain(variable);
});
