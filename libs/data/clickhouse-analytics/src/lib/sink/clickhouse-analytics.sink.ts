import type { ClickHouseClient } from '@clickhouse/client';
import type { EventEnvelope } from '@mch/contracts';
import type { BatchSink, ConsumedRecord, SinkResult } from '@mch/data-consumer-loop';
import type { AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import type { AnalyticsRowRecord } from '../decode/analytics-row.decoder';
import type { AnalyticsTable } from '../schema/analytics-tables';
import { toAnalyticsRow } from '../rows/analytics-row.converter';
import type { PartitionedLine } from '../insert/partition-groups';
import { insertPartitioned } from '../insert/partitioned-insert';

/** Tables in parallel. */
async function insertByTable(client: ClickHouseClient, caps: AnalyticsCapabilities, lines: Map<AnalyticsTable, PartitionedLine[]>): Promise<void> {
  await Promise.all([...lines].map(([table, rows]) => insertPartitioned(client, table, caps, rows)));
}

function add(lines: Map<AnalyticsTable, PartitionedLine[]>, table: AnalyticsTable, row: PartitionedLine): void {
  const list = lines.get(table);
  if (list) list.push(row);
  else lines.set(table, [row]);
}

/**
 * Writes batches of lines made by `analyticsRowDecoder` (the populator's path). An INSERT that
 * fails throws, and the loop retries the whole batch. Replays are harmless: a version already
 * stored has the same sorting key and collapses with its copy.
 */
export class ClickHouseRowSink implements BatchSink<AnalyticsRowRecord> {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly caps: AnalyticsCapabilities,
  ) {}

  async write(records: ConsumedRecord<AnalyticsRowRecord>[]): Promise<SinkResult<AnalyticsRowRecord>> {
    const lines = new Map<AnalyticsTable, PartitionedLine[]>();
    for (const { value } of records) add(lines, value.table, value);
    await insertByTable(this.client, this.caps, lines);
    return { rejected: [] };
  }
}

/**
 * Writes batches of decoded envelopes (for callers holding envelopes, such as loaders and tests).
 * Events a column cannot hold unchanged are returned as rejected (dead-lettered by the loop).
 */
export class ClickHouseAnalyticsSink implements BatchSink<EventEnvelope> {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly caps: AnalyticsCapabilities,
    /** Topic name -> the table its events go to. */
    private readonly tableOfTopic: ReadonlyMap<string, AnalyticsTable>,
  ) {}

  async write(records: ConsumedRecord<EventEnvelope>[]): Promise<SinkResult<EventEnvelope>> {
    const lines = new Map<AnalyticsTable, PartitionedLine[]>();
    const rejected: SinkResult<EventEnvelope>['rejected'] = [];
    for (const record of records) {
      const table = this.tableOfTopic.get(record.topic);
      if (!table) {
        rejected.push({ record, error: { code: 'VALIDATION_FAILED', message: `topic ${record.topic} has no analytics table`, field: 'topic' } });
        continue;
      }
      const row = toAnalyticsRow(table, { envelope: record.value, data: record.value.data }, this.caps);
      if (row.ok) add(lines, table, row);
      else rejected.push({ record, error: row.error });
    }
    await insertByTable(this.client, this.caps, lines);
    return { rejected };
  }
}
