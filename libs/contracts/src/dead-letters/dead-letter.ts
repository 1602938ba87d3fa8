import { ENTITY_TOPICS, deadLetterTopic, type MigratedEntity } from '../topics';
import { ENTITY_EVENTS } from '../entities/entity-events';

/**
 * The one shape of a dead letter, whichever stage wrote it (defined once, here). A dead letter
 * carries everything a replay needs and the consistency checker reads: which stage refused what
 * (entity, id, migration), why (code, message, field, limit), and either the source row (a stage
 * reading PostgreSQL) or the original message (a stage consuming a topic), byte for byte.
 *
 * Version 2 also writes the version-1 fields (`originalTopic`, `partition`, `offset`, `event`,
 * `error`, `service`, `migrationId`, `timestamp`) with their old meaning, so readers written for
 * them keep working; `parseDeadLetter` reads both versions.
 */
export const DeadLetterStage = {
  /** kafka-migrator: a source row (backfill or change) that could not be published. */
  KafkaMigrator: 'kafka-migrator',
  /** clickhouse-populator consuming an entity topic. */
  ClickHousePopulator: 'clickhouse-populator',
  /** clickhouse-populator's historical load, reading PostgreSQL directly. */
  ClickHouseHistoricalLoad: 'clickhouse-historical-load',
  /** weaviate-indexer consuming an entity topic. */
  WeaviateIndexer: 'weaviate-indexer',
} as const;
export type DeadLetterStage = (typeof DeadLetterStage)[keyof typeof DeadLetterStage];

export type DeadLetterStore = 'kafka' | 'clickhouse' | 'weaviate';

/**
 * The target stores a stage feeds: a row it refused is missing there for that reason. A row the
 * kafka-migrator refused never reached Kafka, so it is missing from everything downstream too;
 * a consumer's refusal explains only its own store.
 */
export const STAGE_FEEDS: Record<DeadLetterStage, readonly DeadLetterStore[]> = {
  'kafka-migrator': ['kafka', 'clickhouse', 'weaviate'],
  'clickhouse-populator': ['clickhouse'],
  'clickhouse-historical-load': ['clickhouse'],
  'weaviate-indexer': ['weaviate'],
};

export const DEAD_LETTER_STAGES = Object.values(DeadLetterStage) as readonly DeadLetterStage[];

export interface DeadLetterReason {
  code: string;
  message: string;
  /** The field that was refused, where one was. */
  field?: string;
  /** The limit it broke (bytes, characters), where one applies. */
  limit?: number;
}

/** The message a consumer could not use, exactly as it was on its topic. */
export interface DeadLetterOriginal {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  /**
   * True: `value` is the message's value byte for byte (refused while decoding). False: the store
   * refused the decoded record, and `value` is that record as JSON; the exact message is the one
   * at topic/partition/offset.
   */
  exact: boolean;
}

/** The source row a PostgreSQL-reading stage could not pass on. */
export interface DeadLetterSource {
  table: string;
  operation: string | null;
  /** The source position of the refused version (absent for the historical load). */
  position: string | null;
  /** Column text values; values over 2,000 characters are cut (see rowDigest for the whole row). */
  row: Record<string, string | null> | null;
  /** sha256 of the whole row (JSON of its columns in order), to tell whether the row changed since. */
  rowDigest: string | null;
}

export interface DeadLetter {
  deadLetterVersion: 2;
  stage: DeadLetterStage | string;
  service: string;
  entity: MigratedEntity | null;
  /** The row / aggregate id (lower-case UUID text where it is one). */
  id: string | null;
  migrationId: string | null;
  migrationRun: string | null;
  correlationId: string | null;
  reason: DeadLetterReason;
  timestamp: string;
  original: DeadLetterOriginal | null;
  source: DeadLetterSource | null;
}

/** What a stage hands over; the version-1 fields are derived from it by `deadLetterValue`. */
export type DeadLetterInput = Omit<DeadLetter, 'deadLetterVersion' | 'timestamp'> & { timestamp?: string };

/** The message value of a dead letter: version 2 plus the version-1 fields, as JSON text. */
export function deadLetterValue(input: DeadLetterInput): string {
  const letter: DeadLetter = { deadLetterVersion: 2, ...input, timestamp: input.timestamp ?? new Date().toISOString() };
  return JSON.stringify({
    ...letter,
    // Version 1, kept for readers written against it.
    originalTopic: letter.original?.topic ?? null,
    partition: letter.original?.partition,
    offset: letter.original?.offset,
    event: letter.original ? letter.original.value : letter.source ? legacyEvent(letter, letter.source) : null,
    error: letter.reason,
  });
}

/** Version 1's `event`: the kafka-migrator's change as an object, the historical load's row as JSON text. */
function legacyEvent(letter: DeadLetter, source: DeadLetterSource): unknown {
  if (letter.stage !== DeadLetterStage.KafkaMigrator) return JSON.stringify(source.row);
  return { entity: letter.entity, key: letter.id, operation: source.operation, position: source.position, row: source.row };
}

