import { z } from 'zod';
import { booleanFlag, checkReadable, forbidWith, optionalText, requireWith } from './tls-settings';

const port = z.coerce.number().int().min(1).max(65535);
const required = z.string().trim().min(1);

export const PG_SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type PgSslMode = (typeof PG_SSL_MODES)[number];

/**
 * The libpq variable names, so psql and our services share one set of settings. TLS follows
 * libpq's meaning: require encrypts without checking the server, verify-ca checks its certificate
 * against PGSSLROOTCERT, verify-full also checks that the certificate names PGHOST. libpq's
 * allow/prefer (fall back to plaintext) are refused: a migration must not silently go unencrypted.
 */
export const postgresEnvSchema = z
  .object({
    PGHOST: required,
    PGPORT: port.default(5432),
    PGUSER: required,
    PGPASSWORD: required,
    PGDATABASE: required,
    PG_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    PGSSLMODE: z.preprocess((v) => (v === '' ? undefined : v), z.enum(PG_SSL_MODES).optional()),
    PGSSLROOTCERT: optionalText,
    PGSSLCERT: optionalText,
    PGSSLKEY: optionalText,
  })
  .superRefine((env, ctx) => {
    const mode = env.PGSSLMODE ?? 'disable';
    if (mode === 'verify-ca' || mode === 'verify-full') requireWith(ctx, 'PGSSLROOTCERT', env.PGSSLROOTCERT, `PGSSLMODE is ${mode}`);
    if (mode === 'disable') {
      for (const name of ['PGSSLROOTCERT', 'PGSSLCERT', 'PGSSLKEY'] as const) forbidWith(ctx, name, env[name], 'PGSSLMODE is disable');
      return;
    }
    if (mode === 'require') forbidWith(ctx, 'PGSSLROOTCERT', env.PGSSLROOTCERT, 'PGSSLMODE is require (use verify-full to check the server)');
    if (env.PGSSLCERT !== undefined) requireWith(ctx, 'PGSSLKEY', env.PGSSLKEY, 'PGSSLCERT is set');
    if (env.PGSSLKEY !== undefined) requireWith(ctx, 'PGSSLCERT', env.PGSSLCERT, 'PGSSLKEY is set');
    for (const name of ['PGSSLROOTCERT', 'PGSSLCERT', 'PGSSLKEY'] as const) checkReadable(ctx, name, env[name]);
  });

export const KAFKA_SASL_MECHANISMS = ['scram-sha-256', 'scram-sha-512'] as const;
/** The client library behind the event producers (infra-kafka's RecordProducer); consumers and admin stay on kafkajs. */
export const KAFKA_PRODUCER_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaProducerClient = (typeof KAFKA_PRODUCER_CLIENTS)[number];
export const DEFAULT_KAFKA_PRODUCER_CLIENT: KafkaProducerClient = 'platformatic';

