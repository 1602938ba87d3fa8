import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { WeaviateClient } from 'weaviate-client';
import type { MigratedEntity } from '@mch/contracts';
import {
  CheckRunRepository,
  ConsistencyChecker,
  traceCorrelation,
  traceLineage,
  type CheckRunSummary,
  type CorrelationLineageReport,
  type ConsistencyReport,
  type LineageReport,
} from '@mch/data-consistency';
import { indexCollectionNames } from '@mch/data-weaviate-index';
import { CLICKHOUSE_CLIENT } from '@mch/infra-clickhouse';
import { KAFKA_CLIENT } from '@mch/infra-kafka';
import { PG_POOL } from '@mch/infra-postgres';
import { WEAVIATE_CLIENT } from '@mch/infra-weaviate';
import { SERVICE_CONFIG, SERVICE_LOGGER, type LoadedServiceConfig } from '@mch/nest-bootstrap';
import { currentCorrelation, newCorrelationId, runWithCorrelation } from '@mch/util-correlation';
import type { Logger } from '@mch/util-logger';
import { checkOptionsFrom, lineageTopics, topicOf } from './check-options';
import type { ConsistencyCheckerConfig } from './consistency-checker.config';
import { ConsistencyMetrics } from './consistency.metrics';

/**
 * Runs checks in the service: on a schedule (CONSISTENCY_INTERVAL_SECONDS) and on request, one
 * at a time. Keeps the latest report for GET /consistency/report and the gauges, and records each
 * run (consistency_check_runs) so the history survives restarts.
 */
@Injectable()
export class ConsistencyRunService implements OnApplicationBootstrap, OnApplicationShutdown {
  private latest: ConsistencyReport | null = null;
  private running: Promise<ConsistencyReport> | null = null;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly config: ConsistencyCheckerConfig;
  private readonly checker: ConsistencyChecker;
  private readonly runs: CheckRunRepository;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(CLICKHOUSE_CLIENT) private readonly clickhouse: ClickHouseClient,
    @Inject(WEAVIATE_CLIENT) private readonly weaviate: WeaviateClient,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) serviceConfig: LoadedServiceConfig,
    readonly metrics: ConsistencyMetrics,
  ) {
    this.config = serviceConfig.app as ConsistencyCheckerConfig;
    this.checker = new ConsistencyChecker({
      pool,
      kafka,
      clickhouse,
      weaviate: { client: weaviate, names: this.names() },
    });
    this.runs = new CheckRunRepository(pool);
  }

  private names() {
    return indexCollectionNames(this.config.CONSISTENCY_WEAVIATE_PREFIX);
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      this.latest = await this.runs.latest();
      if (this.latest) this.metrics.update(this.latest);
    } catch (error) {
      this.logger.warn('could not read the latest recorded check (migration 019 applied?)', { error });
    }
    if (this.config.CONSISTENCY_INTERVAL_SECONDS > 0) this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.start()
        .catch(() => undefined)
        .finally(() => this.schedule(this.config.CONSISTENCY_INTERVAL_SECONDS * 1_000));
    }, delayMs);
    this.timer.unref();
  }

  latestReport(): ConsistencyReport | null {
    return this.latest;
  }

  isRunning(): boolean {
    return this.running !== null;
  }

  /** Starts a check unless one is running; resolves with that run's report. */
  start(): Promise<ConsistencyReport> {
    // A run asked for over HTTP logs under the request's correlation id; a scheduled one gets its own.
    const correlationId = currentCorrelation()?.correlationId ?? newCorrelationId();
    this.running ??= runWithCorrelation({ correlationId }, () => this.check()).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async check(): Promise<ConsistencyReport> {
    try {
      const report = await this.checker.run(checkOptionsFrom(this.config, this.logger));
      this.latest = report;
      this.metrics.recordCheck(report);
      if (this.config.CONSISTENCY_RECORD_RUNS) await this.runs.record(report);
      return report;
    } catch (error) {
      this.metrics.checkFailed();
      this.logger.error('consistency check could not run', { error });
      throw error;
    }
  }

  history(limit: number): Promise<CheckRunSummary[]> {
    return this.runs.history(limit);
  }

  lineage(entity: MigratedEntity, id: string): Promise<LineageReport> {
    return traceLineage(
      {
        pool: this.pool,
        kafka: this.kafka,
        topic: topicOf(this.config, entity),
        clickhouse: this.clickhouse,
        weaviate: { client: this.weaviate, names: this.names() },
        kafkaTimeoutMs: this.config.CONSISTENCY_KAFKA_TIMEOUT_SECONDS * 1_000,
      },
      entity,
      id,
    );
  }

  correlationLineage(correlationId: string): Promise<CorrelationLineageReport> {
    return traceCorrelation(
      {
        pool: this.pool,
        kafka: this.kafka,
        topics: lineageTopics(this.config),
        clickhouse: this.clickhouse,
        weaviate: { client: this.weaviate, names: this.names() },
        kafkaTimeoutMs: this.config.CONSISTENCY_KAFKA_TIMEOUT_SECONDS * 1_000,
      },
      correlationId,
    );
  }
}
