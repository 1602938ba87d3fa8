import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { WeaviateClient } from 'weaviate-client';
import { deadLetterTopicsOf, resolveMigrationId } from '@mch/contracts';
import { CheckRunRepository, ConsistencyChecker, DashboardStateCollector, type DashboardState } from '@mch/data-consistency';
import { indexCollectionNames } from '@mch/data-weaviate-index';
import { CLICKHOUSE_CLIENT } from '@mch/infra-clickhouse';
import { KAFKA_CLIENT } from '@mch/infra-kafka';
import { PG_POOL } from '@mch/infra-postgres';
import { WEAVIATE_CLIENT } from '@mch/infra-weaviate';
import { SERVICE_CONFIG, type LoadedServiceConfig } from '@mch/nest-bootstrap';
import { topicOf } from './check-options';
import type { ConsistencyCheckerConfig } from './consistency-checker.config';

/** How long one reading of the stores answers every poll: many open pages cost one reading a second. */
const FRESH_MS = 1_000;

/** The dashboard's state for the NestJS adapter: one collector, readings shared by concurrent polls. */
@Injectable()
export class MigrationDashboardService implements OnApplicationShutdown {
  private readonly collector: DashboardStateCollector;
  private last: { at: number; state: Promise<DashboardState> } | null = null;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    @Inject(CLICKHOUSE_CLIENT) clickhouse: ClickHouseClient,
    @Inject(WEAVIATE_CLIENT) weaviate: WeaviateClient,
    @Inject(SERVICE_CONFIG) serviceConfig: LoadedServiceConfig,
  ) {
    const config = serviceConfig.app as ConsistencyCheckerConfig;
    const checker = new ConsistencyChecker({
      pool,
      kafka,
      clickhouse,
      weaviate: { client: weaviate, names: indexCollectionNames(config.CONSISTENCY_WEAVIATE_PREFIX) },
    });
    this.collector = new DashboardStateCollector(
      { pool, kafka, checker, runs: new CheckRunRepository(pool) },
      {
        entities: config.CONSISTENCY_ENTITIES,
        topicPrefix: config.CONSISTENCY_TOPIC_PREFIX,
        topicFor: (entity) => topicOf(config, entity),
        deadLetterTopicsFor: (entity) => deadLetterTopicsOf(entity, config.CONSISTENCY_TOPIC_PREFIX),
        groups: config.CONSISTENCY_DASHBOARD_GROUPS,
        migrationId: resolveMigrationId({ MIGRATION_ID: config.CONSISTENCY_MIGRATION_ID, MIGRATION_RUN: config.MIGRATION_RUN }) ?? null,
        historyLimit: 20,
      },
    );
  }

  state(): Promise<DashboardState> {
    const now = Date.now();
    if (this.last && now - this.last.at < FRESH_MS) return this.last.state;
    const state = this.collector.collect(new Date(now));
    this.last = { at: now, state };
    // A failed reading is not kept: the next poll reads again.
    state.catch(() => (this.last = null));
    return state;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.collector.close();
  }
}