/** TLS (KAFKA_SSL, optional private CA) and SASL/SCRAM; both off for the plaintext local stack. */
export const kafkaEnvSchema = z.object({
  KAFKA_BROKERS: required.transform((value, ctx) => {
    const brokers = value.split(',').map((b) => b.trim()).filter(Boolean);
    for (const broker of brokers) {
      if (!/^[^:\s]+:\d{1,5}$/.test(broker)) {
        ctx.addIssue({ code: 'custom', message: `'${broker}' is not host:port` });
        return z.NEVER;
      }
    }
    return brokers;
  }),
  KAFKA_CLIENT_ID: z.string().trim().min(1).optional(),
  KAFKA_SSL: booleanFlag,
  KAFKA_SSL_CA_FILE: optionalText,
  KAFKA_SASL_MECHANISM: z.preprocess((v) => (v === '' ? undefined : v), z.enum(KAFKA_SASL_MECHANISMS).optional()),
  KAFKA_SASL_USERNAME: optionalText,
  KAFKA_SASL_PASSWORD: optionalText,
  KAFKA_PRODUCER_CLIENT: z.preprocess((v) => (v === '' ? undefined : v), z.enum(KAFKA_PRODUCER_CLIENTS).default(DEFAULT_KAFKA_PRODUCER_CLIENT)),
}).superRefine((env, ctx) => {
  if (!env.KAFKA_SSL) {
    forbidWith(ctx, 'KAFKA_SSL_CA_FILE', env.KAFKA_SSL_CA_FILE, 'KAFKA_SSL is not true');
    // SCRAM never sends the password, but the session after it would be readable and forgeable.
    if (env.KAFKA_SASL_MECHANISM) ctx.addIssue({ code: 'custom', path: ['KAFKA_SASL_MECHANISM'], message: 'requires KAFKA_SSL=true (SASL over plaintext is refused)' });
  }
  checkReadable(ctx, 'KAFKA_SSL_CA_FILE', env.KAFKA_SSL_CA_FILE);
  if (env.KAFKA_SASL_MECHANISM) {
    requireWith(ctx, 'KAFKA_SASL_USERNAME', env.KAFKA_SASL_USERNAME, `KAFKA_SASL_MECHANISM is ${env.KAFKA_SASL_MECHANISM}`);
    requireWith(ctx, 'KAFKA_SASL_PASSWORD', env.KAFKA_SASL_PASSWORD, `KAFKA_SASL_MECHANISM is ${env.KAFKA_SASL_MECHANISM}`);
  } else {
    forbidWith(ctx, 'KAFKA_SASL_USERNAME', env.KAFKA_SASL_USERNAME, 'KAFKA_SASL_MECHANISM is unset');
    forbidWith(ctx, 'KAFKA_SASL_PASSWORD', env.KAFKA_SASL_PASSWORD, 'KAFKA_SASL_MECHANISM is unset');
  }
});

/** HTTPS when CLICKHOUSE_URL says https; CLICKHOUSE_CA_FILE for a private CA (else the system's). */
export const clickhouseEnvSchema = z
  .object({
    CLICKHOUSE_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    CLICKHOUSE_USER: required,
    CLICKHOUSE_PASSWORD: required,
    CLICKHOUSE_DATABASE: required.default('default'),
    CLICKHOUSE_CA_FILE: optionalText,
  })
  .superRefine((env, ctx) => {
    if (!env.CLICKHOUSE_URL.startsWith('https:')) forbidWith(ctx, 'CLICKHOUSE_CA_FILE', env.CLICKHOUSE_CA_FILE, 'CLICKHOUSE_URL is not https://');
    checkReadable(ctx, 'CLICKHOUSE_CA_FILE', env.CLICKHOUSE_CA_FILE);
  });

/** WEAVIATE_SECURE switches REST and gRPC to TLS; WEAVIATE_CA_FILE trusts a private CA for both. */
export const weaviateEnvSchema = z
  .object({
    WEAVIATE_HOST: required,
    WEAVIATE_HTTP_PORT: port.default(8080),
    WEAVIATE_GRPC_PORT: port.default(50051),
    WEAVIATE_API_KEY: z.string().trim().min(1).optional(),
    WEAVIATE_SECURE: booleanFlag,
    WEAVIATE_CA_FILE: optionalText,
  })
  .superRefine((env, ctx) => {
    if (!env.WEAVIATE_SECURE) forbidWith(ctx, 'WEAVIATE_CA_FILE', env.WEAVIATE_CA_FILE, 'WEAVIATE_SECURE is not true');
    checkReadable(ctx, 'WEAVIATE_CA_FILE', env.WEAVIATE_CA_FILE);
  });

export const serviceEnvSchema = z.object({
  HTTP_PORT: port.default(3000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type PostgresConfig = z.infer<typeof postgresEnvSchema>;
export type KafkaConfig = z.infer<typeof kafkaEnvSchema>;
export type ClickHouseConfig = z.infer<typeof clickhouseEnvSchema>;
export type WeaviateConfig = z.infer<typeof weaviateEnvSchema>;
export type ServiceConfig = z.infer<typeof serviceEnvSchema>;
