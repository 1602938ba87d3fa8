import type { Pool } from 'pg';
import { MigratedEntity } from '@mch/contracts';
import { inTransaction } from '@mch/infra-postgres';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { ParticipantPlan, RollbackParticipant } from '../rollback-participant';
import { ROLLBACK_PHASES, type CheckpointRewindAction, type CheckpointValues, type RollbackAction, type RollbackRequest } from '../rollback.types';

/** What a restore point keeps for the migrator: every entity migration's checkpoint values. */
export interface CheckpointsRestorePointState {
  migrations: { migration: string; entity: string; values: CheckpointValues }[];
}

interface StateRow {
  migration_name: string;
  entity_type: string;
  status: string;
  last_processed_id: string | null;
  total_processed: string;
  total_failed: string;
  completed_at: Date | null;
  lease_owner: string | null;
  lease_live: boolean;
  checkpoint_data: Record<string, unknown> | null;
}

const ENTITIES: readonly string[] = Object.values(MigratedEntity);

// Migrations of a migrated entity (backfill shards, re-snapshots, ClickHouse historical loads):
// their checkpoints say which source rows were already published or loaded. Capture checkpoints
// (entity_type 'capture') are not rewound: change capture resumes from its own slot or sequence.
const SELECT_STATES = `
  SELECT s.migration_name, s.entity_type, s.status, s.last_processed_id, s.total_processed::text, s.total_failed::text,
         s.completed_at, s.lease_owner, COALESCE(s.lease_expires_at > now(), false) AS lease_live, c.checkpoint_data
    FROM data_migration_state s
    LEFT JOIN LATERAL (
      SELECT checkpoint_data FROM migration_checkpoints WHERE migration_id = s.id ORDER BY created_at DESC, id DESC LIMIT 1
    ) c ON true
   WHERE s.entity_type = ANY($1::text[])
   ORDER BY s.migration_name`;

function valuesOf(row: StateRow): CheckpointValues {
  return {
    status: row.status,
    lastProcessedId: row.last_processed_id,
    totalProcessed: Number(row.total_processed),
    totalFailed: Number(row.total_failed),
    checkpoint: row.checkpoint_data,
  };
}

function describe(values: CheckpointValues | null): string {
  if (values === null) return 'no progress (started over)';
  return `${values.status}, last key ${values.lastProcessedId ?? '(none)'}, ${values.totalProcessed} processed`;
}

/**
 * The migrator's checkpoints (`data_migration_state`, `migration_checkpoints`, data-checkpoints): to a
 * restore point, each entity migration gets the values the point recorded; to a timestamp, the newest
 * checkpoint saved at or before it (none: the migration's progress is forgotten and it starts over).
 * A rewound backfill re-publishes from there when its Job runs again; consumers absorb the repeats
 * (idempotent by event id and source position). `--entities` limits which entities.
 */
export class CheckpointsRollback implements RollbackParticipant {
  readonly target = 'checkpoints' as const;

  constructor(private readonly pool: Pool) {}

  private async states(entities: readonly string[] = ENTITIES): Promise<StateRow[]> {
    return (await this.pool.query<StateRow>(SELECT_STATES, [entities])).rows;
  }

  async plan(request: RollbackRequest): Promise<ParticipantPlan> {
    const actions: CheckpointRewindAction[] = [];
    const untouched: string[] = ['checkpoints: change-capture checkpoints (capture resumes from its slot or sequence)'];
    if (request.entities) untouched.push(`checkpoints: entities other than ${request.entities.join(', ')} (--entities)`);
    const recorded = request.restorePoint?.state.checkpoints as CheckpointsRestorePointState | undefined;
    if (request.restorePoint && recorded === undefined) {
      return { actions, untouched: [`checkpoints: restore point '${request.restorePoint.name}' recorded no checkpoints`] };
    }
    for (const row of await this.states(request.entities ?? ENTITIES)) {
      const before = valuesOf(row);
      let after: CheckpointValues | null;
      if (recorded) {
        const kept = recorded.migrations.find((m) => m.migration === row.migration_name);
        after = kept ? { ...kept.values, status: kept.values.status === 'running' ? 'paused' : kept.values.status } : null;
      } else if (row.completed_at !== null && row.completed_at.getTime() <= request.to.getTime()) {
        untouched.push(`checkpoints: ${row.migration_name} (completed at ${row.completed_at.toISOString()}, before the point)`);
        continue;
      } else {
        after = await this.valuesAt(row, before, request.to);
      }
      if (after !== null && JSON.stringify(after) === JSON.stringify(before)) {
        untouched.push(`checkpoints: ${row.migration_name} (already at the point)`);
        continue;
      }
      actions.push({
        kind: 'checkpoints.rewind',
        target: 'checkpoints',
        phase: ROLLBACK_PHASES.checkpoints,
        summary: `${row.migration_name}: ${describe(before)} -> ${describe(after)}`,
        migration: row.migration_name,
        entity: row.entity_type,
        before,
        after,
      });
    }
    return { actions, untouched };
  }