/** Headers every dead letter carries, so a tool can filter without parsing the value. */
export function deadLetterHeaders(letter: Pick<DeadLetter, 'stage' | 'reason' | 'migrationId' | 'correlationId' | 'entity'>): Record<string, string> {
  const headers: Record<string, string> = { 'dlq-error-code': letter.reason.code, 'dlq-stage': String(letter.stage) };
  if (letter.migrationId) headers['migration-id'] = letter.migrationId;
  if (letter.correlationId) headers['correlation-id'] = letter.correlationId;
  if (letter.entity) headers['aggregate-type'] = ENTITY_EVENTS[letter.entity].aggregateType;
  return headers;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

const ENTITY_OF_TOPIC = new Map<string, MigratedEntity>(
  (Object.entries(ENTITY_TOPICS) as [MigratedEntity, { name: string }][]).map(([entity, spec]) => [spec.name, entity]),
);
const ENTITY_OF_AGGREGATE = new Map<string, MigratedEntity>(
  (Object.entries(ENTITY_EVENTS) as [MigratedEntity, { aggregateType: string }][]).map(([entity, e]) => [e.aggregateType, entity]),
);
const ENTITY_OF_TABLE = new Map<string, MigratedEntity>(
  (Object.entries(ENTITY_TOPICS) as [MigratedEntity, { table: string }][]).map(([entity, spec]) => [spec.table, entity]),
);

/** The entity of a (possibly prefixed) entity topic name. */
export function entityOfTopic(topic: string): MigratedEntity | null {
  for (const [name, entity] of ENTITY_OF_TOPIC) if (topic.endsWith(name)) return entity;
  return null;
}

function reasonOf(v: unknown): DeadLetterReason {
  if (!isObject(v)) return { code: 'UNKNOWN', message: 'the dead letter names no reason' };
  return {
    code: str(v.code) ?? 'UNKNOWN',
    message: str(v.message) ?? '',
    ...(typeof v.field === 'string' ? { field: v.field } : {}),
    ...(typeof v.limit === 'number' ? { limit: v.limit } : {}),
  };
}

function headersOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(v)) for (const [k, value] of Object.entries(v)) if (typeof value === 'string') out[k] = value;
  return out;
}

/**
 * Reads a dead letter of either version. Version 1 (before every stage wrote the same shape):
 * the kafka-migrator's `{originalTopic, event: {entity, key, operation, position, row}, error,
 * service, migrationId}`, the consumer loop's `{originalTopic, partition, offset, event: <raw
 * text>, error, service}` and the historical load's `{source: {table, mode}, event: <row JSON>,
 * error, service}`; their stage, entity, id and migration are recovered from those fields and the
 * message key and headers. Returns null for a value that is no dead letter at all.
 */
export function parseDeadLetter(
  value: string | null,
  message: { key?: string | null; headers?: Record<string, string>; topic?: string } = {},
): DeadLetter | null {
  if (value === null) return null;
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return null;
  }
  if (!isObject(v)) return null;
  if (v.deadLetterVersion === 2) return parseVersion2(v);
  if (!('error' in v) || !('service' in v)) return null;
  return parseVersion1(v, message);
}

function parseVersion2(v: Record<string, unknown>): DeadLetter {
  const original = isObject(v.original)
    ? {
        topic: str(v.original.topic) ?? '',
        partition: typeof v.original.partition === 'number' ? v.original.partition : 0,
        offset: str(v.original.offset) ?? '0',
        key: str(v.original.key),
        value: str(v.original.value),
        headers: headersOf(v.original.headers),
        exact: v.original.exact !== false,
      }
    : null;
  const source = isObject(v.source)
    ? {
        table: str(v.source.table) ?? '',
        operation: str(v.source.operation),
        position: str(v.source.position),
        row: isObject(v.source.row) ? (v.source.row as Record<string, string | null>) : null,
        rowDigest: str(v.source.rowDigest),
      }
    : null;
  const entity = str(v.entity);
  return {
    deadLetterVersion: 2,
    stage: str(v.stage) ?? str(v.service) ?? 'unknown',
    service: str(v.service) ?? 'unknown',
    entity: entity && entity in ENTITY_TOPICS ? (entity as MigratedEntity) : null,
    id: str(v.id)?.toLowerCase() ?? null,
    migrationId: str(v.migrationId),
    migrationRun: str(v.migrationRun),
    correlationId: str(v.correlationId),
    reason: reasonOf(v.reason ?? v.error),
    timestamp: str(v.timestamp) ?? '',
    original,
    source,
  };
}

