import type { ClickHouseClient } from '@clickhouse/client';
import {
  ANALYTICS_TABLES,
  countRows,
  detectAnalyticsCapabilities,
  dropSnapshot,
  restoreTable,
  snapshotTable,
  snapshotTableName,
  trimCounts,
  trimTableSince,
  type AnalyticsCapabilities,
} from '@mch/data-clickhouse-analytics';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { ParticipantPlan, RollbackParticipant } from '../rollback-participant';
import {
  ROLLBACK_PHASES,
  type ClickHouseRestoreAction,
  type ClickHouseTrimAction,
  type RollbackAction,
  type RollbackRequest,
} from '../rollback.types';

/** What a restore point keeps for ClickHouse: the snapshot name and each table's rows at the point. */
export interface ClickHouseRestorePointState {
  snapshot: string;
  tables: { table: string; rows: number }[];
}

/** The snapshot name of a restore point ('-' is not allowed in snapshot names; '_' not in point names). */
export function restorePointSnapshotName(pointName: string): string {
  return `rp_${pointName.replace(/-/g, '_')}`;
}

/**
 * ClickHouse side of a rollback, per analytics table of the connected database: to a restore point,
 * the table becomes the point's snapshot (snapshot/restore of data-clickhouse-analytics: a copy
 * swapped in by one RENAME on 18.16); to a timestamp, the rows of events at or after it are deleted
 * (a mutation), and the replay from the reset offsets writes them again. Either way totals after the
 * replay are exact: versions are keyed by source position and read with argMax (docs/clickhouse.md).
 */
export class ClickHouseRollback implements RollbackParticipant {
  readonly target = 'clickhouse' as const;
  private caps?: AnalyticsCapabilities;

  constructor(private readonly client: ClickHouseClient) {}

  private async capabilities(): Promise<AnalyticsCapabilities> {
    this.caps ??= await detectAnalyticsCapabilities(this.client);
    return this.caps;
  }

  /** Analytics tables present in the database, in ANALYTICS_TABLES order. */
  async existingTables(): Promise<string[]> {
    const result = await this.client.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase()', format: 'JSONEachRow' });
    const names = new Set((await result.json<{ name: string }>()).map((r) => r.name));
    return ANALYTICS_TABLES.map((t) => t.name).filter((name) => names.has(name));
  }

  async plan(request: RollbackRequest): Promise<ParticipantPlan> {
    const recorded = request.restorePoint?.state.clickhouse as ClickHouseRestorePointState | undefined;
    if (request.restorePoint && recorded === undefined) {
      return { actions: [], untouched: [`clickhouse: restore point '${request.restorePoint.name}' recorded no ClickHouse snapshot`] };
    }
    const existing = await this.existingTables();
    if (recorded) return this.planRestore(recorded, existing, request.restorePoint?.name as string);
    const caps = await this.capabilities();
    const actions: ClickHouseTrimAction[] = [];
    for (const table of existing) {
      const { rows, trimmed } = await trimCounts(this.client, caps, table, request.to);
      actions.push({
        kind: 'clickhouse.trim-since',
        target: 'clickhouse',
        phase: ROLLBACK_PHASES.clickhouse,
        summary: `${table}: delete the ${trimmed} row(s) of events at or after ${request.to.toISOString()}: ${rows} -> ${rows - trimmed} rows`,
        table,
        since: request.to.toISOString(),
        rowsBefore: rows,
        rowsAfter: rows - trimmed,
      });
    }
    const untouched = existing.length === 0 ? ['clickhouse: no analytics table in this database'] : ['clickhouse: rows of events before the point (kept; the replay repeats some of them idempotently)'];
    return { actions, untouched };
  }

  private async planRestore(recorded: ClickHouseRestorePointState, existing: string[], pointName: string): Promise<ParticipantPlan> {
    const actions: ClickHouseRestoreAction[] = [];
    for (const { table, rows } of recorded.tables) {
      const before = existing.includes(table) ? await countRows(this.client, table) : 0;
      actions.push({
        kind: 'clickhouse.restore-snapshot',
        target: 'clickhouse',
        phase: ROLLBACK_PHASES.clickhouse,
        summary: `${table}: replace with snapshot ${snapshotTableName(table, recorded.snapshot)} of restore point ${pointName}: ${before} -> ${rows} rows`,
        table,
        snapshot: recorded.snapshot,
        rowsBefore: before,
        rowsAfter: rows,
      });
    }
    const later = existing.filter((t) => !recorded.tables.some((r) => r.table === t));
    const untouched = [
      `clickhouse: the snapshot tables of restore point ${pointName} (kept for another rollback)`,
      ...later.map((t) => `clickhouse: ${t} (created after the restore point; no snapshot)`),
    ];
    return { actions, untouched };
  }

  /** A restore needs every snapshot of the point; checked before anything changes. */
  async preflight(request: RollbackRequest): Promise<void> {
    const recorded = request.restorePoint?.state.clickhouse as ClickHouseRestorePointState | undefined;
    if (!recorded) return;
    const result = await this.client.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase()', format: 'JSONEachRow' });
    const names = new Set((await result.json<{ name: string }>()).map((r) => r.name));
    const missing = recorded.tables.map((t) => snapshotTableName(t.table, recorded.snapshot)).filter((n) => !names.has(n));
    if (missing.length > 0) {
      throw new DomainException(ErrorCode.PreconditionFailed, `clickhouse snapshot table(s) of restore point '${request.restorePoint?.name}' missing: ${missing.join(', ')}`, {
        field: 'to',
        id: request.restorePoint?.name,
      });
    }
  }

  /** Trim repeats as a no-op; restore copies the snapshot again (the snapshot itself is never changed). */
  async apply(action: RollbackAction): Promise<void> {
    const caps = await this.capabilities();
    if (action.kind === 'clickhouse.trim-since') {
      const trim = action as ClickHouseTrimAction;
      await trimTableSince(this.client, caps, trim.table, new Date(trim.since));
    } else if (action.kind === 'clickhouse.restore-snapshot') {
      const restore = action as ClickHouseRestoreAction;
      await restoreTable(this.client, caps, restore.table, restore.snapshot);
    } else {
      throw new Error(`clickhouse rollback cannot apply '${action.kind}'`);
    }
  }

  /**
   * Snapshots every analytics table under the point's name. A snapshot left by an earlier attempt of
   * the same name that never became a restore point (its row is written last) is replaced.
   */
  async mark(name: string): Promise<ClickHouseRestorePointState> {
    const snapshot = restorePointSnapshotName(name);
    const tables: ClickHouseRestorePointState['tables'] = [];
    for (const table of await this.existingTables()) {
      await dropSnapshot(this.client, table, snapshot);
      const taken = await snapshotTable(this.client, table, snapshot);
      tables.push({ table, rows: taken.rows });
    }
    return { snapshot, tables };
  }
}
