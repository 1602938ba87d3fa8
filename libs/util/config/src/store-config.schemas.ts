import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const required = z.string().trim().min(1);

/** The libpq variable names, so psql and our services share one set of settings. */
export const postgresEnvSchema = z.object({
  PGHOST: required,
  PGPORT: port.default(5432),
  PGUSER: required,
  PGPASSWORD: required,
  PGDATABASE: required,
  PG_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
});

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
});

export const clickhouseEnvSchema = z.object({
  CLICKHOUSE_URL: z.url(),
  CLICKHOUSE_USER: required,
  CLICKHOUSE_PASSWORD: required,
  CLICKHOUSE_DATABASE: required.default('default'),
});

export const weaviateEnvSchema = z.object({
  WEAVIATE_HOST: required,
  WEAVIATE_HTTP_PORT: port.default(8080),
  WEAVIATE_GRPC_PORT: port.default(50051),
  WEAVIATE_API_KEY: z.string().trim().min(1).optional(),
  WEAVIATE_SECURE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
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
