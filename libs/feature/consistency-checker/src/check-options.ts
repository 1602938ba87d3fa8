import { ENTITY_TOPICS, EVENT_STORE_TOPIC, deadLetterTopicsOf, resolveMigrationId, type MigratedEntity } from '@mch/contracts';
import {
  DEFAULT_CHECK_OPTIONS,
  DEFAULT_EVENT_ORDER,
  type ConsistencyCheckOptions,
} from '@mch/data-consistency';
import type { Logger } from '@mch/util-logger';
import type { ConsistencyCheckerConfig } from './consistency-checker.config';

export function topicOf(config: ConsistencyCheckerConfig, entity: MigratedEntity): string {
  return `${config.CONSISTENCY_TOPIC_PREFIX}${ENTITY_TOPICS[entity].name}`;
}

/**
 * Where a correlation id is looked for besides the topics its outbox rows name: every entity topic
 * and the event store's, under the same prefix.
 */
export function lineageTopics(config: ConsistencyCheckerConfig): string[] {
  return [
    ...(Object.keys(ENTITY_TOPICS) as MigratedEntity[]).map((entity) => topicOf(config, entity)),
    `${config.CONSISTENCY_TOPIC_PREFIX}${EVENT_STORE_TOPIC.name}`,
  ];
}

/** The check the configuration describes, as the service and the Job both run it. */
export function checkOptionsFrom(
  config: ConsistencyCheckerConfig,
  logger: Logger,
  now: Date = new Date(),
): ConsistencyCheckOptions {
  const scope = config.CONSISTENCY_EVENT_STORE;
  return {
    ...DEFAULT_CHECK_OPTIONS,
    mode: config.CONSISTENCY_MODE,
    entities: config.CONSISTENCY_ENTITIES,
    targets: config.CONSISTENCY_TARGETS,
    migrationId: resolveMigrationId({ MIGRATION_ID: config.CONSISTENCY_MIGRATION_ID, MIGRATION_RUN: config.MIGRATION_RUN }) ?? null,
    watermark: config.CONSISTENCY_WATERMARK ? new Date(config.CONSISTENCY_WATERMARK) : null,
    inFlightLagMs: config.CONSISTENCY_IN_FLIGHT_LAG_SECONDS * 1_000,
    thresholds: {
      maxDiscrepancies: config.CONSISTENCY_MAX_DISCREPANCIES,
      maxDiscrepancyRate: config.CONSISTENCY_MAX_DISCREPANCY_RATE,
    },
    topicFor: (entity) => topicOf(config, entity),
    deadLetterTopicsFor: (entity) => deadLetterTopicsOf(entity, config.CONSISTENCY_TOPIC_PREFIX),
    maxListed: config.CONSISTENCY_MAX_LISTED,
    sampleSize: config.CONSISTENCY_SAMPLE_SIZE,
    kafkaTimeoutMs: config.CONSISTENCY_KAFKA_TIMEOUT_SECONDS * 1_000,
    weaviatePageSize: config.CONSISTENCY_WEAVIATE_PAGE_SIZE,
    weaviateReadSlices: config.CONSISTENCY_WEAVIATE_READ_SLICES,
    eventStore:
      scope === 'none'
        ? null
        : {
            ...DEFAULT_EVENT_ORDER,
            from: scope === 'all' ? null : new Date(now.getTime() - scope * 3_600_000),
            maxListed: config.CONSISTENCY_MAX_LISTED,
            failOnPositionGaps: config.CONSISTENCY_FAIL_ON_POSITION_GAPS,
          },
    logger,
  };
}
