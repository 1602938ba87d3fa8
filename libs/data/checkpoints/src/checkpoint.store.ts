import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '@mch/infra-postgres';
import { DomainException, ErrorCode } from '@mch/util-errors';

export type MigrationStatus = 'pending' | 'running' | 'paused' | 'completed' | 'failed';

export interface MigrationRun {
  id: string;
  name: string;
  entityType: string;
  status: MigrationStatus;
  lastProcessedId: string | null;
  totalProcessed: number;
  totalFailed: number;
  /** The newest checkpoint's data, null before the first save. */
  checkpoint: Record<string, unknown> | null;
  fencingToken: number;
  metadata: Record<string, unknown>;
}

export interface CheckpointProgress {
  lastProcessedId?: string | null;
  processedDelta: number;
  failedDelta?: number;
  data: Record<string, unknown>;
}

type Queryable = Pool | PoolClient;

interface StateRow {
  id: string;
  migration_name: string;
  entity_type: string;
  status: MigrationStatus;
  last_processed_id: string | null;
  total_processed: string;
  total_failed: string;
  fencing_token: string;
  metadata: Record<string, unknown>;
  checkpoint_data: Record<string, unknown> | null;
}

const SELECT_RUN = `
  SELECT s.*, c.checkpoint_data
    FROM data_migration_state s
    LEFT JOIN LATERAL (
      SELECT checkpoint_data FROM migration_checkpoints
       WHERE migration_id = s.id ORDER BY created_at DESC, id DESC LIMIT 1
    ) c ON true
   WHERE s.migration_name = $1`;

function toRun(row: StateRow): MigrationRun {
  return {
    id: row.id,
    name: row.migration_name,
    entityType: row.entity_type,
    status: row.status,
    lastProcessedId: row.last_processed_id,
    totalProcessed: Number(row.total_processed),
    totalFailed: Number(row.total_failed),
    checkpoint: row.checkpoint_data,
    fencingToken: Number(row.fencing_token),
    metadata: row.metadata,
  };
}

/**
 * Named, resumable migrations. The name is stable across runs (no timestamp in it), so a
 * restarted Job finds its own progress. A checkpoint is saved in the same transaction as the
 * work it covers when the caller passes its client; otherwise right after the work is
 * acknowledged, never before.
 */
export class CheckpointStore {
  constructor(private readonly pool: Pool) {}

  async get(name: string, db: Queryable = this.pool): Promise<MigrationRun | null> {
    const result = await db.query<StateRow>(SELECT_RUN, [name]);
    return result.rows[0] ? toRun(result.rows[0]) : null;
  }

  /** Starts a new migration or resumes an existing one, returning where it stands. */
  async start(name: string, entityType: string, metadata: Record<string, unknown> = {}): Promise<MigrationRun> {
    await this.pool.query(
      `INSERT INTO data_migration_state (migration_name, entity_type, status, started_at, metadata)
       VALUES ($1, $2, 'running', now(), $3)
       ON CONFLICT (migration_name) DO UPDATE
          SET status = 'running', completed_at = NULL, error_details = NULL, updated_at = now(),
              started_at = COALESCE(data_migration_state.started_at, now()),
              metadata = data_migration_state.metadata || EXCLUDED.metadata`,
      [name, entityType, JSON.stringify(metadata)],
    );
    return (await this.get(name)) as MigrationRun;
  }

  /**
   * Records progress. With `fencingToken`, the save succeeds only while the caller still holds
   * the migration's lease: a stale worker cannot move a checkpoint its successor owns.
   */
  async save(
    name: string,
    progress: CheckpointProgress,
    options: { client?: PoolClient; fencingToken?: number } = {},
  ): Promise<void> {
    const work = async (db: Queryable) => {
      const updated = await db.query<{ id: string }>(
        `UPDATE data_migration_state
            SET last_processed_id = COALESCE($2, last_processed_id),
                last_processed_at = now(),
                total_processed = total_processed + $3,
                total_failed = total_failed + $4,
                updated_at = now()
          WHERE migration_name = $1 AND ($5::bigint IS NULL OR fencing_token = $5)
          RETURNING id`,
        [name, progress.lastProcessedId ?? null, progress.processedDelta, progress.failedDelta ?? 0, options.fencingToken ?? null],
      );
      if (updated.rowCount === 0) {
        const exists = await this.get(name, db);
        throw new DomainException(
          exists ? ErrorCode.ConcurrencyConflict : ErrorCode.NotFound,
          exists
            ? `migration '${name}' is now owned by another worker (fencing token ${exists.fencingToken}, ours ${options.fencingToken})`
            : `migration '${name}' has not been started`,
          { entity: 'data_migration_state', id: name, field: exists ? 'fencing_token' : 'migration_name' },
        );
      }
      await db.query(`INSERT INTO migration_checkpoints (migration_id, checkpoint_data) VALUES ($1, $2)`, [
        updated.rows[0].id,
        JSON.stringify(progress.data),
      ]);
    };
    if (options.client) return work(options.client);
    await inTransaction(this.pool, work);
  }

