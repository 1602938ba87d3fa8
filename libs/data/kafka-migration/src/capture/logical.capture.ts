import type { Pool } from 'pg';
import { formatSourcePosition, type MigratedEntity } from '@mch/contracts';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';
import { ENTITY_SOURCES } from '../mapping/entity-sources';
import type { ChangeRecord } from '../publish/change-record';
import type { CapturedBatch, ChangeCapture } from './change-capture';
import { PgOutputDecoder, formatLsn, parseLsn, type TupleValues } from './pgoutput.decoder';

export const SLOT_PREFIX = 'mch_cdc_';

export interface LogicalCaptureOptions {
  /** Slot and publication names derive from it; one capture per migration run. */
  name: string;
  entities: readonly MigratedEntity[];
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Change capture through a logical replication slot with the built-in pgoutput plugin, read with
 * pg_logical_slot_peek_binary_changes and advanced only after Kafka acknowledged what was read,
 * so a crash re-reads instead of losing. Tables get REPLICA IDENTITY FULL so updates and deletes
 * carry whole rows (unchanged TOASTed values are filled from the old row).
 */
export class LogicalChangeCapture implements ChangeCapture {
  readonly mode = 'logical' as const;
  readonly slot: string;
  readonly publication: string;
  private readonly decoder = new PgOutputDecoder();
  private readonly byTable: Map<string, MigratedEntity>;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
    options: LogicalCaptureOptions,
  ) {
    const safe = options.name.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 50);
    this.slot = `${SLOT_PREFIX}${safe}`;
    this.publication = `mch_pub_${safe}`;
    this.byTable = new Map(options.entities.map((e) => [ENTITY_SOURCES[e].table, e]));
  }

  async setup(): Promise<void> {
    await this.refuseOrphanedSlots();
    const tables = [...this.byTable.keys()];
    for (const table of tables) await this.pool.query(`ALTER TABLE ${quoteIdent(table)} REPLICA IDENTITY FULL`);
    const exists = await this.pool.query(`SELECT 1 FROM pg_publication WHERE pubname = $1`, [this.publication]);
    if (exists.rowCount === 0) {
      await this.pool.query(`CREATE PUBLICATION ${quoteIdent(this.publication)} FOR TABLE ${tables.map(quoteIdent).join(', ')}`);
    }
    // Slot names are cluster-wide: a slot of this name on another database is someone else's run
    // (another monolith database on the same server). Reading it would stream nothing of ours while
    // looking healthy, so it is refused, naming both databases.
    const slot = await this.pool.query<{ database: string; here: string }>(
      `SELECT database::text AS database, current_database()::text AS here FROM pg_replication_slots WHERE slot_name = $1`,
      [this.slot],
    );
    const owner = slot.rows[0];
    if (owner && owner.database !== owner.here) {
      throw new DomainException(
        ErrorCode.PreconditionFailed,
        `replication slot ${this.slot} belongs to database ${owner.database}, not ${owner.here}: another run of the same name uses this server. Give this run another MIGRATION_RUN, or drop that slot if it is abandoned.`,
        { entity: 'pg_replication_slots', id: this.slot, field: 'database' },
      );
    }
    if (slot.rowCount === 0) {
      await this.pool.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [this.slot]);
      this.logger.info('replication slot created', { slot: this.slot, publication: this.publication });
    }
  }

  /** A slot of ours that belongs to no current run keeps WAL forever: refuse until it is dropped. */
  private async refuseOrphanedSlots(): Promise<void> {
    const others = await this.pool.query<{ slot_name: string; active: boolean; retained: string }>(
      `SELECT slot_name, active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text AS retained
         FROM pg_replication_slots WHERE slot_name LIKE $1 AND slot_name <> $2 AND database = current_database()`,
      [`${SLOT_PREFIX}%`, this.slot],
    );
    if (others.rows.length > 0) {
      const list = others.rows.map((s) => `${s.slot_name} (${s.active ? 'active' : 'inactive'}, retains ${s.retained} bytes of WAL)`);
      throw new DomainException(
        ErrorCode.PreconditionFailed,
        `orphaned change-capture slot(s) found: ${list.join(', ')}. Drop them (kafka-migrator teardown, or SELECT pg_drop_replication_slot(name)) before starting another capture.`,
        { entity: 'pg_replication_slots', id: others.rows[0].slot_name, field: 'slot_name' },
      );
    }
  }

  async poll(maxChanges: number): Promise<CapturedBatch> {
    // The flush position, not the write position: decoding reads only flushed WAL, and a commit
    // written but not yet flushed must not end up behind the slot unread.
    const horizon = await this.pool.query<{ lsn: string }>(`SELECT pg_current_wal_flush_lsn()::text AS lsn`);
    const rows = await this.pool.query<{ lsn: string; data: Buffer }>(
      `SELECT lsn::text AS lsn, data FROM pg_logical_slot_peek_binary_changes($1, NULL, $2, 'proto_version', '1', 'publication_names', $3)`,
      [this.slot, maxChanges, this.publication],
    );
    const changes: ChangeRecord[] = [];
    let lastCommitEnd: bigint | null = null;
    for (const row of rows.rows) {
      const message = this.decoder.decode(row.data);
      const position = formatSourcePosition('lsn', parseLsn(row.lsn));
      if (message.kind === 'commit') lastCommitEnd = message.endLsn;
      else if (message.kind === 'insert' || message.kind === 'update' || message.kind === 'delete') {
        const relation = this.decoder.relation(message.relationId);
        const entity = relation ? this.byTable.get(relation.table) : undefined;
        if (!entity) continue;
        if (message.kind === 'delete') {
          changes.push({ entity, operation: 'delete', key: String(message.oldTuple.id), row: null, position });
        } else {
          const row = message.kind === 'update' ? fillUnchanged(message.newTuple, message.oldTuple) : message.newTuple;
          changes.push({ entity, operation: message.kind, key: String(row.id), row, position });
        }
      } else if (message.kind === 'truncate') {
        this.logger.error('TRUNCATE captured on a migrated table; its rows will not get delete events', {
          relations: message.relationIds,
        });
      }
    }
    const drained = rows.rows.length < maxChanges;
    // When drained, every transaction that committed before the horizon was read, so the slot can
    // move there even if none of them touched our tables (this is the heartbeat on idle tables).
    const horizonLsn = parseLsn(horizon.rows[0].lsn);
    const target = drained ? (lastCommitEnd !== null && lastCommitEnd > horizonLsn ? lastCommitEnd : horizonLsn) : lastCommitEnd;
    return {
      changes,
      drained,
      acknowledge: async () => {
        if (target !== null) await this.advance(target);
      },
    };
  }

  private async advance(lsn: bigint): Promise<void> {
    const current = await this.pool.query<{ confirmed: string | null }>(
      `SELECT confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1`,
      [this.slot],
    );
    const confirmed = current.rows[0]?.confirmed ? parseLsn(current.rows[0].confirmed) : 0n;
    if (lsn <= confirmed) return;
    await this.pool.query(`SELECT pg_replication_slot_advance($1, $2::pg_lsn)`, [this.slot, formatLsn(lsn)]);
  }

  /** The insert position: with asynchronous commit a committed change may not be flushed yet. */
  async barrier(): Promise<string> {
    const result = await this.pool.query<{ lsn: string }>(`SELECT pg_current_wal_insert_lsn()::text AS lsn`);
    return result.rows[0].lsn;
  }

  async reached(barrier: string): Promise<boolean> {
    const result = await this.pool.query<{ confirmed: string | null }>(
      `SELECT confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1`,
      [this.slot],
    );
    const confirmed = result.rows[0]?.confirmed;
    return confirmed !== null && confirmed !== undefined && parseLsn(confirmed) >= parseLsn(barrier);
  }

  async teardown(): Promise<void> {
    await this.pool.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [this.slot]);
    await this.pool.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(this.publication)}`);
  }

  async retainedWalBytes(): Promise<number | null> {
    const result = await this.pool.query<{ retained: string | null }>(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text AS retained FROM pg_replication_slots WHERE slot_name = $1`,
      [this.slot],
    );
    return result.rows[0]?.retained ? Number(result.rows[0].retained) : null;
  }
}

function fillUnchanged(next: TupleValues, previous: TupleValues | null): TupleValues {
  const row: TupleValues = { ...next };
  for (const [column, value] of Object.entries(row)) if (value === undefined && previous) row[column] = previous[column];
  return row;
}
