import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { ProcessingLog } from '@mch/data-consumer-loop';
import { CheckpointStore } from '@mch/data-checkpoints';
import {
  KafkaPublisher,
  LogicalChangeCapture,
  TriggerChangeCapture,
  ensureEntityTopics,
  type ChangeCapture,
  type MigrationRunInfo,
} from '@mch/data-kafka-migration';
import type { Logger } from '@mch/util-logger';
import type { KafkaProducerClient } from '@mch/util-config';
import type { KafkaMigratorConfig } from './kafka-migrator.config';
import { createRecordProducer } from '@mch/infra-kafka';

export interface MigratorParts {
  publisher: KafkaPublisher;
  checkpoints: CheckpointStore;
  capture: ChangeCapture;
  run: MigrationRunInfo;
  close(): Promise<void>;
}

/** Logical replication where the server and the role allow it, else the trigger fallback. */
export async function chooseCaptureMode(pool: Pool, wanted: KafkaMigratorConfig['CAPTURE_MODE']): Promise<'logical' | 'trigger'> {
  if (wanted !== 'auto') return wanted;
  const result = await pool.query<{ wal_level: string; can_replicate: boolean }>(
    `SELECT current_setting('wal_level') AS wal_level,
            (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS can_replicate`,
  );
  return result.rows[0].wal_level === 'logical' && result.rows[0].can_replicate ? 'logical' : 'trigger';
}

export async function buildMigrator(
  pool: Pool,
  kafka: Kafka,
  logger: Logger,
  config: KafkaMigratorConfig,
  choice: { producerClient?: KafkaProducerClient } = {},
): Promise<MigratorParts> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await ensureEntityTopics(admin, config.ENTITIES, config.TOPIC_PREFIX, {
      maxMessageBytes: config.KAFKA_MAX_MESSAGE_BYTES,
    });
    if (created.length > 0) logger.info('topics created', { topics: created });
  } finally {
    await admin.disconnect();
  }
  // KAFKA_PRODUCER_CLIENT picks the client (kafkajs or @platformatic/kafka); both idempotent, acks=all, murmur2 partitions.
  const producer = createRecordProducer(kafka, { client: choice.producerClient });
  await producer.connect();
  const checkpoints = new CheckpointStore(pool);
  const mode = await chooseCaptureMode(pool, config.CAPTURE_MODE);
  const options = { name: config.MIGRATION_RUN, entities: config.ENTITIES };
  const capture = mode === 'logical' ? new LogicalChangeCapture(pool, logger, options) : new TriggerChangeCapture(pool, checkpoints, logger, options);
  return {
    publisher: new KafkaPublisher(producer, logger, new ProcessingLog(pool, 'kafka-migrator'), {
      serviceName: 'kafka-migrator',
      maxMessageBytes: config.KAFKA_MAX_MESSAGE_BYTES,
    }),
    checkpoints,
    capture,
    run: {
      migrationId: config.migrationId,
      migrationRun: config.MIGRATION_RUN,
      // One migration is one business operation: its events, rows and logs share one id.
      correlationId: config.migrationId,
      topicPrefix: config.TOPIC_PREFIX,
    },
    close: () => producer.disconnect(),
  };
}
