import type { ClickHouseClient } from '@clickhouse/client';
import type { EventEnvelope } from '@mch/contracts';
import type { BatchSink, ConsumedRecord, SinkResult } from '@mch/data-consumer-loop';
import type { AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import type { AnalyticsTable } from '../schema/analytics-tables';
import { insertColumnNames, toAnalyticsRow } from '../rows/analytics-row.converter';
import { insertTsv } from '../insert/tsv-insert';

/**
 * Writes a consumed batch to the analytics tables: one TabSeparated INSERT per table, in parallel.
 * Events a column cannot hold unchanged are returned as rejected (dead-lettered by the loop); an
 * INSERT that fails throws, and the loop retries the whole batch. Replays are harmless: a version
 * already stored has the same sorting key and collapses with its copy.
 */
export class ClickHouseAnalyticsSink implements BatchSink<EventEnvelope> {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly caps: AnalyticsCapabilities,
    /** Topic name -> the table its events go to. */
    private readonly tableOfTopic: ReadonlyMap<string, AnalyticsTable>,
  ) {}

  async write(records: ConsumedRecord<EventEnvelope>[]): Promise<SinkResult<EventEnvelope>> {
    const lines = new Map<AnalyticsTable, string[]>();
    const rejected: SinkResult<EventEnvelope>['rejected'] = [];
    for (const record of records) {
      const table = this.tableOfTopic.get(record.topic);
      if (!table) {
        rejected.push({ record, error: { code: 'VALIDATION_FAILED', message: `topic ${record.topic} has no analytics table`, field: 'topic' } });
        continue;
      }
      const row = toAnalyticsRow(table, { envelope: record.value, data: record.value.data }, this.caps);
      if (!row.ok) {
        rejected.push({ record, error: row.error });
        continue;
      }
      const list = lines.get(table);
      if (list) list.push(row.line);
      else lines.set(table, [row.line]);
    }
    await Promise.all([...lines].map(([table, tableLines]) => insertTsv(this.client, table.name, insertColumnNames(table, this.caps), tableLines)));
    return { rejected };
  }
}
