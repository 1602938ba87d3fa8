import type { ClickHouseClient } from '@clickhouse/client';
import type { AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import { insertColumnNames } from '../rows/analytics-row.converter';
import type { AnalyticsTable } from '../schema/analytics-tables';
import { partitionGroups, type PartitionedLine } from './partition-groups';
import { insertTsv } from './tsv-insert';

/**
 * One TabSeparated INSERT of the lines into the table, or several one after the other when they
 * span more partitions than the server takes in one block.
 */
export async function insertPartitioned(
  client: ClickHouseClient,
  table: AnalyticsTable,
  caps: AnalyticsCapabilities,
  rows: readonly PartitionedLine[],
): Promise<void> {
  const columns = insertColumnNames(table, caps);
  for (const group of partitionGroups(rows, caps.maxPartitionsPerInsert)) await insertTsv(client, table.name, columns, group);
}
