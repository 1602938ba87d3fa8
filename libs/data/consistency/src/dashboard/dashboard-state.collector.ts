import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { MigratedEntity } from '@mch/contracts';
import type { ConsistencyChecker, LiveCount } from '../check/consistency-check';
import type { CheckRunRepository } from '../runs/check-run.repository';
import { describeError } from '../stores/content-view';
import { backfillProgress, ratePerSecond, type BackfillShardRow } from './backfill-progress';
import type { DashboardState, EntityState, GroupLag, RestorePointState, RollbackState } from './dashboard-state';

export interface DashboardOptions {
  entities: readonly MigratedEntity[];
  topicPrefix: string;
  topicFor(entity: MigratedEntity): string;
  deadLetterTopicsFor(entity: MigratedEntity): string[];
  /** Consumer groups whose lag is shown (the populator's and the indexer's). */
  groups: readonly string[];
  /** Only this run's backfill shards; every backfill recorded when null. */
  migrationId: string | null;
  historyLimit: number;
}

type Sample = { rows: number | null; at: number };

/**
 * Reads the migration's state from every store for the dashboard: rows per entity and store,
 * backfill progress and ETA, rates between polls, consumer lag, dead letters, the check runs, restore
 * points and rollbacks. Framework-free; one instance per process keeps the previous sample for the
 * rates. A part that cannot be read is named in `errors` and the others are still answered.
 */
export class DashboardStateCollector {
  private admin: Admin | null = null;
  private readonly samples = new Map<string, Sample>();

  constructor(
    private readonly deps: { pool: Pool; kafka: Kafka; checker: ConsistencyChecker; runs: CheckRunRepository },
    private readonly options: DashboardOptions,
  ) {}

  async collect(now: Date = new Date()): Promise<DashboardState> {
    const errors: Record<string, string> = {};
    const guard = async <T>(part: string, fallback: T, read: () => Promise<T>): Promise<T> => {
      try {
        return await read();
      } catch (error) {
        errors[part] = describeError(error);
        return fallback;
      }
    };
    const topics = await guard('kafka', new Set<string>(), async () => new Set(await (await this.connectedAdmin()).listTopics()));
    const [entities, lag, history, restorePoints, rollbacks] = await Promise.all([
      Promise.all(this.options.entities.map((entity) => this.entity(entity, topics, now, guard))),
      guard('lag', [] as GroupLag[], () => this.lag(topics)),
      guard('check runs', [], () => this.deps.runs.history(this.options.historyLimit)),
      guard('restore points', [] as RestorePointState[], () => this.restorePoints()),
      guard('rollbacks', [] as RollbackState[], () => this.rollbacks()),
    ]);
    const last = history[0] ?? null;
    const deadLetters = await guard('dead letters', { byStageAndReason: [], fromCheckRun: null }, () => this.deadLettersOfLastRun(last?.id ?? null));
    return {
      generatedAt: now.toISOString(),
      migrationId: this.options.migrationId,
      topicPrefix: this.options.topicPrefix,
      entities,
      lag,
      deadLetters,
      lastCheck: last,
      history,
      restorePoints,
      rollbacks,
      errors,
    };
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
  }

  private async connectedAdmin(): Promise<Admin> {
    if (this.admin) return this.admin;
    const admin = this.deps.kafka.admin();
    await admin.connect();
    this.admin = admin;
    return admin;
  }

  private async entity(
    entity: MigratedEntity,
    topics: Set<string>,
    now: Date,
    guard: <T>(part: string, fallback: T, read: () => Promise<T>) => Promise<T>,
  ): Promise<EntityState> {
    const [counts, kafka, deadLetters, shards] = await Promise.all([
      this.deps.checker.liveCounts(entity),
      this.topicMessages([this.options.topicFor(entity)], topics),
      this.topicMessages(this.options.deadLetterTopicsFor(entity), topics),
      guard(`backfill ${entity}`, [] as BackfillShardRow[], () => this.backfillShards(entity)),
    ]);
    const at = now.getTime();
    const rate = (store: string, count: LiveCount | null): number | null => {
      if (count === null) return null;
      const key = `${entity}/${store}`;
      const previous = this.samples.get(key);
      const current = { rows: count.rows, at };
      // The rate spans at least a second, so quick successive polls do not measure noise.
      if (previous && at - previous.at < 1_000) return null;
      this.samples.set(key, current);
      return ratePerSecond(previous, current);
    };
    return {
      entity,
      postgres: counts.postgres ?? { rows: null, error: 'not read' },
      kafka,
      clickhouse: counts.clickhouse,
      weaviate: counts.weaviate,
      rates: { kafka: rate('kafka', kafka), clickhouse: rate('clickhouse', counts.clickhouse), weaviate: rate('weaviate', counts.weaviate) },
      backfill: backfillProgress(shards, counts.postgres?.rows ?? null, now),
      deadLetters: deadLetters.rows ?? 0,
    };
  }

  /** Messages in the topics that exist (offset span per partition); a missing topic holds none. */
  private async topicMessages(names: string[], topics: Set<string>): Promise<LiveCount> {
    try {
      const admin = await this.connectedAdmin();
      let rows = 0;
      for (const topic of names.filter((t) => topics.has(t))) {
        for (const p of await admin.fetchTopicOffsets(topic)) rows += Number(BigInt(p.high) - BigInt(p.low));
      }
      return { rows, error: null };
    } catch (error) {
      return { rows: null, error: describeError(error) };
    }
  }

