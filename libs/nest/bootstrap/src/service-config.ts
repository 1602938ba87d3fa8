import { z } from 'zod';
import {
  apiTokenEnvSchema,
  clickhouseEnvSchema,
  kafkaEnvSchema,
  loadConfigSections,
  optionalApiTokenEnvSchema,
  postgresEnvSchema,
  serviceEnvSchema,
  weaviateEnvSchema,
  type ApiTokenConfig,
  type ClickHouseConfig,
  type Env,
  type KafkaConfig,
  type PostgresConfig,
  type ServiceConfig,
  type WeaviateConfig,
} from '@mch/util-config';
import type { StoreName } from '@mch/infra-health';

const STORE_SCHEMAS: Record<StoreName, z.ZodObject> = {
  postgres: postgresEnvSchema,
  kafka: kafkaEnvSchema,
  clickhouse: clickhouseEnvSchema,
  weaviate: weaviateEnvSchema,
};

const listenSchema = serviceEnvSchema.extend({ HTTP_HOST: z.string().trim().min(1).default('0.0.0.0') });

export interface LoadedServiceConfig {
  service: ServiceConfig & { HTTP_HOST: string };
  /** API_TOKEN, the bearer token of the service's state-changing HTTP endpoints. */
  auth: ApiTokenConfig;
  postgres?: PostgresConfig;
  kafka?: KafkaConfig;
  clickhouse?: ClickHouseConfig;
  weaviate?: WeaviateConfig;
  /** The service's own settings, validated by the schema it passed. */
  app?: Record<string, unknown>;
}

/**
 * Validates the service's own variables and those of exactly the stores it uses, in one pass.
 * API_TOKEN is required when the service serves state-changing HTTP endpoints
 * (`apiToken: 'required'`, which bootstrapService decides from its routes), else optional.
 */
export function loadServiceConfig(
  stores: readonly StoreName[],
  env: Env = process.env,
  appSchema?: z.ZodType,
  apiToken: 'required' | 'optional' = 'optional',
): LoadedServiceConfig {
  const sections: Record<string, z.ZodType> = {
    service: listenSchema,
    auth: apiToken === 'required' ? apiTokenEnvSchema : optionalApiTokenEnvSchema,
  };
  for (const store of stores) sections[store] = STORE_SCHEMAS[store];
  if (appSchema) sections.app = appSchema;
  return loadConfigSections(sections, env) as unknown as LoadedServiceConfig;
}
