import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaConfig } from '@mch/util-config';
import { kafkaSecurityOptions } from './kafka.security';
import { platformaticSecurityOptions, reasons } from './platformatic.producer';

const dir = mkdtempSync(join(tmpdir(), 'mch-kafka-tls-'));
const ca = join(dir, 'ca.crt');
writeFileSync(ca, 'CA PEM');
const base: KafkaConfig = { KAFKA_BROKERS: ['k:9093'], KAFKA_SSL: false, KAFKA_PRODUCER_CLIENT: 'kafkajs' };

describe('kafkaSecurityOptions', () => {
  it('adds nothing for a plaintext cluster', () => {
    expect(kafkaSecurityOptions(base)).toEqual({});
  });

  it('uses the system CAs, or the CA file, with certificate checks on', () => {
    expect(kafkaSecurityOptions({ ...base, KAFKA_SSL: true })).toEqual({ ssl: true });
    expect(kafkaSecurityOptions({ ...base, KAFKA_SSL: true, KAFKA_SSL_CA_FILE: ca })).toEqual({
      ssl: { ca: [Buffer.from('CA PEM')], rejectUnauthorized: true },
    });
  });

  it('passes the SCRAM mechanism and credentials', () => {
    expect(
      kafkaSecurityOptions({
        ...base,
        KAFKA_SSL: true,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'mch',
        KAFKA_SASL_PASSWORD: 'pw',
      }),
    ).toEqual({ ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'mch', password: 'pw' } });
  });
});

describe('platformaticSecurityOptions (the @platformatic/kafka producer)', () => {
  it('adds nothing for a plaintext cluster', () => {
    expect(platformaticSecurityOptions(base)).toEqual({});
  });

  it('verifies the broker with the system CAs, or the CA file, and sends the host name (SNI)', () => {
    expect(platformaticSecurityOptions({ ...base, KAFKA_SSL: true })).toEqual({ tls: { rejectUnauthorized: true }, tlsServerName: true });
    expect(platformaticSecurityOptions({ ...base, KAFKA_SSL: true, KAFKA_SSL_CA_FILE: ca })).toEqual({
      tls: { ca: [Buffer.from('CA PEM')], rejectUnauthorized: true },
      tlsServerName: true,
    });
  });

  it('sends no server name for brokers given by IP address (Node refuses one, DEP0123)', () => {
    expect(platformaticSecurityOptions({ ...base, KAFKA_BROKERS: ['127.0.0.1:19192'], KAFKA_SSL: true })).toEqual({ tls: { rejectUnauthorized: true } });
  });

  it('names the SCRAM mechanism as the client spells it and passes the credentials', () => {
    const scram = { ...base, KAFKA_SSL: true, KAFKA_SASL_USERNAME: 'mch', KAFKA_SASL_PASSWORD: 'pw' };
    expect(platformaticSecurityOptions({ ...scram, KAFKA_SASL_MECHANISM: 'scram-sha-512' }).sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'mch', password: 'pw' });
    expect(platformaticSecurityOptions({ ...scram, KAFKA_SASL_MECHANISM: 'scram-sha-256' }).sasl).toEqual({ mechanism: 'SCRAM-SHA-256', username: 'mch', password: 'pw' });
  });
});

describe("reasons (a @platformatic/kafka error's message)", () => {
  it('names every level of the aggregate and cause chain, down to the innermost reason', () => {
    const sasl = new Error('SASL authentication failed.', { cause: new Error('Invalid credentials') });
    const connection = new Error('Connection to 127.0.0.1:19192 failed.', { cause: sasl });
    const error = new AggregateError([new AggregateError([connection], 'Cannot connect to any broker.')], 'metadata failed 2 times.');
    expect(reasons(error)).toBe(
      'metadata failed 2 times. (Cannot connect to any broker. (Connection to 127.0.0.1:19192 failed.: SASL authentication failed.: Invalid credentials))',
    );
  });
});
