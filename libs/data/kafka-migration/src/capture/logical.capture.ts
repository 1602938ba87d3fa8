import type { Pool } from 'pg';
import { formatSourcePosition, type MigratedEntity } from '@mch/contracts';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';
import { ENTITY_SOURCES } from '../mapping/entity-sources';
import type { ChangeRecord } from '../publish/change-record';
import type { CapturedBatch, ChangeCapture } from './change-capture';
import { CaptureRecord } from './capture.record';
import { PgOutputDecoder, formatLsn, parseLsn, type TupleValues } from './pgoutput.decoder';
import { ReplicationSlotLostError, slotLoss, type SlotGap, type SlotLossReason } from './slot-gap';

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
  /** The run's capture row: whether this run created a slot before, and an open gap. */
  readonly record: CaptureRecord;
  private readonly decoder = new PgOutputDecoder();
  private readonly byTable: Map<string, MigratedEntity>;
  private readonly run: string;
  /** The last position this process confirmed: where a dropped slot's gap starts. */
  private lastConfirmed: string | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
    options: LogicalCaptureOptions,
  ) {
    const safe = options.name.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 50);
    this.slot = `${SLOT_PREFIX}${safe}`;
    this.publication = `mch_pub_${safe}`;
    this.byTable = new Map(options.entities.map((e) => [ENTITY_SOURCES[e].table, e]));
    this.run = options.name;
    this.record = new CaptureRecord(pool, options.name);
  }

  get entities(): MigratedEntity[] {
    return [...this.byTable.values()];
  }

  /**
   * Sets up publication and slot. A slot is created only on the run's first start: when the run
   * created one before and it is gone or invalidated, or a gap is still open, capture refuses
   * (ReplicationSlotLostError, the gap recorded) instead of re-creating it at the current WAL
   * position, which would skip every change made while it was gone.
   */
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
    const slot = await this.pool.query<{ database: string; here: string; wal_status: string | null; confirmed: string | null }>(
      `SELECT database::text AS database, current_database()::text AS here, wal_status, confirmed_flush_lsn::text AS confirmed
         FROM pg_replication_slots WHERE slot_name = $1`,
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
    const record = await this.record.read();
    if (record?.gap) throw new ReplicationSlotLostError(record.gap);
    const loss = slotLoss({ exists: owner !== undefined, walStatus: owner?.wal_status ?? null });
    if (loss === 'missing' && record?.slot) throw await this.lost('missing', record.slotStartLsn);
    if (loss === 'invalidated') throw await this.lost('invalidated', owner?.confirmed ?? null);
    if (loss === 'missing') {
      await this.createSlot();
    } else if (!record?.slot) {
      // A slot made before runs were recorded: adopted, so its loss is detected from now on.
      await this.record.slotCreated(this.slot, this.publication, owner?.confirmed ?? '0/0');
    }
  }

  private async createSlot(): Promise<string> {
    const created = await this.pool.query<{ lsn: string }>(`SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot($1, 'pgoutput')`, [
      this.slot,
    ]);
    await this.record.slotCreated(this.slot, this.publication, created.rows[0].lsn);
    this.logger.info('replication slot created', { slot: this.slot, publication: this.publication, start_lsn: created.rows[0].lsn });
    return created.rows[0].lsn;
  }

  /**
   * The recovery's first step: drops what is left of the lost slot (an invalidated one still has
   * its row) and creates it anew at the current position. The gap stays open until the
   * re-snapshot closes it. Returns the new slot's start position.
   */
  async recreateSlot(): Promise<string> {
    await this.pool.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [this.slot]);
    const tables = [...this.byTable.keys()];
    const exists = await this.pool.query(`SELECT 1 FROM pg_publication WHERE pubname = $1`, [this.publication]);
    if (exists.rowCount === 0) {
      await this.pool.query(`CREATE PUBLICATION ${quoteIdent(this.publication)} FOR TABLE ${tables.map(quoteIdent).join(', ')}`);
    }
    this.lastConfirmed = null;
    return this.createSlot();
  }

  async openGap(): Promise<SlotGap | null> {
    return (await this.record.read())?.gap ?? null;
  }

  /** True while the slot exists and can still deliver (not invalidated). */
  async slotUsable(): Promise<boolean> {
    const result = await this.pool.query<{ wal_status: string | null }>(`SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1`, [
      this.slot,
    ]);
    return slotLoss({ exists: result.rows.length > 0, walStatus: result.rows[0]?.wal_status ?? null }) === null;
  }

  /** Records the gap on the run and returns the error that stops capture. */
  private async lost(reason: SlotLossReason, lastConfirmedLsn: string | null): Promise<ReplicationSlotLostError> {
    const gap: SlotGap = {
      slot: this.slot,
      run: this.run,
      reason,
      detectedAt: new Date().toISOString(),
      lastConfirmedLsn: lastConfirmedLsn ?? this.lastConfirmed,
    };
    const recorded = await this.record.recordGap(gap);
    const error = new ReplicationSlotLostError(recorded);
    this.logger.error('change capture stopped: replication slot lost', {
      slot: this.slot,
      run: this.run,
      reason,
      last_confirmed_lsn: recorded.lastConfirmedLsn,
      action: error.details.action,
      error: error.message,
    });
    return error;
  }

  /** Checks the slot (no row, or wal_status lost) and turns a loss into the stopping error. */
  private async assertSlotUsable(): Promise<string> {
    const result = await this.pool.query<{ lsn: string; exists: boolean; wal_status: string | null; confirmed: string | null }>(
      `SELECT pg_current_wal_flush_lsn()::text AS lsn, s.slot_name IS NOT NULL AS exists, s.wal_status, s.confirmed_flush_lsn::text AS confirmed
         FROM (SELECT 1) one LEFT JOIN pg_replication_slots s ON s.slot_name = $1`,
      [this.slot],
    );
    const row = result.rows[0];
    const loss = slotLoss({ exists: row.exists, walStatus: row.wal_status });
    if (loss) throw await this.lost(loss, row.confirmed);
    return row.lsn;
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
    // Checked on every poll: a slot dropped or invalidated between polls stops capture at once.
    const horizon = await this.assertSlotUsable();
    const rows = await this.pool
      .query<{ lsn: string; data: Buffer }>(
        `SELECT lsn::text AS lsn, data FROM pg_logical_slot_peek_binary_changes($1, NULL, $2, 'proto_version', '1', 'publication_names', $3)`,
        [this.slot, maxChanges, this.publication],
      )
      .catch(async (error: unknown) => {
        // Lost between the check and the read: 42704 no such slot; 55000 invalidated.
        const code = (error as { code?: string }).code;
        if (code === '42704' || code === '55000') await this.assertSlotUsable();
        throw error;
      });
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
    const horizonLsn = parseLsn(horizon);
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
    this.lastConfirmed = formatLsn(lsn);
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

  /** Ends the run's capture on purpose: slot, publication and the record (a later setup starts afresh). */
  async teardown(): Promise<void> {
    await this.pool.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [this.slot]);
    await this.pool.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(this.publication)}`);
    await this.record.forget();
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
