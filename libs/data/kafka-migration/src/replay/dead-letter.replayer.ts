import type { Kafka, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import {
  DeadLetterStage,
  ENTITY_TOPICS,
  deadLetterTopicsOf,
  type DeadLetter,
  type MigratedEntity,
} from '@mch/contracts';
import type { ProcessingLog } from '@mch/data-consumer-loop';
import type { Logger } from '@mch/util-logger';
import { ENTITY_SOURCES } from '../mapping/entity-sources';
import { readChunk, type CaptureMode } from '../backfill/chunk.reader';
import type { MigrationRunInfo } from '../publish/change-record';
import { rowDigest, type KafkaPublisher } from '../publish/kafka.publisher';
import { readDeadLetters, readMessageAt, type StoredDeadLetter } from './dead-letter.reader';
import { entityEventProblem } from './entity-event.check';

export interface ReplayFilter {
  entity?: MigratedEntity;
  id?: string;
  /** Case-insensitive substring of the reason's code, message or field. */
  reason?: string;
  stage?: string;
}

export interface ReplayRequest {
  run: MigrationRunInfo;
  entities: readonly MigratedEntity[];
  filter: ReplayFilter;
  dryRun: boolean;
  /** How change capture positions rows (a row re-read from the source gets a position of this kind). */
  captureMode: CaptureMode;
  kafkaTimeoutMs: number;
}

export interface ReplayDeps {
  pool: Pool;
  kafka: Kafka;
  /** Publishes rows re-read from PostgreSQL: the backfill's publisher, so they get the normal envelope. */
  publisher: KafkaPublisher;
  /** Republishes original messages to their entity topic. */
  producer: Producer;
  /** The replay marker: one entry per dead letter handled (service kafka-migrator). */
  processingLog: ProcessingLog;
  logger: Logger;
}

export type ReplayAction =
  /** Published again: the row from PostgreSQL, or the original message. */
  | 'replayed'
  /** Refused again (dead-lettered again by the publisher, or the original is still no valid event and the row is gone). */
  | 'still-failing'
  /** Nothing to replay: the row no longer exists in PostgreSQL (its delete is change capture's). */
  | 'skipped'
  /** --dry-run: what would be done. */
  | 'would-replay';

export interface ReplayOutcome {
  topic: string;
  partition: number;
  offset: string;
  entity: MigratedEntity;
  id: string;
  stage: string;
  /** Why it was dead-lettered. */
  reason: string;
  action: ReplayAction;
  /** How: `source-row` (re-read from PostgreSQL) or `original-message`. */
  via: 'source-row' | 'original-message' | null;
  /** For still-failing and skipped: why. */
  detail: string | null;
}

export interface ReplaySummary {
  migrationId: string;
  dryRun: boolean;
  topics: string[];
  /** Dead letters of this run matching the filter. */
  matching: number;
  /** Of those, handled by an earlier replay (not replayed twice). */
  alreadyHandled: number;
  replayed: number;
  stillFailing: number;
  skipped: number;
  outcomes: ReplayOutcome[];
  /** Messages on the dead-letter topics that are no dead letter. */
  unreadable: number;
}

const REPLAY_ACTION = 'replay-dead-letter';
const markerOf = (s: { topic: string; partition: number; offset: string }) => `${s.topic}:${s.partition}:${s.offset}`;

/** Dead letters of earlier replays of this run: the marker that keeps a letter from being replayed twice. */
async function handledMarkers(pool: Pool, migrationId: string): Promise<Set<string>> {
  const { rows } = await pool.query<{ marker: string }>(
    `SELECT metadata ->> 'deadLetter' AS marker FROM service_processing_log
      WHERE service_name = 'kafka-migrator' AND action = $1 AND migration_id = $2 AND status IN ('succeeded', 'dead_lettered', 'skipped')`,
    [REPLAY_ACTION, migrationId],
  );
  return new Set(rows.map((r) => r.marker));
}

function matches(letter: DeadLetter, entity: MigratedEntity, filter: ReplayFilter): boolean {
  if (filter.entity && entity !== filter.entity) return false;
  if (filter.id && letter.id !== filter.id.toLowerCase()) return false;
  if (filter.stage && letter.stage !== filter.stage) return false;
  if (filter.reason) {
    const text = `${letter.reason.code} ${letter.reason.message} ${letter.reason.field ?? ''}`.toLowerCase();
    if (!text.includes(filter.reason.toLowerCase())) return false;
  }
  return true;
}

/**
 * Replays a run's dead letters after their cause is fixed (framework-free core of
 * `kafka-migrator replay-dead-letters`):
 *
 * - a kafka-migrator dead letter: the row is read again from PostgreSQL (FOR SHARE, the
 *   backfill's chunk read) and published through the normal publisher, so it gets the normal
 *   envelope. When the row is unchanged since it was refused (same sha256 of its columns), it is
 *   published at the refused version's source position, so its event id is the one that version
 *   would have had (the id depends on entity, id, position, operation only); a row changed since
 *   gets the position of the read, like any backfill chunk, which no older event can overtake.
 * - a consumer dead letter: the original message is republished to its entity topic, as it was
 *   (key, value, headers; consumers are idempotent: ClickHouse keeps one row per id and version,
 *   Weaviate objects are keyed by id). An original that is still no valid event of the entity
 *   would only be refused again: the row is read from PostgreSQL instead, as above.
 *
 * Each handled dead letter is recorded in service_processing_log (action replay-dead-letter,
 * metadata.deadLetter = topic:partition:offset); later replays skip those. A letter refused again
 * is recorded too: the publisher wrote a new dead letter for it, which the next replay handles.
 */
export async function replayDeadLetters(deps: ReplayDeps, request: ReplayRequest): Promise<ReplaySummary> {
  const { run } = request;
  const prefix = run.topicPrefix ?? '';
  const topics = request.entities.flatMap((e) => deadLetterTopicsOf(e, prefix));
  const { letters, unreadable } = await readDeadLetters(deps.kafka, topics, request.kafkaTimeoutMs);
  const handled = await handledMarkers(deps.pool, run.migrationId);
  const selected: (StoredDeadLetter & { entity: MigratedEntity; id: string })[] = [];
  for (const stored of letters) {
    const { letter } = stored;
    const entity = letter.entity;
    if (!entity || !request.entities.includes(entity) || !letter.id) continue;
    if (letter.migrationId !== run.migrationId) continue;
    if (!matches(letter, entity, request.filter)) continue;
    selected.push({ ...stored, entity, id: letter.id });
  }
  const pending = selected.filter((s) => !handled.has(markerOf(s)));
  const summary: ReplaySummary = {
    migrationId: run.migrationId,
    dryRun: request.dryRun,
    topics,
    matching: selected.length,
    alreadyHandled: selected.length - pending.length,
    replayed: 0,
    stillFailing: 0,
    skipped: 0,
    outcomes: [],
    unreadable,
  };
  deps.logger.info('dead letters to replay', { matching: summary.matching, alreadyHandled: summary.alreadyHandled, pending: pending.length, dryRun: request.dryRun });
  let done = 0;
  // Both consumers may have refused the same message: it is republished (or its row read) once.
  const published = new Map<string, Promise<PublishedOnce>>();
  for (const stored of pending) {
    const outcome = await replayOne(deps, request, stored, published);
    summary.outcomes.push(outcome);
    if (outcome.action === 'replayed') summary.replayed++;
    else if (outcome.action === 'still-failing') summary.stillFailing++;
    else if (outcome.action === 'skipped') summary.skipped++;
    done++;
    if (done % 100 === 0 || done === pending.length) deps.logger.info('replay progress', { done, of: pending.length, replayed: summary.replayed, stillFailing: summary.stillFailing });
  }
  return summary;
}

interface PublishedOnce {
  action: 'replayed' | 'still-failing' | 'skipped';
  detail: string | null;
}

async function replayOne(
  deps: ReplayDeps,
  request: ReplayRequest,
  stored: StoredDeadLetter & { entity: MigratedEntity; id: string },
  published: Map<string, Promise<PublishedOnce>>,
): Promise<ReplayOutcome> {
  const { letter, entity, id } = stored;
  const base = {
    topic: stored.topic,
    partition: stored.partition,
    offset: stored.offset,
    entity,
    id,
    stage: String(letter.stage),
    reason: `${letter.reason.code}${letter.reason.field ? ` (${letter.reason.field})` : ''}: ${letter.reason.message}`,
  };
  let via: ReplayOutcome['via'] = 'source-row';
  let original: { key: string | null; value: string | null; headers: Record<string, string> } | null = null;
  let problem: string | null = null;
  if (letter.stage !== DeadLetterStage.KafkaMigrator && letter.stage !== DeadLetterStage.ClickHouseHistoricalLoad && letter.original) {
    original = letter.original.exact
      ? letter.original
      : await readMessageAt(deps.kafka, letter.original, request.kafkaTimeoutMs);
    problem = original ? entityEventProblem(entity, original.key, original.value) : 'the original message is no longer on its topic';
    if (problem === null) via = 'original-message';
  }
  if (request.dryRun) return { ...base, action: 'would-replay', via, detail: problem };
  const mark = async (status: 'succeeded' | 'dead_lettered' | 'skipped', detail: string | null) =>
    deps.processingLog.record([
      {
        entityId: id,
        entityType: entity,
        action: REPLAY_ACTION,
        status,
        correlationId: request.run.correlationId,
        migrationId: request.run.migrationId,
        errorMessage: detail,
        metadata: { deadLetter: markerOf(stored), stage: letter.stage, via },
      },
    ]);
  const once = (key: string, work: () => Promise<PublishedOnce>): Promise<PublishedOnce> => {
    const earlier = published.get(key);
    if (earlier) return earlier.then((r) => ({ ...r, detail: [r.detail, 'published once for several dead letters'].filter(Boolean).join('; ') }));
    const result = work();
    published.set(key, result);
    return result;
  };
  if (via === 'original-message' && original && letter.original) {
    const at = letter.original;
    const sent = original;
    const result = await once(`message:${at.topic}:${at.partition}:${at.offset}`, async () => {
      const headers = Object.fromEntries(Object.entries(sent.headers).filter(([k]) => !k.startsWith('dlq-')));
      await deps.producer.send({ topic: at.topic, acks: -1, messages: [{ key: sent.key, value: sent.value, headers }] });
      return { action: 'replayed', detail: null };
    });
    await mark('succeeded', result.detail);
    return { ...base, action: 'replayed', via, detail: result.detail };
  }
  const fromSource = await once(`row:${entity}:${id}`, () => publishFromSource(deps, request, entity, id, letter));
  const detail = [problem ? `original: ${problem}` : null, fromSource.detail].filter(Boolean).join('; ') || null;
  if (fromSource.action === 'replayed') await mark('succeeded', detail);
  else if (fromSource.action === 'still-failing') await mark('dead_lettered', detail);
  else await mark('skipped', detail);
  return { ...base, action: fromSource.action, via: 'source-row', detail };
}

/** Reads the row again and publishes it; the position is the refused version's when the row is unchanged. */
async function publishFromSource(
  deps: ReplayDeps,
  request: ReplayRequest,
  entity: MigratedEntity,
  id: string,
  letter: DeadLetter,
): Promise<{ action: 'replayed' | 'still-failing' | 'skipped'; detail: string | null }> {
  const source = ENTITY_SOURCES[entity];
  const chunk = await readChunk(deps.pool, source, { lower: id, upper: null }, null, 1, request.captureMode);
  const row = chunk.rows[0];
  if (!row || String(row.id).toLowerCase() !== id) {
    return { action: 'skipped', detail: `${ENTITY_TOPICS[entity].table} ${id} no longer exists in PostgreSQL` };
  }
  const unchanged = letter.source?.rowDigest != null && letter.source.position != null && letter.source.rowDigest === rowDigest(row);
  const change = unchanged
    ? { entity, operation: (letter.source?.operation ?? 'snapshot') as 'snapshot', key: String(row.id), row, position: letter.source?.position as string }
    : { entity, operation: 'snapshot' as const, key: String(row.id), row, position: chunk.position };
  const result = await deps.publisher.publish([change], request.run);
  const refused = result.rejected[0];
  if (refused) {
    const where = [refused.error.field ? `field ${refused.error.field}` : null, refused.error.limit !== undefined ? `limit ${refused.error.limit}` : null].filter(Boolean).join(', ');
    return { action: 'still-failing', detail: `${refused.error.code}${where ? ` (${where})` : ''}: ${refused.error.message}` };
  }
  return { action: 'replayed', detail: unchanged ? 'unchanged row, published at its refused position' : 'row changed since, published at a new position' };
}