  async complete(name: string): Promise<void> {
    await this.setStatus(name, 'completed', `completed_at = now()`);
  }

  async pause(name: string): Promise<void> {
    await this.setStatus(name, 'paused');
  }

  async fail(name: string, error: unknown): Promise<void> {
    const details = {
      message: error instanceof Error ? error.message : String(error),
      code: (error as { code?: unknown })?.code ?? null,
      at: new Date().toISOString(),
    };
    await this.setStatus(name, 'failed', `error_details = $2`, [JSON.stringify(details)]);
  }

  /** Forgets all progress so the next start begins from scratch (a resync). */
  async reset(name: string): Promise<void> {
    await this.pool.query(`DELETE FROM data_migration_state WHERE migration_name = $1`, [name]);
  }

  /**
   * Takes the migration's lease for `owner` when it is free or expired, bumping the fencing
   * token; refuses while another owner's lease is live.
   */
  async acquireLease(name: string, owner: string, ttlMs: number): Promise<number> {
    const result = await this.pool.query<{ fencing_token: string }>(
      `UPDATE data_migration_state
          SET lease_owner = $2, lease_expires_at = now() + ($3::int * interval '1 millisecond'),
              fencing_token = fencing_token + 1, updated_at = now()
        WHERE migration_name = $1
          AND (lease_owner IS NULL OR lease_owner = $2 OR lease_expires_at < now())
        RETURNING fencing_token`,
      [name, owner, Math.trunc(ttlMs)],
    );
    if (result.rowCount === 0) {
      const holder = await this.pool.query<{ lease_owner: string | null; lease_expires_at: Date | null }>(
        `SELECT lease_owner, lease_expires_at FROM data_migration_state WHERE migration_name = $1`,
        [name],
      );
      if (!holder.rows[0]) {
        throw new DomainException(ErrorCode.NotFound, `migration '${name}' has not been started`, {
          entity: 'data_migration_state',
          id: name,
        });
      }
      throw new DomainException(
        ErrorCode.ConcurrencyConflict,
        `migration '${name}' is leased by ${holder.rows[0].lease_owner} until ${holder.rows[0].lease_expires_at?.toISOString()}`,
        { entity: 'data_migration_state', id: name, field: 'lease_owner' },
      );
    }
    return Number(result.rows[0].fencing_token);
  }

  /** Extends a held lease; false when it was lost (expired and taken). */
  async renewLease(name: string, owner: string, fencingToken: number, ttlMs: number): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE data_migration_state SET lease_expires_at = now() + ($4::int * interval '1 millisecond'), updated_at = now()
        WHERE migration_name = $1 AND lease_owner = $2 AND fencing_token = $3`,
      [name, owner, fencingToken, Math.trunc(ttlMs)],
    );
    return result.rowCount === 1;
  }

  async releaseLease(name: string, owner: string, fencingToken: number): Promise<void> {
    await this.pool.query(
      `UPDATE data_migration_state SET lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE migration_name = $1 AND lease_owner = $2 AND fencing_token = $3`,
      [name, owner, fencingToken],
    );
  }

  private async setStatus(name: string, status: MigrationStatus, extra = '', params: unknown[] = []): Promise<void> {
    const result = await this.pool.query(
      `UPDATE data_migration_state SET status = '${status}', updated_at = now()${extra ? `, ${extra}` : ''}
        WHERE migration_name = $1`,
      [name, ...params],
    );
    if (result.rowCount === 0) {
      throw new DomainException(ErrorCode.NotFound, `migration '${name}' has not been started`, {
        entity: 'data_migration_state',
        id: name,
      });
    }
  }
}
