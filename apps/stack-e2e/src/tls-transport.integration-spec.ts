import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createClient } from '@clickhouse/client';
import { createPlatformaticProducer, createTopicsAndWait, kafkaSecurityOptions, reasons } from '@mch/infra-kafka';
import { createLogger } from '@mch/util-logger';
import { createPostgresPool } from '@mch/infra-postgres';
import { freePort } from '@mch/testing-stack';
import {
  clickhouseEnvSchema,
  kafkaEnvSchema,
  loadConfig,
  postgresEnvSchema,
  type Env,
} from '@mch/util-config';
import { WORKSPACE_ROOT } from './support/service-process';
import { TLS_STACK, tlsStackDir, tlsStackEnv, tlsStackIsUp, upUnderStrace } from './support/tls-stack';

/**
 * The data path once over the TLS stack instance (tools/stack/tls-stack.sh): PostgreSQL with
 * verify-full, Kafka SASL_SSL/SCRAM-SHA-512, ClickHouse HTTPS, Weaviate HTTPS + gRPC TLS. The
 * instance is started here when it is not up (under strace, which also checks that no secret
 * reaches a command line) and stopped again afterwards; its data is kept, so a later run starts warm.
 */
describe('encrypted, authenticated transport to every store (TLS stack)', () => {
  let env: Record<string, string>;
  let startedHere = false;
  const work = mkdtempSync(path.join(tmpdir(), 'mch-tls-e2e-'));
  const trace = path.join(work, 'stack-up.trace');
  let traced = false;

  beforeAll(async () => {
    // `up` on a running stack still runs its credential steps (roles, ClickHouse database), so the
    // trace always covers some; on a cold stack it covers initdb, the Kafka format and every start.
    startedHere = !tlsStackIsUp();
    const up = await upUnderStrace(trace, 240_000);
    if (!up.ok) throw new Error(`tls-stack.sh up failed:\n${up.output}`);
    traced = true;
    env = tlsStackEnv();
    // A CA nobody signed the stack's certificates with, for the wrong-CA clients.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-new',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=not the stack CA',
        '-keyout',
        path.join(work, 'other.key'),
        '-out',
        path.join(work, 'other-ca.crt'),
      ],
      { stdio: 'ignore' },
    );
  }, 300_000);

  afterAll(() => {
    if (startedHere) execFileSync('bash', [TLS_STACK, 'down'], { stdio: 'ignore' });
  }, 120_000);

  const otherCa = () => path.join(work, 'other-ca.crt');
  const withEnv = (overrides: Env): Env => ({ ...env, ...overrides });

  it('runs PostgreSQL -> Kafka -> ClickHouse and Weaviate over TLS with verify-full, every store agreeing', async () => {
    expect(env).toMatchObject({
      PGSSLMODE: 'verify-full',
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      WEAVIATE_SECURE: 'true',
    });
    expect(env.CLICKHOUSE_URL).toMatch(/^https:\/\//);
    const child = spawn(process.execPath, ['-r', './tools/scripts/register.js', 'tools/demo/run-demo.ts'], {
      cwd: WORKSPACE_ROOT,
      // Only the TLS stack's settings: nothing of the default stack's environment may leak in.
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...env,
        MCH_DEMO_OPPORTUNITIES: '150',
        MCH_DEMO_POPULATOR_PORT: String(await freePort()),
        MCH_DEMO_INDEXER_PORT: String(await freePort()),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    // The demo marks each warning or error line of its processes with '!'; they say why it exited 1.
    const noise = output.split('\n').filter((line) => /^\s+! /.test(line));
    expect({ code, noise, tail: code === 0 ? '' : output.slice(-3000) }).toEqual({ code: 0, noise: [], tail: '' });
    // 150 generated opportunities plus the fixture's edge rows, and what the live monolith workload
    // inserted meanwhile, in every store (the same count in each).
    const opportunities = /opportunity\s+(\d+) rows\s+\1 keys\s+\1 rows\s+\1 objects/.exec(output);
    expect(opportunities).not.toBeNull();
    expect(Number(opportunities?.[1])).toBeGreaterThanOrEqual(150);
    expect(output).toMatch(/usage_record\s+\d+ rows\s+\d+ keys\s+\d+ rows/);
    // Every entity is checked, each against every target it goes to (the entity column is padded).
    for (const pair of [
      'opportunity postgres/weaviate',
      'contract_document postgres/weaviate',
      'company postgres/kafka',
      'usage_record postgres/clickhouse',
    ])
      expect(output).toMatch(new RegExp(`${pair.replace(' ', '\\s+')}\\s+content\\s.*\\sok`));
    expect(output).toContain('Verdict: CONSISTENT');
    // No TLS complaint and no Node warning from any process; the demo's own count of such lines is 0.
    expect(output).not.toMatch(/certificate|\w+Warning:|DEP0123/);
    expect(output).toMatch(/Warning and error lines printed by the run's processes: 0\b/);
  }, 300_000);

  it('refuses PostgreSQL clients without TLS, with a wrong CA or a wrong password', async () => {
    const attempt = async (overrides: Env) => {
      const pool = createPostgresPool(loadConfig(postgresEnvSchema, withEnv(overrides)), {
        applicationName: 'tls-e2e',
        max: 1,
      });
      try {
        return (
          await pool.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')
        ).rows[0].ssl;
      } catch (error) {
        return (error as Error).message;
      } finally {
        await pool.end();
      }
    };
    expect(await attempt({})).toBe(true);
    expect(await attempt({ PGSSLMODE: 'disable', PGSSLROOTCERT: '' })).toMatch(
      /pg_hba.conf rejects connection .* no encryption/,
    );
    expect(await attempt({ PGSSLROOTCERT: otherCa() })).toMatch(
      /self[- ]signed certificate|unable to verify|unable to get local issuer/,
    );
    expect(await attempt({ PGPASSWORD: 'wrong-password' })).toMatch(/password authentication failed/);
  });

  it('refuses Kafka clients without TLS, with a wrong CA or a wrong SCRAM password', async () => {
    const attempt = async (overrides: Env) => {
      const config = loadConfig(kafkaEnvSchema, withEnv(overrides));
      const kafka = new Kafka({
        brokers: config.KAFKA_BROKERS,
        clientId: 'tls-e2e',
        ...kafkaSecurityOptions(config),
        connectionTimeout: 3_000,
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        return (await admin.describeCluster()).brokers.length;
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    };
    expect(await attempt({})).toBe(1);
    expect(await attempt({ KAFKA_SASL_PASSWORD: 'wrong-password' })).toMatch(
      /SASL SCRAM SHA512 authentication failed/i,
    );
    expect(await attempt({ KAFKA_SSL_CA_FILE: otherCa() })).toMatch(
      /self[- ]signed certificate|unable to verify|unable to get local issuer/,
    );
    // Plaintext (and so without SASL) against the SASL_SSL listener: no answer it can read.
    expect(
      await attempt({
        KAFKA_SSL: 'false',
        KAFKA_SSL_CA_FILE: '',
        KAFKA_SASL_MECHANISM: '',
        KAFKA_SASL_USERNAME: '',
        KAFKA_SASL_PASSWORD: '',
      }),
    ).toMatch(/^KafkaJS\w+: (Closed connection|Connection timeout)/);
  });

  it('sends events through the @platformatic/kafka producer over TLS + SCRAM, and refuses it with a wrong CA or password', async () => {
    const logger = createLogger({ service: 'tls-e2e', level: 'error', sink: () => undefined });
    const producerOf = (overrides: Env, retryDelayMs?: number) =>
      createPlatformaticProducer(loadConfig(kafkaEnvSchema, withEnv(overrides)), { clientId: 'tls-e2e-platformatic', logger, retryDelayMs });
    const attempt = async (overrides: Env) => {
      // 100 ms between retries: the client retries a refused connection too, with the backoff about 70 s.
      const producer = producerOf(overrides, 100);
      try {
        await producer.connect();
        return 'connected';
      } catch (error) {
        return reasons(error);
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
    };
    expect(await attempt({ KAFKA_SASL_PASSWORD: 'wrong-password' })).toMatch(/SASL authentication failed/);
    expect(await attempt({ KAFKA_SSL_CA_FILE: otherCa() })).toMatch(/self[- ]signed certificate|unable to verify|unable to get local issuer/);

    const config = loadConfig(kafkaEnvSchema, withEnv({}));
    const kafka = new Kafka({ brokers: config.KAFKA_BROKERS, clientId: 'tls-e2e', ...kafkaSecurityOptions(config), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topic = `tls-e2e.platformatic.${Date.now()}`;
    try {
      await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: 3 }] });
      const producer = producerOf({});
      await producer.connect();
      try {
        const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { 'correlation-id': `c${i}` } }));
        await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
      } finally {
        await producer.disconnect();
      }
      const stored = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
      expect(stored).toBe(30);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 120_000);

  it('refuses ClickHouse clients over plain HTTP, with a wrong CA or a wrong password', async () => {
    const attempt = async (overrides: Env) => {
      const config = loadConfig(clickhouseEnvSchema, withEnv(overrides));
      const client = createClient({
        url: config.CLICKHOUSE_URL,
        username: config.CLICKHOUSE_USER,
        password: config.CLICKHOUSE_PASSWORD,
        ...(config.CLICKHOUSE_CA_FILE ? { tls: { ca_cert: readFileSync(config.CLICKHOUSE_CA_FILE) } } : {}),
        request_timeout: 5_000,
      });
      try {
        return (
          await (
            await client.query({ query: 'SELECT 1 AS one', format: 'JSONEachRow' })
          ).json<{ one: number }>()
        )[0].one;
      } catch (error) {
        return (error as Error).message;
      } finally {
        await client.close();
      }
    };
    expect(await attempt({})).toBe(1);
    expect(
      await attempt({
        CLICKHOUSE_URL: env.CLICKHOUSE_URL.replace('https:', 'http:'),
        CLICKHOUSE_CA_FILE: '',
      }),
    ).not.toBe(1);
    expect(await attempt({ CLICKHOUSE_CA_FILE: otherCa() })).toMatch(
      /self[- ]signed certificate|unable to verify|unable to get local issuer/,
    );
    expect(await attempt({ CLICKHOUSE_PASSWORD: 'wrong-password' })).toMatch(
      /password is incorrect|Authentication failed|Code: 193/i,
    );
  });

  it('refuses Weaviate clients over plain HTTP, with a wrong CA or a wrong API key', async () => {
    const url = (scheme: string) => `${scheme}://${env.WEAVIATE_HOST}:${env.WEAVIATE_HTTP_PORT}/v1/schema`;
    const get = (scheme: 'http' | 'https', ca: string | undefined, key: string) =>
      new Promise<string | number>((resolve) => {
        const request = (scheme === 'https' ? https : http).get(
          url(scheme),
          {
            headers: { authorization: `Bearer ${key}` },
            ...(ca ? { ca: readFileSync(ca) } : {}),
            timeout: 5_000,
          },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on('error', (error) => resolve(error.message));
        request.on('timeout', () => request.destroy(new Error('timeout')));
      });
    expect(await get('https', env.WEAVIATE_CA_FILE, env.WEAVIATE_API_KEY)).toBe(200);
    expect(await get('https', env.WEAVIATE_CA_FILE, 'wrong-key')).toBe(401);
    expect(await get('https', otherCa(), env.WEAVIATE_API_KEY)).toMatch(
      /self[- ]signed certificate|unable to verify|unable to get local issuer/,
    );
    expect(await get('http', undefined, env.WEAVIATE_API_KEY)).not.toBe(200);
  });

  it('puts no secret on any command line while the stack starts, and keeps secret files mode 600', () => {
    expect(traced).toBe(true);
    const secrets = Object.entries(
      Object.fromEntries(
        readFileSync(path.join(tlsStackDir(), 'credentials.env'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split('=', 2) as [string, string]),
      ),
    );
    expect(secrets.length).toBeGreaterThanOrEqual(7);
    const execs = readFileSync(trace, 'utf8')
      .split('\n')
      .filter((l) => l.includes('execve('));
    expect(execs.length).toBeGreaterThan(10);
    const leaks = secrets.flatMap(([name, value]) =>
      execs
        .filter((l) => l.includes(value))
        .map((l) => `${name} in ${l.replaceAll(value, `<${name}>`).slice(0, 200)}`),
    );
    expect(leaks).toEqual([]);

    const dir = tlsStackDir();
    const mustBePrivate = [
      'credentials.env',
      'stack.env',
      'tls/server.key',
      'tls/server.pem',
      'kafka/server.properties',
      'clickhouse/users.xml',
    ];
    const modes = Object.fromEntries(
      mustBePrivate.map((f) => [f, (statSync(path.join(dir, f)).mode & 0o777).toString(8)]),
    );
    expect(modes).toEqual(Object.fromEntries(mustBePrivate.map((f) => [f, '600'])));
    expect(existsSync(path.join(dir, 'kafka/format.args'))).toBe(false);
    expect(existsSync(path.join(dir, 'tls/ca.key'))).toBe(false);
    // Any other file under the stack directory holding a secret value must be private too.
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? (e.name === 'data' ? [] : walk(path.join(d, e.name))) : [path.join(d, e.name)],
      );
    const exposed = walk(dir).filter((file) => {
      if ((statSync(file).mode & 0o077) === 0 || statSync(file).size > 5_000_000) return false;
      const text = readFileSync(file, 'utf8');
      return secrets.some(([, value]) => text.includes(value));
    });
    expect(exposed).toEqual([]);
  });
});