function parseVersion1(
  v: Record<string, unknown>,
  message: { key?: string | null; headers?: Record<string, string>; topic?: string },
): DeadLetter {
  const service = str(v.service) ?? 'unknown';
  const headers = message.headers ?? {};
  const base = {
    deadLetterVersion: 2 as const,
    service,
    correlationId: headers['correlation-id'] ?? null,
    reason: reasonOf(v.error),
    timestamp: str(v.timestamp) ?? '',
    migrationRun: null,
  };
  // kafka-migrator: the event is an object with the source row.
  if (isObject(v.event) && 'row' in v.event) {
    const e = v.event;
    const entity = str(e.entity);
    const known = entity && entity in ENTITY_TOPICS ? (entity as MigratedEntity) : null;
    return {
      ...base,
      stage: DeadLetterStage.KafkaMigrator,
      entity: known,
      id: (str(e.key) ?? message.key ?? null)?.toLowerCase() ?? null,
      migrationId: str(v.migrationId) ?? headers['migration-id'] ?? null,
      original: null,
      source: {
        table: known ? ENTITY_TOPICS[known].table : '',
        operation: str(e.operation),
        position: str(e.position),
        row: isObject(e.row) ? (e.row as Record<string, string | null>) : null,
        rowDigest: null,
      },
    };
  }
  // The historical load: the source table and the row as JSON text.
  if (isObject(v.source)) {
    const table = str(v.source.table) ?? '';
    const entity = ENTITY_OF_TABLE.get(table) ?? ENTITY_OF_AGGREGATE.get(headers['aggregate-type'] ?? '') ?? null;
    let row: Record<string, string | null> | null = null;
    try {
      const parsed: unknown = typeof v.event === 'string' ? JSON.parse(v.event) : null;
      if (isObject(parsed)) row = parsed as Record<string, string | null>;
    } catch {
      row = null;
    }
    return {
      ...base,
      stage: DeadLetterStage.ClickHouseHistoricalLoad,
      entity,
      id: (message.key ?? str(row?.id) ?? null)?.toLowerCase() ?? null,
      migrationId: headers['migration-id'] ?? null,
      original: null,
      source: { table, operation: 'snapshot', position: null, row, rowDigest: null },
    };
  }
  // A consumer: the raw message text.
  const raw = str(v.event);
  const topic = str(v.originalTopic) ?? '';
  let envelope: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = raw === null ? null : JSON.parse(raw);
    if (isObject(parsed)) envelope = parsed;
  } catch {
    envelope = null;
  }
  const metadata = envelope && isObject(envelope.metadata) ? envelope.metadata : null;
  return {
    ...base,
    stage: service,
    entity: entityOfTopic(topic) ?? ENTITY_OF_AGGREGATE.get(str(envelope?.aggregateType) ?? '') ?? null,
    id: (message.key ?? str(envelope?.aggregateId) ?? null)?.toLowerCase() ?? null,
    migrationId: headers['migration-id'] ?? str(metadata?.migrationId) ?? null,
    correlationId: headers['correlation-id'] ?? str(metadata?.correlationId) ?? null,
    original: {
      topic,
      partition: typeof v.partition === 'number' ? v.partition : 0,
      offset: str(v.offset) ?? '0',
      key: message.key ?? null,
      value: raw,
      headers: Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith('dlq-'))),
      exact: true,
    },
    source: null,
  };
}

/**
 * The dead-letter topics of an entity under a topic prefix. Without a prefix there is one,
 * `dlq.<topic>`. With one, the kafka-migrator writes `<prefix>dlq.<topic>` (it prefixes every
 * topic it names) and the consumers `dlq.<prefix><topic>` (they prefix the topic they consume);
 * a reader must read both.
 */
export function deadLetterTopicsOf(entity: MigratedEntity, prefix = ''): string[] {
  return [...new Set([`${prefix}${deadLetterTopic(entity)}`, `dlq.${prefix}${ENTITY_TOPICS[entity].name}`])];
}

/** The version-2 dead-letter value for a message a consumer refused (the consumer loop's shape). */
export function consumerDeadLetter(input: {
  stage: string;
  service: string;
  original: DeadLetterOriginal;
  entity: MigratedEntity | null;
  id: string | null;
  reason: DeadLetterReason;
}): DeadLetterInput {
  let metadata: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = input.original.value === null ? null : JSON.parse(input.original.value);
    if (isObject(parsed) && isObject(parsed.metadata)) metadata = parsed.metadata;
  } catch {
    metadata = null;
  }
  const h = input.original.headers;
  return {
    stage: input.stage,
    service: input.service,
    entity: input.entity ?? entityOfTopic(input.original.topic),
    id: input.id?.toLowerCase() ?? input.original.key?.toLowerCase() ?? null,
    migrationId: h['migration-id'] ?? str(metadata?.migrationId) ?? null,
    migrationRun: str(metadata?.migrationRun),
    correlationId: h['correlation-id'] ?? str(metadata?.correlationId) ?? null,
    reason: input.reason,
    original: input.original,
    source: null,
  };
}

/** A dead letter must itself fit in a message: values over 2,000 characters are cut, and say so. */
export function truncateDeadLetterRow(row: Record<string, string | null | undefined> | null): Record<string, string | null> | null {
  if (!row) return null;
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === undefined) continue;
    out[k] = v !== null && v.length > 2_000 ? `${v.slice(0, 2_000)}...[${v.length} chars]` : v;
  }
  return out;
}
