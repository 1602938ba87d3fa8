import type { Pool } from 'pg';
import type { SlotGap } from './slot-gap';

export interface CaptureRecordState {
  status: string;
  /** The slot this run created (null before the first start: then creating it is no loss). */
  slot: string | null;
  slotStartLsn: string | null;
  /** An open gap (slot lost, not yet re-snapshotted). */
  gap: SlotGap | null;
  /** Gaps closed by a re-snapshot, oldest first. */
  closedGaps: unknown[];
}

/**
 * The capture's row in data_migration_state (`<run>:capture`, migration 018): which slot the run
 * created, and the gap while one is open (status failed, error_details the gap). Only this row
 * tells a first start (create the slot) from a slot that vanished (stop: changes were lost).
 */
export class CaptureRecord {
  readonly name: string;

  constructor(
    private readonly pool: Pool,
    run: string,
  ) {
    this.name = `${run}:capture`;
  }

  async read(): Promise<CaptureRecordState | null> {
    const result = await this.pool.query<{
      status: string;
      error_details: Record<string, unknown> | null;
      metadata: Record<string, unknown>;
    }>(`SELECT status, error_details, metadata FROM data_migration_state WHERE migration_name = $1`, [
      this.name,
    ]);
    const row = result.rows[0];
    if (!row) return null;
    const gap = row.error_details?.kind === 'slot_lost' ? (row.error_details.gap as SlotGap) : null;
    return {
      status: row.status,
      slot: typeof row.metadata.slot === 'string' ? row.metadata.slot : null,
      slotStartLsn: typeof row.metadata.slotStartLsn === 'string' ? row.metadata.slotStartLsn : null,
      gap,
      closedGaps: Array.isArray(row.metadata.gaps) ? row.metadata.gaps : [],
    };
  }

  /** Records the slot the run now reads from; an open gap stays open (the re-snapshot closes it). */
  async slotCreated(slot: string, publication: string, startLsn: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO data_migration_state (migration_name, entity_type, status, started_at, metadata)
       VALUES ($1, 'capture', 'running', now(), $2)
       ON CONFLICT (migration_name) DO UPDATE
          SET metadata = data_migration_state.metadata || EXCLUDED.metadata, updated_at = now()`,
      [
        this.name,
        JSON.stringify({
          mode: 'logical',
          slot,
          publication,
          slotStartLsn: startLsn,
          slotCreatedAt: new Date().toISOString(),
        }),
      ],
    );
  }

  /** Opens the gap (or keeps the first one: its position is the earliest change lost). */
  async recordGap(gap: SlotGap): Promise<SlotGap> {
    const result = await this.pool.query<{ error_details: { gap: SlotGap } }>(
      `INSERT INTO data_migration_state (migration_name, entity_type, status, started_at, error_details, metadata)
       VALUES ($1, 'capture', 'failed', now(), $2, '{"mode":"logical"}')
       ON CONFLICT (migration_name) DO UPDATE
          SET status = 'failed', updated_at = now(),
              error_details = CASE WHEN data_migration_state.error_details->>'kind' = 'slot_lost'
                                   THEN data_migration_state.error_details ELSE EXCLUDED.error_details END
       RETURNING id, error_details`,
      [
        this.name,
        JSON.stringify({ kind: 'slot_lost', message: `replication slot ${gap.slot} ${gap.reason}`, gap }),
      ],
    );
    const recorded = result.rows[0].error_details.gap;
    await this.pool.query(
      `INSERT INTO migration_checkpoints (migration_id, checkpoint_data)
       SELECT id, $2 FROM data_migration_state WHERE migration_name = $1`,
      [this.name, JSON.stringify({ event: 'slot_lost', gap })],
    );
    return recorded;
  }

  /** Marks the gap as being recovered (the service keeps away from the slot until it is closed). */
  async recovering(recovery: NonNullable<SlotGap['recovery']>): Promise<void> {
    await this.pool.query(
      `UPDATE data_migration_state
          SET error_details = jsonb_set(error_details, '{gap,recovery}', $2::jsonb), updated_at = now()
        WHERE migration_name = $1 AND error_details->>'kind' = 'slot_lost'`,
      [this.name, JSON.stringify(recovery)],
    );
  }

  /** Closes the gap after a complete re-snapshot, keeping it in the run's history. */
  async closeGap(summary: Record<string, unknown>): Promise<void> {
    await this.pool.query(
      `UPDATE data_migration_state
          SET status = 'running', updated_at = now(),
              metadata = jsonb_set(metadata, '{gaps}',
                COALESCE(metadata->'gaps', '[]'::jsonb) || jsonb_build_array((error_details->'gap') || $2::jsonb)),
              error_details = NULL
        WHERE migration_name = $1 AND error_details->>'kind' = 'slot_lost'`,
      [this.name, JSON.stringify({ closedAt: new Date().toISOString(), resnapshot: summary })],
    );
    await this.pool.query(
      `INSERT INTO migration_checkpoints (migration_id, checkpoint_data)
       SELECT id, $2 FROM data_migration_state WHERE migration_name = $1`,
      [this.name, JSON.stringify({ event: 'gap_closed', resnapshot: summary })],
    );
  }

  /** Teardown: the run is over, a later setup is a first start again. */
  async forget(): Promise<void> {
    await this.pool.query(
      `DELETE FROM data_migration_state WHERE migration_name = $1 AND entity_type = 'capture'`,
      [this.name],
    );
  }
}
