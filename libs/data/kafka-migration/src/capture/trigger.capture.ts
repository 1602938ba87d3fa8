import type { Pool } from 'pg';
import { formatSourcePosition, type MigratedEntity } from '@mch/contracts';
import type { CheckpointStore } from '@mch/data-checkpoints';
import type { Logger } from '@mch/util-logger';
import { ENTITY_SOURCES } from '../mapping/entity-sources';
import type { RawRow } from '../mapping/row-mapper';
import type { ChangeRecord } from '../publish/change-record';
import type { CapturedBatch, ChangeCapture } from './change-capture';

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const TRIGGER = 'mch_cdc_capture';

/**
 * The fallback where logical replication is not available (no REPLICATION privilege, managed
 * offerings without wal_level=logical): row triggers copy every change into `mch_cdc_changes`.
 * `seq` is taken while the row is locked by its writer, so it orders the versions of a row; the
 * reader only takes changes of transactions older than every running one, so a change that
 * commits late is never skipped (the same horizon the event store uses).
 */
export class TriggerChangeCapture implements ChangeCapture {
  readonly mode = 'trigger' as const;
  private readonly byTable: Map<string, MigratedEntity>;

  constructor(
    private readonly pool: Pool,
    private readonly checkpoints: CheckpointStore,
    private readonly logger: Logger,
    private readonly options: { name: string; entities: readonly MigratedEntity[] },
  ) {
    this.byTable = new Map(options.entities.map((e) => [ENTITY_SOURCES[e].table, e]));
  }

  private get checkpointName(): string {
    return `${this.options.name}:capture`;
  }

  async setup(): Promise<void> {
    await this.pool.query(`
      CREATE TABLE IF NOT EXISTS mch_cdc_changes (
        seq bigserial PRIMARY KEY,
        txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        table_name text NOT NULL,
        op text NOT NULL,
        row_id text NOT NULL,
        row_data jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await this.pool.query(`CREATE INDEX IF NOT EXISTS mch_cdc_changes_commit_order ON mch_cdc_changes (txid, seq)`);
    await this.pool.query(`ALTER TABLE mch_cdc_changes ENABLE ROW LEVEL SECURITY`);
    await this.pool.query(`
      CREATE OR REPLACE FUNCTION ${TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          INSERT INTO mch_cdc_changes (table_name, op, row_id) VALUES (TG_TABLE_NAME, 'delete', OLD.id::text);
          RETURN OLD;
        END IF;
        INSERT INTO mch_cdc_changes (table_name, op, row_id, row_data)
        VALUES (TG_TABLE_NAME, lower(TG_OP), NEW.id::text, to_jsonb(NEW));
        RETURN NEW;
      END $$`);
    for (const table of this.byTable.keys()) {
      await this.pool.query(`DROP TRIGGER IF EXISTS ${TRIGGER} ON ${quoteIdent(table)}`);
      await this.pool.query(
        `CREATE TRIGGER ${TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON ${quoteIdent(table)} FOR EACH ROW EXECUTE FUNCTION ${TRIGGER}()`,
      );
    }
    await this.checkpoints.start(this.checkpointName, 'capture', { mode: 'trigger' });
    this.logger.info('trigger capture installed', { tables: [...this.byTable.keys()] });
  }

  async poll(maxChanges: number): Promise<CapturedBatch> {
    const state = await this.checkpoints.get(this.checkpointName);
    const cursor = (state?.checkpoint as { txid?: string; seq?: string } | null) ?? {};
    const result = await this.pool.query<{ seq: string; txid: string; table_name: string; op: string; row_id: string; cols: RawRow | null }>(
      `SELECT seq::text, txid::text, table_name, op, row_id,
              (SELECT jsonb_object_agg(key, value) FROM jsonb_each_text(row_data)) AS cols
         FROM mch_cdc_changes
        WHERE (txid, seq) > ($1::xid8, $2::bigint)
          AND txid < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY txid, seq
        LIMIT $3`,
      [cursor.txid ?? '0', cursor.seq ?? '0', maxChanges],
    );
    const changes: ChangeRecord[] = [];
    for (const row of result.rows) {
      const entity = this.byTable.get(row.table_name);
      if (!entity) continue;
      changes.push({
        entity,
        operation: row.op === 'delete' ? 'delete' : row.op === 'insert' ? 'insert' : 'update',
        key: row.row_id,
        row: row.op === 'delete' ? null : row.cols,
        position: formatSourcePosition('seq', BigInt(row.seq)),
      });
    }
    const last = result.rows.at(-1);
    return {
      changes,
      drained: result.rows.length < maxChanges,
      acknowledge: async () => {
        if (!last) return;
        await this.checkpoints.save(this.checkpointName, {
          processedDelta: result.rows.length,
          data: { txid: last.txid, seq: last.seq },
        });
        // Everything up to the cursor is published and behind the horizon: it is never read again.
        await this.pool.query(`DELETE FROM mch_cdc_changes WHERE (txid, seq) <= ($1::xid8, $2::bigint)`, [last.txid, last.seq]);
      },
    };
  }

  async barrier(): Promise<string> {
    const result = await this.pool.query<{ seq: string | null }>(`SELECT max(seq)::text AS seq FROM mch_cdc_changes`);
    return result.rows[0].seq ?? '0';
  }

  /**
   * Reached when no committed change up to the barrier is left unpublished. Every such change
   * counts, also one the reader cannot take yet because an older transaction is still open (the
   * horizon): it is committed, so a drain that stopped here would lose it. Published changes are
   * deleted on acknowledge, so any row left is unpublished.
   */
  async reached(barrier: string): Promise<boolean> {
    const left = await this.pool.query(`SELECT 1 FROM mch_cdc_changes WHERE seq <= $1::bigint LIMIT 1`, [barrier]);
    return left.rowCount === 0;
  }

  async teardown(): Promise<void> {
    for (const table of this.byTable.keys()) await this.pool.query(`DROP TRIGGER IF EXISTS ${TRIGGER} ON ${quoteIdent(table)}`);
    await this.pool.query(`DROP FUNCTION IF EXISTS ${TRIGGER}()`);
    await this.pool.query(`DROP TABLE IF EXISTS mch_cdc_changes`);
  }

  async retainedWalBytes(): Promise<null> {
    return null;
  }
}
