import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { PostgresModule } from '@mch/infra-postgres';
import { KafkaModule } from '@mch/infra-kafka';
import { ClickHouseModule } from '@mch/infra-clickhouse';
import { WeaviateModule } from '@mch/infra-weaviate';
import { HealthModule, type StoreName } from '@mch/infra-health';
import type { Logger } from '@mch/util-logger';
import { ServiceMetrics } from '@mch/util-metrics';
import { MetricsController } from './metrics.controller';
import type { LoadedServiceConfig } from './service-config';

export const SERVICE_LOGGER = Symbol('SERVICE_LOGGER');
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');

export interface ServiceRootOptions {
  name: string;
  stores: readonly StoreName[];
  config: LoadedServiceConfig;
  logger: Logger;
  imports?: ModuleMetadata['imports'];
}

/** Wires exactly the store modules a service uses, the health endpoints, and its own modules. */
@Module({})
export class ServiceRootModule {
  static register(options: ServiceRootOptions): DynamicModule {
    const { config, logger, name } = options;
    const storeModules: DynamicModule[] = [];
    if (config.postgres) storeModules.push(PostgresModule.forRoot(config.postgres, { applicationName: name, logger }));
    if (config.kafka) storeModules.push(KafkaModule.forRoot(config.kafka, { clientId: name, logger }));
    if (config.clickhouse) storeModules.push(ClickHouseModule.forRoot(config.clickhouse, { applicationName: name, logger }));
    if (config.weaviate) storeModules.push(WeaviateModule.forRoot(config.weaviate));
    return {
      module: ServiceRootModule,
      global: true,
      imports: [...storeModules, HealthModule.forStores(options.stores), ...(options.imports ?? [])],
      // One registry per service: its parts register their series on ServiceMetrics, served at /metrics.
      controllers: [MetricsController],
      providers: [
        { provide: SERVICE_LOGGER, useValue: logger },
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: ServiceMetrics, useValue: new ServiceMetrics(name) },
      ],
      exports: [SERVICE_LOGGER, SERVICE_CONFIG, ServiceMetrics],
    };
  }
}
