import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '@mch/infra-postgres';
import type { RollbackAction, RollbackPlan } from './rollback.types';

/**
 * The record of rollback runs (who, when, which plan) and of each step's completion, so a run
 * interrupted by SIGKILL is resumed with the same plan and its done steps skipped, and of the named
 * restore points (restore-point.store.ts). The tables are
 * created here (IF NOT EXISTS, under an advisory lock) rather than by a schema migration, so the
 * tool works on a database whose migrations it does not own; RLS on with no policy, as every table.
 */
const SCHEMA_SQL = [
  `CREATE TABLE IF NOT EXISTS rollback_runs (
     id bigserial PRIMARY KEY,
     request_key text NOT NULL,
     rollback_to timestamptz NOT NULL,
     plan jsonb NOT NULL,
     started_by text NOT NULL,
     started_at timestamptz NOT NULL DEFAULT now(),
     finished_at timestamptz,
     status text NOT NULL CHECK (status IN ('running', 'completed')),
     last_error text
   )`,
  // One unfinished run per request: a re-run resumes it instead of planning again from moved offsets.
  `CREATE UNIQUE INDEX IF NOT EXISTS rollback_runs_one_running ON rollback_runs (request_key) WHERE status = 'running'`,
  `CREATE TABLE IF NOT EXISTS rollback_steps (
     run_id bigint NOT NULL REFERENCES rollback_runs (id),
     step_no int NOT NULL,
     action jsonb NOT NULL,
     done_at timestamptz,
     PRIMARY KEY (run_id, step_no)
   )`,
  // Restore points (`rollback mark`): one row per point, written last, so a row means every target recorded its part.
  `CREATE TABLE IF NOT EXISTS rollback_restore_points (
     name text PRIMARY KEY,
     taken_at timestamptz NOT NULL,
     taken_by text NOT NULL,
     targets text[] NOT NULL,
     state jsonb NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  ...['rollback_runs', 'rollback_steps', 'rollback_restore_points'].flatMap((table) => [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `DO $$ BEGIN
       IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN EXECUTE 'REVOKE ALL ON ${table} FROM anon'; END IF;
       IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN EXECUTE 'REVOKE ALL ON ${table} FROM authenticated'; END IF;
     END $$`,
  ]),
];

/** Creates the rollback tables when missing (idempotent; serialised by an advisory lock). */
export async function ensureRollbackSchema(pool: Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('mch.rollback_runs.schema'))`);
    for (const sql of SCHEMA_SQL) await client.query(sql);
  });
}

export interface RollbackRun {
  id: string;
  plan: RollbackPlan;
  startedBy: string;
  status: 'running' | 'completed';
  /** Step numbers (0-based, plan order) already done. */
  doneSteps: Set<number>;
}

export interface RecordedStep {
  stepNo: number;
  action: RollbackAction;
  doneAt: Date | null;
}

export class RollbackRunStore {
  constructor(private readonly pool: Pool) {}

  async ensureSchema(): Promise<void> {
    await ensureRollbackSchema(this.pool);
  }

  /** The unfinished run for this request, if an earlier apply stopped before completing. */
  async findUnfinished(requestKey: string): Promise<RollbackRun | null> {
    const runs = await this.pool.query<{ id: string; plan: RollbackPlan; started_by: string }>(
      `SELECT id::text, plan, started_by FROM rollback_runs WHERE request_key = $1 AND status = 'running'`,
      [requestKey],
    );
    const row = runs.rows[0];
    if (!row) return null;
    const steps = await this.steps(row.id);
    return {
      id: row.id,
      plan: row.plan,
      startedBy: row.started_by,
      status: 'running',
      doneSteps: new Set(steps.filter((s) => s.doneAt !== null).map((s) => s.stepNo)),
    };
  }

  /** Records a new run with its plan and one pending step per action, in one transaction. */
  async start(requestKey: string, plan: RollbackPlan, startedBy: string): Promise<RollbackRun> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO rollback_runs (request_key, rollback_to, plan, started_by, status)
         VALUES ($1, $2, $3, $4, 'running') RETURNING id::text`,
        [requestKey, plan.to, JSON.stringify(plan), startedBy],
      );
      const id = rows[0].id;
      for (const [stepNo, action] of plan.actions.entries()) {
        await client.query(`INSERT INTO rollback_steps (run_id, step_no, action) VALUES ($1, $2, $3)`, [id, stepNo, JSON.stringify(action)]);
      }
      return { id, plan, startedBy, status: 'running' as const, doneSteps: new Set<number>() };
    });
  }

  async markStepDone(runId: string, stepNo: number): Promise<void> {
    await this.pool.query(`UPDATE rollback_steps SET done_at = now() WHERE run_id = $1 AND step_no = $2 AND done_at IS NULL`, [runId, stepNo]);
  }

  async recordError(runId: string, error: string): Promise<void> {
    await this.pool.query(`UPDATE rollback_runs SET last_error = $2 WHERE id = $1`, [runId, error]);
  }

  async complete(runId: string): Promise<void> {
    await this.pool.query(`UPDATE rollback_runs SET status = 'completed', finished_at = now(), last_error = NULL WHERE id = $1`, [runId]);
  }

  async steps(runId: string): Promise<RecordedStep[]> {
    const { rows } = await this.pool.query<{ step_no: number; action: RollbackAction; done_at: Date | null }>(
      `SELECT step_no, action, done_at FROM rollback_steps WHERE run_id = $1 ORDER BY step_no`,
      [runId],
    );
    return rows.map((r) => ({ stepNo: r.step_no, action: r.action, doneAt: r.done_at }));
  }

  private transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }
}
