import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { z } from 'zod';
import { DEAD_LETTER_STAGES, MigratedEntity } from '@mch/contracts';
import { ProcessingLog } from '@mch/data-consumer-loop';
import { KafkaPublisher, replayDeadLetters, type ReplayFilter, type ReplaySummary } from '@mch/data-kafka-migration';
import { createIdempotentProducer } from '@mch/infra-kafka';
import type { Logger } from '@mch/util-logger';
import type { KafkaMigratorConfig } from './kafka-migrator.config';
import { chooseCaptureMode } from './migrator.wiring';

export const REPLAY_USAGE = `usage: kafka-migrator replay-dead-letters [--entity E] [--id UUID] [--reason TEXT] [--stage S] [--dry-run]
  Replays the run's (MIGRATION_RUN) dead letters of ENTITIES after their cause is fixed: a row the
  kafka-migrator refused is read again from PostgreSQL and published; a message a consumer refused
  is republished to its entity topic (or, when it is still no valid event, the row is published).
  A dead letter is replayed once (recorded in service_processing_log). --reason matches a substring
  of the code, message or field; --stage is one of ${DEAD_LETTER_STAGES.join(', ')}.
  Exit 0: nothing left failing; 1: some still fail (listed) or an error; 2: bad arguments.`;

const ENTITIES = Object.values(MigratedEntity) as [MigratedEntity, ...MigratedEntity[]];

const replayArgs = z
  .object({
    entity: z.enum(ENTITIES).optional(),
    id: z.uuid().optional(),
    reason: z.string().trim().min(1).max(200).optional(),
    stage: z.enum(DEAD_LETTER_STAGES as [string, ...string[]]).optional(),
    'dry-run': z.enum(['true', 'false']).optional(),
  })
  .strict();

export class ReplayUsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${REPLAY_USAGE}`);
    this.name = 'ReplayUsageError';
  }
}

/** `--flag value` pairs; `--dry-run` may stand alone (it means true). */
export function parseReplayArgs(args: readonly string[]): { filter: ReplayFilter; dryRun: boolean } {
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (!flag.startsWith('--')) throw new ReplayUsageError(`expected --option, got '${flag}'`);
    const next = args[i + 1];
    if (flag === '--dry-run' && (next === undefined || next.startsWith('--'))) {
      options['dry-run'] = 'true';
      continue;
    }
    if (next === undefined) throw new ReplayUsageError(`${flag} needs a value`);
    options[flag.slice(2)] = next;
    i++;
  }
  const parsed = replayArgs.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue.path.length > 0 ? `--${issue.path.join('.')}` : 'arguments';
    throw new ReplayUsageError(`${name}: ${issue.code === 'unrecognized_keys' ? `unknown option ${issue.keys.map((k) => `--${k}`).join(', ')}` : issue.message}`);
  }
  const { entity, id, reason, stage } = parsed.data;
  return { filter: { entity, id, reason, stage }, dryRun: parsed.data['dry-run'] === 'true' };
}

/** Runs the replay with the migrator's configuration (the run, entities, topic prefix, message limit). */
export async function runReplayDeadLetters(
  deps: { pool: Pool; kafka: Kafka; logger: Logger },
  app: KafkaMigratorConfig,
  args: readonly string[],
): Promise<{ summary: ReplaySummary; exitCode: number }> {
  const { filter, dryRun } = parseReplayArgs(args);
  if (filter.entity && !app.ENTITIES.includes(filter.entity)) {
    throw new ReplayUsageError(`--entity ${filter.entity} is not among ENTITIES (${app.ENTITIES.join(', ')})`);
  }
  const producer = createIdempotentProducer(deps.kafka);
  await producer.connect();
  try {
    const summary = await replayDeadLetters(
      {
        pool: deps.pool,
        kafka: deps.kafka,
        producer,
        publisher: new KafkaPublisher(producer, deps.logger, new ProcessingLog(deps.pool, 'kafka-migrator'), {
          serviceName: 'kafka-migrator',
          maxMessageBytes: app.KAFKA_MAX_MESSAGE_BYTES,
        }),
        processingLog: new ProcessingLog(deps.pool, 'kafka-migrator'),
        logger: deps.logger,
      },
      {
        run: { migrationId: app.migrationId, migrationRun: app.MIGRATION_RUN, correlationId: app.migrationId, topicPrefix: app.TOPIC_PREFIX },
        entities: app.ENTITIES,
        filter,
        dryRun,
        captureMode: await chooseCaptureMode(deps.pool, app.CAPTURE_MODE),
        kafkaTimeoutMs: 600_000,
      },
    );
    return { summary, exitCode: summary.stillFailing > 0 ? 1 : 0 };
  } finally {
    await producer.disconnect();
  }
}
