import { NestFactory, Reflector } from '@nestjs/core';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { createKafka, createTopicsAndWait, kafkaClientConfig } from '@mch/infra-kafka';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import type { StoreName } from '@mch/infra-health';
import { createLogger, type Logger } from '@mch/util-logger';
import { isDomainException } from '@mch/util-errors';
import { createApiTokenCheck } from '@mch/util-auth';
import { assertSchemaMigrated } from '@mch/data-schema-migrations';
import type { Env } from '@mch/util-config';
import type { z } from 'zod';
import { ApiTokenGuard } from './api-token.guard';
import { correlationMiddleware } from './correlation.middleware';
import { JsonNestLogger } from './json-nest.logger';
import { DomainExceptionHttpFilter } from './domain-exception.filter';
import { httpLoggingModule, resetNestPinoRoot } from './http-logging.module';
import { loadServiceConfig, type LoadedServiceConfig } from './service-config';
import { ServiceRootModule } from './service-root.module';
import { stateChangingRoutes } from './state-changing-routes';

export interface ServiceDefinition {
  /** Service name: log field, Kafka client id, PostgreSQL application_name. */
  name: string;
  /** The stores this service reads or writes; readiness checks exactly these. */
  stores: readonly StoreName[];
  imports?: ModuleMetadata['imports'];
  /** The service's own environment variables, validated with the stores' at boot. */
  config?: z.ZodType;
  /**
   * Kafka topics this service consumes through @nestjs/microservices (@EventPattern handlers),
   * created if missing; the consumer starts in the background so the service also boots (and
   * reports unready) while Kafka is down.
   */
  kafkaConsumer?: { groupId: string; topics: { name: string; partitions: number }[] };
  /** Called once the HTTP server listens. */
  afterListen?: (service: RunningService) => Promise<void>;
}

export interface RunningService {
  app: INestApplication;
  config: LoadedServiceConfig;
  logger: Logger;
  url: string;
}

/**
 * Node prints warnings as plain text on stderr, which breaks JSON log parsing. kafkajs 2.2 on
 * Node 24 triggers a TimeoutNegativeWarning from its request queue that is harmless (the timer
 * is clamped to 1 ms), so that one is debug-level noise; others are real warnings.
 */
function routeProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    const level = warning.name === 'TimeoutNegativeWarning' ? 'debug' : 'warn';
    logger[level](`node warning: ${warning.message}`, { name: warning.name });
  });
}

export async function bootstrapService(definition: ServiceDefinition, env: Env = process.env): Promise<RunningService> {
  // A service with state-changing HTTP routes cannot start without its API token.
  const guardedRoutes = stateChangingRoutes(definition.imports ?? []);
  const config = loadServiceConfig(definition.stores, env, definition.config, guardedRoutes.length > 0 ? 'required' : 'optional');
  const logger = createLogger({ service: definition.name, level: config.service.LOG_LEVEL });
  routeProcessWarnings(logger);
  // Never start on a schema the service would fail on later: name the missing migrations now.
  if (config.postgres) await assertSchemaMigrated(config.postgres, definition.name);
  resetNestPinoRoot();
  const app = await NestFactory.create(
    ServiceRootModule.register({ ...definition, imports: [httpLoggingModule(logger), ...(definition.imports ?? [])], config, logger }),
    // Until Nest's container is up (and with it nestjs-pino's Logger, below), its boot lines go
    // through the same pino instance by JsonNestLogger.
    { logger: new JsonNestLogger(logger), abortOnError: false },
  );
  app.useLogger(app.get(NestPinoLogger));
  app.getHttpAdapter().getInstance().disable?.('x-powered-by');
  app.use(correlationMiddleware(logger));
  app.useGlobalFilters(new DomainExceptionHttpFilter(logger));
  const token = config.auth.API_TOKEN;
  app.useGlobalGuards(new ApiTokenGuard(app.get(Reflector), token ? createApiTokenCheck(token) : undefined, logger));
  app.enableShutdownHooks();
  await app.listen(config.service.HTTP_PORT, config.service.HTTP_HOST);
  const url = await app.getUrl();
  const running = { app, config, logger, url };
  if (definition.kafkaConsumer && config.kafka) void startKafkaConsumer(running, definition.name, definition.kafkaConsumer);
  await definition.afterListen?.(running);
  logger.info('service started', { url, stores: definition.stores, state_changing_routes: guardedRoutes });
  return running;
}

async function startKafkaConsumer(
  service: RunningService,
  name: string,
  consumer: NonNullable<ServiceDefinition['kafkaConsumer']>,
): Promise<void> {
  const kafkaConfig = service.config.kafka as NonNullable<LoadedServiceConfig['kafka']>;
  const retry = async (what: string, work: () => Promise<void>) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        service.logger.warn(`${what} failed; retrying`, { attempt, error });
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1_000 * attempt)));
      }
    }
  };
  await retry('creating the consumed topics', async () => {
    const admin = createKafka(kafkaConfig, { clientId: `${name}-admin`, logger: service.logger }).admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = consumer.topics.filter((t) => !existing.has(t.name));
      if (missing.length > 0) {
        await createTopicsAndWait(admin, { topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions })) });
      }
    } finally {
      await admin.disconnect();
    }
  });
  service.app.connectMicroservice<MicroserviceOptions>({
    transport: Transport.KAFKA,
    options: {
      // The settings of every other Kafka client of ours: TLS and SASL (without them this consumer
      // spoke plaintext to a SASL_SSL listener), timeouts, retries and the JSON log routing.
      client: kafkaClientConfig(kafkaConfig, { clientId: name, logger: service.logger }),
      consumer: { groupId: consumer.groupId, allowAutoTopicCreation: false },
      subscribe: { fromBeginning: true },
      postfixId: '',
    },
  });
  await retry('starting the kafka consumer', () => service.app.startAllMicroservices().then(() => undefined));
  service.logger.info('kafka consumer started', { group: consumer.groupId, topics: consumer.topics.map((t) => t.name) });
}

/**
 * Entry point for apps/<service>/src/main.ts: boot, or print one JSON error line naming the
 * problem and exit non-zero so Kubernetes shows the reason in the pod's last state.
 */
export function runService(definition: ServiceDefinition): void {
  bootstrapService(definition).catch((error: unknown) => {
    const logger = createLogger({ service: definition.name });
    const code = isDomainException(error) ? error.code : 'BOOT_FAILED';
    logger.error(`${definition.name} failed to start: ${error instanceof Error ? error.message : String(error)}`, {
      code,
      error,
    });
    process.exitCode = 1;
  });
}