  /** The newest checkpoint saved at or before `to`; totals stay (checkpoint rows do not record them). */
  private async valuesAt(row: StateRow, before: CheckpointValues, to: Date): Promise<CheckpointValues | null> {
    const { rows } = await this.pool.query<{ checkpoint_data: Record<string, unknown> }>(
      `SELECT c.checkpoint_data FROM migration_checkpoints c JOIN data_migration_state s ON s.id = c.migration_id
        WHERE s.migration_name = $1 AND c.created_at <= $2 ORDER BY c.created_at DESC, c.id DESC LIMIT 1`,
      [row.migration_name, to],
    );
    const data = rows[0]?.checkpoint_data;
    if (data === undefined) return null;
    const lastKey = typeof data['lastKey'] === 'string' ? (data['lastKey'] as string) : null;
    return { ...before, status: 'paused', lastProcessedId: lastKey, checkpoint: data };
  }

  /** Refuses while a migration to rewind is leased by a live worker (a running Job would overwrite it). */
  async preflight(request: RollbackRequest): Promise<void> {
    const live = (await this.states(request.entities ?? ENTITIES)).filter((r) => r.lease_live);
    if (live.length > 0) {
      throw new DomainException(
        ErrorCode.PreconditionFailed,
        `migration(s) still leased by a live worker: ${live.map((r) => `${r.migration_name} (${r.lease_owner})`).join(', ')}; stop the migrator Jobs before rolling back`,
        { field: 'entities', id: live[0].migration_name },
      );
    }
  }

  /** Sets absolute values in one transaction; a repeat finds them in place and changes nothing more. */
  async apply(rawAction: RollbackAction): Promise<void> {
    const action = rawAction as CheckpointRewindAction;
    if (action.kind !== 'checkpoints.rewind') throw new Error(`checkpoints rollback cannot apply '${action.kind}'`);
    await inTransaction(this.pool, async (client) => {
      if (action.after === null) {
        await client.query(`DELETE FROM data_migration_state WHERE migration_name = $1`, [action.migration]);
      } else {
        const after = action.after;
        const updated = await client.query<{ id: string }>(
          `UPDATE data_migration_state
              SET status = $2::text, last_processed_id = $3, total_processed = $4, total_failed = $5,
                  completed_at = CASE WHEN $2::text = 'completed' THEN COALESCE(completed_at, now()) END,
                  error_details = NULL, updated_at = now()
            WHERE migration_name = $1 RETURNING id`,
          [action.migration, after.status, after.lastProcessedId, after.totalProcessed, after.totalFailed],
        );
        const id = updated.rows[0]?.id;
        if (id === undefined) throw new DomainException(ErrorCode.NotFound, `migration '${action.migration}' no longer exists`, { entity: 'data_migration_state', id: action.migration });
        const newest = await client.query<{ checkpoint_data: Record<string, unknown> }>(
          `SELECT checkpoint_data FROM migration_checkpoints WHERE migration_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`,
          [id],
        );
        if (after.checkpoint === null) {
          await client.query(`DELETE FROM migration_checkpoints WHERE migration_id = $1`, [id]);
        } else if (JSON.stringify(newest.rows[0]?.checkpoint_data ?? null) !== JSON.stringify(after.checkpoint)) {
          // A new newest row (what a resumed run reads); the later ones stay as history.
          await client.query(`INSERT INTO migration_checkpoints (migration_id, checkpoint_data) VALUES ($1, $2)`, [id, JSON.stringify(after.checkpoint)]);
        }
      }
    });
  }

  async mark(): Promise<CheckpointsRestorePointState> {
    return { migrations: (await this.states()).map((row) => ({ migration: row.migration_name, entity: row.entity_type, values: valuesOf(row) })) };
  }
}
