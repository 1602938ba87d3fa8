// Pure parts of the ClickHouse Kafka-engine peer (issue #16): the Kafka table reading the entity
// envelope as nested JSONEachRow, and the materialized view writing the populator's opportunity_events
// shape (18.16: DateTime plus a milliseconds column per timestamp).
import {
  OPPORTUNITY_EVENTS,
  insertColumnNames,
  type AnalyticsCapabilities,
} from '@mch/data-clickhouse-analytics';

type Kind = 'uuid' | 'string' | 'decimal' | 'timestamp';
interface Source {
  path: string;
  kind: Kind;
  nullable: boolean;
}

const s = (path: string, kind: Kind, nullable = false): Source => ({ path, kind, nullable });

/** Where each opportunity_events column comes from in the envelope (nested keys joined by dots). */
const OPPORTUNITY_SOURCES: Record<string, Source> = {
  event_id: s('eventId', 'uuid'),
  event_type: s('eventType', 'string'),
  action: s('metadata.operation', 'string'),
  opportunity_id: s('aggregateId', 'uuid'),
  notice_id: s('data.noticeId', 'string', true),
  title: s('data.title', 'string', true),
  agency: s('data.agency', 'string', true),
  sub_agency: s('data.subAgency', 'string', true),
  notice_type: s('data.noticeType', 'string', true),
  naics_code: s('data.naicsCode', 'string', true),
  set_aside_type: s('data.setAsideType', 'string', true),
  contract_type: s('data.contractType', 'string', true),
  status: s('data.status', 'string', true),
  place_of_performance_state: s('data.placeOfPerformanceState', 'string', true),
  award_amount: s('data.awardAmount', 'decimal', true),
  estimated_value_min: s('data.estimatedValueMin', 'decimal', true),
  estimated_value_max: s('data.estimatedValueMax', 'decimal', true),
  awardee_name: s('data.awardeeName', 'string', true),
  posted_date: s('data.postedDate', 'timestamp', true),
  response_deadline: s('data.responseDeadline', 'timestamp', true),
  archive_date: s('data.archiveDate', 'timestamp', true),
  award_date: s('data.awardDate', 'timestamp', true),
  created_at: s('data.createdAt', 'timestamp', true),
  updated_at: s('data.updatedAt', 'timestamp', true),
  user_id: s('metadata.userId', 'uuid', true),
  event_timestamp: s('timestamp', 'timestamp'),
  source_position: s('metadata.sourcePosition', 'string'),
  migration_id: s('metadata.migrationId', 'uuid', true),
  correlation_id: s('metadata.correlationId', 'uuid'),
  causation_id: s('metadata.causationId', 'uuid', true),
};

const NEUTRAL: Record<Kind, string> = {
  uuid: '00000000-0000-0000-0000-000000000000',
  string: '',
  decimal: '0',
  timestamp: '1970-01-01T00:00:00Z',
};

const q = (path: string) => `\`${path}\``;

function valueExpression(column: string, src: Source, targetNullable: boolean): string {
  const x = q(src.path);
  // `if` evaluates both branches on the whole block: a NULL must convert too, so it becomes a
  // parseable neutral value first (the outer `if` then yields NULL for it).
  const notNull = `ifNull(${x}, '${NEUTRAL[src.kind]}')`;
  const convert = (inner: string): string => {
    switch (src.kind) {
      case 'uuid':
        return `toUUID(${inner})`;
      case 'decimal':
        return `toDecimal64(${inner}, 2)`;
      case 'timestamp':
        return `parseDateTimeBestEffort(${inner})`;
      case 'string':
        return inner;
    }
  };
  if (!src.nullable) return `${convert(x)} AS ${column}`;
  // A NULL the target cannot hold gets the type's default, as the populator's TSV \N does not.
  if (!targetNullable) return `${convert(notNull)} AS ${column}`;
  return `if(isNull(${x}), NULL, ${convert(notNull)}) AS ${column}`;
}

/** The SELECT list of the materialized view: one expression per column the populator inserts. */
export function opportunityViewColumns(caps: AnalyticsCapabilities): string[] {
  if (caps.dateTime64)
    throw new Error('the Kafka-engine peer builds the 18.16 table shape (DateTime plus _ms columns) only');
  const nullable = new Map(OPPORTUNITY_EVENTS.columns.map((c) => [c.name, c.nullable]));
  const columns = insertColumnNames(OPPORTUNITY_EVENTS, caps).map((column) => {
    if (column === 'is_deleted') return `isNull(${q('data.noticeId')}) AS is_deleted`;
    // The peer does not implement the lossless-value contract: nothing is flagged.
    if (column === 'raw_values') return `'{}' AS raw_values`;
    if (column === 'lossy_fields') return 'emptyArrayString() AS lossy_fields';
    if (column.endsWith('_ms') && OPPORTUNITY_SOURCES[column.slice(0, -3)]?.kind === 'timestamp') {
      const x = q(OPPORTUNITY_SOURCES[column.slice(0, -3)].path);
      return `toUInt16OrZero(substring(ifNull(${x}, ''), 21, 3)) AS ${column}`;
    }
    const src = OPPORTUNITY_SOURCES[column];
    if (!src) throw new Error(`no envelope source for opportunity_events column ${column}`);
    return valueExpression(column, src, nullable.get(column) ?? false);
  });
  // 18.16's view into a table needs every column, DEFAULT ones too: the populator's rows get now().
  return [...columns, 'now() AS ingested_at'];
}

export interface KafkaEngineOptions {
  database: string;
  brokers: string;
  topic: string;
  group: string;
  consumers: number;
}

/** CREATE statements: the Kafka table, the target table is created by the caller, then the view. */
export function kafkaEngineDdl(
  o: KafkaEngineOptions,
  caps: AnalyticsCapabilities,
  target: string,
): { kafkaTable: string; view: string } {
  for (const [name, value] of Object.entries({ brokers: o.brokers, topic: o.topic, group: o.group })) {
    if (!/^[\w.:,-]+$/.test(value))
      throw new Error(`kafka engine ${name} '${value}' may hold only letters, digits and . : , - _`);
  }
  const sources = Object.values(OPPORTUNITY_SOURCES);
  const columns = sources.map((src) => `${q(src.path)} ${src.nullable ? 'Nullable(String)' : 'String'}`);
  const kafkaTable =
    `CREATE TABLE ${o.database}.opportunity_kafka (${columns.join(', ')}) ENGINE = Kafka SETTINGS ` +
    `kafka_broker_list = '${o.brokers}', kafka_topic_list = '${o.topic}', kafka_group_name = '${o.group}', ` +
    `kafka_format = 'JSONEachRow', kafka_num_consumers = ${o.consumers}`;
  const view = `CREATE MATERIALIZED VIEW ${o.database}.opportunity_kafka_mv TO ${o.database}.${target} AS SELECT ${opportunityViewColumns(caps).join(', ')} FROM ${o.database}.opportunity_kafka`;
  return { kafkaTable, view };
}
