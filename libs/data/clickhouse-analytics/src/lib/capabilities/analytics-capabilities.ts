import type { ClickHouseClient } from '@clickhouse/client';
import { detectClickHouseServer, parseClickHouseVersion } from '@mch/infra-clickhouse';

/**
 * What the connected server supports, as far as the analytics tables care. The local stack runs
 * 18.16 and production a current release; DDL, row encoding and restore follow these flags, so one
 * code path serves both without guessing from the version string alone.
 */
export interface AnalyticsCapabilities {
  version: string;
  /** DateTime64(3, 'UTC'): milliseconds and 1900-2299. Without it: DateTime (seconds, 1970-2105) plus a milliseconds column. */
  dateTime64: boolean;
  /** LowCardinality(String) without an experimental setting (19.x onwards). */
  lowCardinality: boolean;
  /** bloom_filter / set / minmax data-skipping indexes without an experimental setting (20.x onwards). */
  skipIndexes: boolean;
  /** EXCHANGE TABLES: the database uses the Atomic engine. */
  exchangeTables: boolean;
  /** MergeTree settings this server knows (from system.merge_tree_settings), for modern table settings. */
  mergeTreeSettings: readonly string[];
  /**
   * At most this many partitions in one INSERT block (current servers refuse more, 100 by default);
   * null where there is no such limit (18.16). A backfill batch spans years of months.
   */
  maxPartitionsPerInsert: number | null;
}

/** The answers of the probe queries; kept separate so chDB can answer the same probes in a test. */
export interface CapabilityProbe {
  version: string;
  typeFamilies: string[];
  databaseEngine: string;
  mergeTreeSettings: string[];
  /** max_partitions_per_insert_block and throw_on_max_partitions_per_insert_block, where the server has them. */
  insertSettings?: Record<string, string>;
}

/** MergeTree settings the modern DDL uses when the server has them. */
export const MODERN_MERGE_TREE_SETTINGS = ['min_age_to_force_merge_seconds', 'min_age_to_force_merge_on_partition_only'];

export const PROBE_QUERIES = {
  version: 'SELECT version() AS version',
  typeFamilies: `SELECT name FROM system.data_type_families WHERE name IN ('DateTime64', 'LowCardinality')`,
  databaseEngine: 'SELECT engine FROM system.databases WHERE name = currentDatabase()',
  mergeTreeSettings: `SELECT name FROM system.merge_tree_settings WHERE name IN (${MODERN_MERGE_TREE_SETTINGS.map((s) => `'${s}'`).join(', ')})`,
  insertSettings: `SELECT name, value FROM system.settings WHERE name IN ('max_partitions_per_insert_block', 'throw_on_max_partitions_per_insert_block')`,
} as const;

function partitionLimit(settings: Record<string, string> = {}): number | null {
  const limit = Number(settings.max_partitions_per_insert_block ?? 0);
  // 0 means unlimited; throw_on_... = 0 makes the server only warn.
  if (!Number.isFinite(limit) || limit <= 0 || settings.throw_on_max_partitions_per_insert_block === '0') return null;
  return limit;
}

export function capabilitiesFromProbe(probe: CapabilityProbe): AnalyticsCapabilities {
  const { major } = parseClickHouseVersion(probe.version);
  return {
    version: probe.version,
    dateTime64: probe.typeFamilies.includes('DateTime64'),
    // 18.x lists LowCardinality but still requires allow_experimental_low_cardinality_type.
    lowCardinality: major >= 19 && probe.typeFamilies.includes('LowCardinality'),
    skipIndexes: major >= 20,
    exchangeTables: probe.databaseEngine === 'Atomic',
    mergeTreeSettings: probe.mergeTreeSettings,
    maxPartitionsPerInsert: partitionLimit(probe.insertSettings),
  };
}

async function column(client: ClickHouseClient, query: string, name: string): Promise<string[]> {
  const rows = await (await client.query({ query, format: 'JSONEachRow' })).json<Record<string, string>>();
  return rows.map((row) => String(row[name]));
}

export async function detectAnalyticsCapabilities(client: ClickHouseClient): Promise<AnalyticsCapabilities> {
  const server = await detectClickHouseServer(client);
  const [typeFamilies, engines, mergeTreeSettings, settings] = await Promise.all([
    column(client, PROBE_QUERIES.typeFamilies, 'name'),
    column(client, PROBE_QUERIES.databaseEngine, 'engine'),
    column(client, PROBE_QUERIES.mergeTreeSettings, 'name'),
    (await client.query({ query: PROBE_QUERIES.insertSettings, format: 'JSONEachRow' })).json<{ name: string; value: string }>(),
  ]);
  return capabilitiesFromProbe({
    version: server.version,
    typeFamilies,
    databaseEngine: engines[0] ?? '',
    mergeTreeSettings,
    insertSettings: Object.fromEntries(settings.map((s) => [s.name, String(s.value)])),
  });
}

/** What the local 18.16 server answers; unit tests use it to pin the legacy DDL. */
export const LEGACY_CAPABILITIES: AnalyticsCapabilities = {
  version: '18.16.1',
  dateTime64: false,
  lowCardinality: false,
  skipIndexes: false,
  exchangeTables: false,
  mergeTreeSettings: [],
  maxPartitionsPerInsert: null,
};
