import type { ClickHouseClient } from '@clickhouse/client';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { AnalyticsCapabilities } from '../capabilities/analytics-capabilities';
import { quoteIdentifier } from '../schema/analytics-tables.ddl';

const NAME = /^[a-z0-9_]{1,48}$/;

function checkName(kind: string, value: string): void {
  if (!NAME.test(value)) {
    throw new DomainException(ErrorCode.ValidationFailed, `${kind} '${value}' must be 1-48 characters of a-z, 0-9 and _`, { field: kind });
  }
}

export function snapshotTableName(table: string, snapshot: string): string {
  checkName('table', table);
  checkName('snapshot', snapshot);
  return `${table}__snapshot__${snapshot}`;
}

/**
 * A copy of the table as it is now: the INSERT ... SELECT reads the set of parts present when it
 * starts, so rows written meanwhile are either wholly in the snapshot or not at all.
 */
export function snapshotStatements(table: string, snapshot: string): string[] {
  const target = quoteIdentifier(snapshotTableName(table, snapshot));
  return [`CREATE TABLE ${target} AS ${quoteIdentifier(table)}`, `INSERT INTO ${target} SELECT * FROM ${quoteIdentifier(table)}`];
}

/**
 * Restores the table from a snapshot in one atomic step: the snapshot is copied into a staging
 * table (the snapshot stays, for another restore), then staging and the live table trade places.
 * EXCHANGE TABLES on an Atomic database; on 18.16 one RENAME TABLE of both, which the server runs
 * under a single lock, so readers see the old table or the restored one and never neither.
 */
export function restoreStatements(table: string, snapshot: string, caps: AnalyticsCapabilities, stamp: string): { prepare: string[]; swap: string; cleanup: string[]; staging: string } {
  checkName('stamp', stamp);
  const source = quoteIdentifier(snapshotTableName(table, snapshot));
  const staging = `${table}__restore__${stamp}`;
  const displaced = `${table}__replaced__${stamp}`;
  const live = quoteIdentifier(table);
  return {
    staging,
    prepare: [`CREATE TABLE ${quoteIdentifier(staging)} AS ${source}`, `INSERT INTO ${quoteIdentifier(staging)} SELECT * FROM ${source}`],
    swap: caps.exchangeTables
      ? `EXCHANGE TABLES ${live} AND ${quoteIdentifier(staging)}`
      : `RENAME TABLE ${live} TO ${quoteIdentifier(displaced)}, ${quoteIdentifier(staging)} TO ${live}`,
    cleanup: [`DROP TABLE IF EXISTS ${quoteIdentifier(caps.exchangeTables ? staging : displaced)}`],
  };
}

async function tableExists(client: ClickHouseClient, name: string): Promise<boolean> {
  const result = await client.query({
    query: `SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = '${name}'`,
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string }>();
  return Number(row.n) > 0;
}

export async function snapshotTable(client: ClickHouseClient, table: string, snapshot: string): Promise<{ snapshotTable: string; rows: number }> {
  const target = snapshotTableName(table, snapshot);
  if (!(await tableExists(client, table))) throw new DomainException(ErrorCode.NotFound, `table ${table} does not exist`, { entity: 'clickhouse_table', id: table });
  if (await tableExists(client, target)) {
    throw new DomainException(ErrorCode.PreconditionFailed, `snapshot ${snapshot} of ${table} already exists; drop it first`, { entity: 'clickhouse_table', id: target });
  }
  for (const query of snapshotStatements(table, snapshot)) await client.command({ query });
  return { snapshotTable: target, rows: await countRows(client, target) };
}

export async function restoreTable(client: ClickHouseClient, caps: AnalyticsCapabilities, table: string, snapshot: string): Promise<{ rows: number }> {
  const source = snapshotTableName(table, snapshot);
  if (!(await tableExists(client, source))) {
    throw new DomainException(ErrorCode.NotFound, `snapshot ${snapshot} of ${table} does not exist`, { entity: 'clickhouse_table', id: source });
  }
  const plan = restoreStatements(table, snapshot, caps, `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`);
  try {
    for (const query of plan.prepare) await client.command({ query });
    await client.command({ query: plan.swap });
  } catch (error) {
    await client.command({ query: `DROP TABLE IF EXISTS ${quoteIdentifier(plan.staging)}` }).catch(() => undefined);
    throw error;
  }
  for (const query of plan.cleanup) await client.command({ query });
  return { rows: await countRows(client, table) };
}

export async function dropSnapshot(client: ClickHouseClient, table: string, snapshot: string): Promise<void> {
  await client.command({ query: `DROP TABLE IF EXISTS ${quoteIdentifier(snapshotTableName(table, snapshot))}` });
}

async function countRows(client: ClickHouseClient, table: string): Promise<number> {
  const [row] = await (await client.query({ query: `SELECT count() AS n FROM ${quoteIdentifier(table)}`, format: 'JSONEachRow' })).json<{ n: string }>();
  return Number(row.n);
}
