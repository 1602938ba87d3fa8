import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { ENTITY_TOPICS, deadLetterTopic, type EventEnvelope, type MigratedEntity } from '@mch/contracts';
import { CheckpointStore } from '@mch/data-checkpoints';
import { ProcessingLog } from '@mch/data-consumer-loop';
import { createKafka, createRecordProducer, type RecordProducer } from '@mch/infra-kafka';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createLogger, type Logger } from '@mch/util-logger';
import { KafkaPublisher } from '../publish/kafka.publisher';
import type { MigrationRunInfo } from '../publish/change-record';
import { ENTITY_MAX_MESSAGE_BYTES, ensureEntityTopics } from '../publish/topics.setup';

/** Wiring the migration pieces need, for tests, workers and the benchmark. */
export interface MigrationKit {
  kafka: Kafka;
  /** The client KAFKA_PRODUCER_CLIENT asks for, so the specs run on either. */
  producer: RecordProducer;
  publisher: KafkaPublisher;
  checkpoints: CheckpointStore;
  logger: Logger;
  run: MigrationRunInfo;
  /** This kit's topic of an entity, and its dead-letter topic (behind the kit's own prefix). */
  topic(entity: MigratedEntity): string;
  deadLetter(entity: MigratedEntity): string;
  close(): Promise<void>;
  /** Deletes this kit's topics (the spec that made the prefix calls it; its workers do not). */
  dropTopics(): Promise<void>;
}

/**
 * Topics live behind a prefix of their own (`TOPIC_PREFIX` for a worker process joining a spec's
 * run): a spec reads its topic to the end, which on the stack's shared topics would mean every
 * event any earlier run or benchmark left there.
 */
export async function createMigrationKit(
  pool: Pool,
  options: { migrationRun?: string; migrationId?: string; topicPrefix?: string; logger?: Logger } = {},
): Promise<MigrationKit> {
  const logger = options.logger ?? createLogger({ service: 'kafka-migrator-test', level: 'error', sink: () => undefined });
  const kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'kafka-migrator-test', logger });
  const prefix = options.topicPrefix ?? process.env.TOPIC_PREFIX ?? `it-${randomUUID().slice(0, 8)}.`;
  const entities = Object.keys(ENTITY_TOPICS) as MigratedEntity[];
  const admin = kafka.admin();
  await admin.connect();
  await ensureEntityTopics(admin, entities, prefix);
  await admin.disconnect();
  const producer = createRecordProducer(kafka);
  await producer.connect();
  const processingLog = new ProcessingLog(pool, 'kafka-migrator');
  return {
    kafka,
    producer,
    logger,
    publisher: new KafkaPublisher(producer, logger, processingLog, { serviceName: 'kafka-migrator', maxMessageBytes: ENTITY_MAX_MESSAGE_BYTES }),
    checkpoints: new CheckpointStore(pool),
    run: {
      migrationId: options.migrationId ?? randomUUID(),
      migrationRun: options.migrationRun ?? `test-${randomUUID().slice(0, 8)}`,
      correlationId: randomUUID(),
      topicPrefix: prefix,
    },
    topic: (entity) => `${prefix}${ENTITY_TOPICS[entity].name}`,
    deadLetter: (entity) => `${prefix}${deadLetterTopic(entity)}`,
    close: () => producer.disconnect(),
    dropTopics: async () => {
      const cleaner = kafka.admin();
      await cleaner.connect();
      const own = (await cleaner.listTopics()).filter((t) => t.startsWith(prefix));
      await cleaner.deleteTopics({ topics: own }).catch(() => undefined);
      await cleaner.disconnect();
    },
  };
}

/** The envelopes of one migration run, from the topic's raw messages. */
export function envelopesOf(messages: { value: string | null }[], migrationId: string): EventEnvelope[] {
  return messages
    .filter((m) => m.value !== null)
    .map((m) => JSON.parse(m.value as string) as EventEnvelope)
    .filter((e) => e.metadata.migrationId === migrationId);
}

/** The newest version of each key by source position (what a consumer keeps). */
export function latestByKey(envelopes: EventEnvelope[]): Map<string, EventEnvelope> {
  const latest = new Map<string, EventEnvelope>();
  for (const e of envelopes) {
    const seen = latest.get(e.aggregateId);
    if (!seen || String(e.metadata.sourcePosition) > String(seen.metadata.sourcePosition)) latest.set(e.aggregateId, e);
  }
  return latest;
}