  private async lag(topics: Set<string>): Promise<GroupLag[]> {
    const admin = await this.connectedAdmin();
    const entityTopics = this.options.entities.map((e) => this.options.topicFor(e)).filter((t) => topics.has(t));
    const out: GroupLag[] = [];
    for (const group of this.options.groups) {
      const committed = await admin.fetchOffsets({ groupId: group, topics: entityTopics });
      for (const topic of committed) {
        if (topic.partitions.every((p) => p.offset === '-1')) continue; // the group never consumed it
        const ends = new Map((await admin.fetchTopicOffsets(topic.topic)).map((p) => [p.partition, p]));
        const partitions = topic.partitions
          .map((p) => {
            const end = ends.get(p.partition);
            const high = BigInt(end?.high ?? '0');
            const from = p.offset === '-1' ? BigInt(end?.low ?? '0') : BigInt(p.offset);
            return { partition: p.partition, committed: p.offset === '-1' ? null : p.offset, end: high.toString(), lag: Number(high > from ? high - from : 0n) };
          })
          .sort((a, b) => a.partition - b.partition);
        out.push({ group, topic: topic.topic, partitions, lag: partitions.reduce((n, p) => n + p.lag, 0) });
      }
    }
    return out;
  }

  private async backfillShards(entity: MigratedEntity): Promise<BackfillShardRow[]> {
    const { rows } = await this.deps.pool.query<{ status: string; processed: string; failed: string; started_at: Date | null; updated_at: Date; completed_at: Date | null }>(
      `SELECT status, total_processed AS processed, total_failed AS failed, started_at, updated_at, completed_at
         FROM data_migration_state
        WHERE entity_type = $1 AND migration_name LIKE '%:backfill:%' AND ($2::text IS NULL OR metadata->>'migrationId' = $2)`,
      [entity, this.options.migrationId],
    );
    return rows.map((r) => ({
      status: r.status,
      processed: Number(r.processed),
      failed: Number(r.failed),
      startedAt: r.started_at,
      updatedAt: r.updated_at,
      completedAt: r.completed_at,
    }));
  }

  /** Rows the last check found dead-lettered, by stage and reason (the check reads the dead letters). */
  private async deadLettersOfLastRun(runId: string | null): Promise<DashboardState['deadLetters']> {
    if (runId === null) return { byStageAndReason: [], fromCheckRun: null };
    const { rows } = await this.deps.pool.query<{ stage: string; reason: string; rows: string }>(
      `SELECT d->>'stage' AS stage, d->>'code' AS reason, count(DISTINCT d->>'id') AS rows
         FROM consistency_check_runs r,
              jsonb_array_elements(r.report->'entities') e,
              jsonb_array_elements(e->'pairs') p,
              jsonb_array_elements(p->'deadLettered'->'rows') d
        WHERE r.id = $1
        GROUP BY 1, 2 ORDER BY 3 DESC`,
      [runId],
    );
    return { byStageAndReason: rows.map((r) => ({ stage: r.stage, reason: r.reason, rows: Number(r.rows) })), fromCheckRun: runId };
  }

  private async exists(table: string): Promise<boolean> {
    const { rows } = await this.deps.pool.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [table]);
    return rows[0].t !== null;
  }

  /** `rollback mark` creates the table on first use: none yet means no restore point yet. */
  private async restorePoints(): Promise<RestorePointState[]> {
    if (!(await this.exists('rollback_restore_points'))) return [];
    const { rows } = await this.deps.pool.query<{ name: string; taken_at: Date; taken_by: string; targets: string[] }>(
      `SELECT name, taken_at, taken_by, targets FROM rollback_restore_points ORDER BY taken_at DESC LIMIT 50`,
    );
    return rows.map((r) => ({ name: r.name, takenAt: r.taken_at.toISOString(), takenBy: r.taken_by, targets: r.targets }));
  }

  private async rollbacks(): Promise<RollbackState[]> {
    if (!(await this.exists('rollback_runs'))) return [];
    const { rows } = await this.deps.pool.query<{
      id: string; rollback_to: Date; status: string; started_by: string; started_at: Date; finished_at: Date | null; done: number; steps: number; last_error: string | null;
    }>(
      `SELECT r.id::text, r.rollback_to, r.status, r.started_by, r.started_at, r.finished_at, r.last_error,
              count(s.step_no) FILTER (WHERE s.done_at IS NOT NULL)::int AS done, count(s.step_no)::int AS steps
         FROM rollback_runs r LEFT JOIN rollback_steps s ON s.run_id = r.id
        GROUP BY r.id ORDER BY r.started_at DESC LIMIT 20`,
    );
    return rows.map((r) => ({
      id: r.id,
      to: r.rollback_to.toISOString(),
      status: r.status,
      startedBy: r.started_by,
      startedAt: r.started_at.toISOString(),
      finishedAt: r.finished_at?.toISOString() ?? null,
      stepsDone: r.done,
      steps: r.steps,
      lastError: r.last_error,
    }));
  }
}
