import type { Pool } from 'pg';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';
import type { RollbackParticipant } from './rollback-participant';
import { checkRestorePointName } from './rollback-request';
import { ensureRollbackSchema } from './rollback-run.store';
import { ROLLBACK_TARGETS, type MarkRequest, type RestorePoint, type RollbackTarget } from './rollback.types';

export interface RestorePointSummary {
  name: string;
  takenAt: string;
  takenBy: string;
  targets: RollbackTarget[];
  createdAt: string;
}

/** Named restore points in PostgreSQL (`rollback_restore_points`, created with the run tables). */
export class RestorePointStore {
  constructor(private readonly pool: Pool) {}

  async find(name: string): Promise<RestorePoint | null> {
    await ensureRollbackSchema(this.pool);
    const { rows } = await this.pool.query<{ name: string; taken_at: Date; state: RestorePoint['state'] }>(
      `SELECT name, taken_at, state FROM rollback_restore_points WHERE name = $1`,
      [name],
    );
    const row = rows[0];
    return row ? { name: row.name, takenAt: row.taken_at.toISOString(), state: row.state } : null;
  }

  async list(): Promise<RestorePointSummary[]> {
    await ensureRollbackSchema(this.pool);
    const { rows } = await this.pool.query<{ name: string; taken_at: Date; taken_by: string; targets: RollbackTarget[]; created_at: Date }>(
      `SELECT name, taken_at, taken_by, targets, created_at FROM rollback_restore_points ORDER BY taken_at DESC, name`,
    );
    return rows.map((r) => ({ name: r.name, takenAt: r.taken_at.toISOString(), takenBy: r.taken_by, targets: r.targets, createdAt: r.created_at.toISOString() }));
  }

  /** Saves a complete point; a name already taken is refused (a point is never overwritten). */
  async save(point: RestorePoint, takenBy: string, targets: RollbackTarget[]): Promise<void> {
    await ensureRollbackSchema(this.pool);
    const inserted = await this.pool.query(
      `INSERT INTO rollback_restore_points (name, taken_at, taken_by, targets, state) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO NOTHING`,
      [point.name, point.takenAt, takenBy, targets, JSON.stringify(point.state)],
    );
    if (inserted.rowCount === 0) throw alreadyTaken(point.name);
  }
}

function alreadyTaken(name: string): DomainException {
  return new DomainException(ErrorCode.PreconditionFailed, `restore point '${name}' already exists; choose another name`, {
    field: 'name',
    id: name,
  });
}

/**
 * `rollback mark <name>`: every requested participant records its part (kafka first: see
 * RollbackParticipant.mark), then one row holds them all. A mark that fails part-way records no
 * point; a retry with the same name replaces the parts left behind (participants make their
 * artefacts per name, and clear an unrecorded earlier attempt's).
 */
export class RestorePointMarker {
  constructor(
    private readonly participants: readonly RollbackParticipant[],
    private readonly points: RestorePointStore,
    private readonly logger: Logger,
  ) {}

  async mark(name: string, request: MarkRequest, takenBy: string, now: Date = new Date()): Promise<RestorePoint> {
    checkRestorePointName(name);
    if ((await this.points.find(name)) !== null) throw alreadyTaken(name);
    const state: RestorePoint['state'] = {};
    for (const target of ROLLBACK_TARGETS.filter((t) => request.targets.includes(t)).sort((a, b) => (a === 'kafka' ? -1 : b === 'kafka' ? 1 : 0))) {
      const participant = this.participants.find((p) => p.target === target);
      if (participant?.mark === undefined) continue;
      state[target] = await participant.mark(name, now, request);
      this.logger.info('rollback mark: target recorded', { restore_point: name, target });
    }
    const point: RestorePoint = { name, takenAt: now.toISOString(), state };
    await this.points.save(point, takenBy, request.targets);
    return point;
  }
}
