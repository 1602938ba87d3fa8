import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import { OPPORTUNITY_EVENTS, countRows, entityTotals } from '@mch/data-clickhouse-analytics';
import { createClickHouseTestDatabase, postgresTotals, type ClickHouseTestDatabase } from '@mch/data-clickhouse-analytics/testing';
import { countObjects } from '@mch/data-weaviate-index';
import { createKafka } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { CheckpointsRollback } from './checkpoints/checkpoints.participant';
import { ClickHouseRollback } from './clickhouse/clickhouse.participant';
import { ConsumerGroupRollback } from './kafka/consumer-group.admin';
import { RollbackExecutor } from './rollback-executor';
import { RollbackPlanner } from './rollback-planner';
import { RollbackRunStore } from './rollback-run.store';
import type {
  CheckpointRewindAction,
  ClickHouseTrimAction,
  KafkaResetGroupOffsetsAction,
  RollbackRequest,
  WeaviatePurgeAction,
} from './rollback.types';
import { checkPipeline, createRehearsalPipeline, type RehearsalPipeline } from './testing-pipeline';
import { WeaviateRollback } from './weaviate/weaviate.participant';

const quiet = createLogger({ service: 'rollback-timestamp-it', level: 'error', sink: () => undefined });
const OPPORTUNITIES = 200;
const CHANGED_AFTER_POINT = 10;

/**
 * Rollback to a timestamp (no restore point) on the real stores: ClickHouse trimmed, Weaviate purged,
 * the backfill checkpoint rewound, offsets reset; the plan is exactly what apply then does, and the
 * replay from the reset offsets plus the rewound backfill converges to PostgreSQL exactly.
 */
describe('rollback apply --to <timestamp> (trim, purge, rewind, reset) on the real stores', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let weaviate: WeaviateClient;
  let ch: ClickHouseTestDatabase;
  let clickhouse: ClickHouseClient;
  let pipeline: RehearsalPipeline;
  let admin: ReturnType<Kafka['admin']>;

  beforeAll(async () => {
    db = await createMigratedDatabase('rollback_timestamp', { load: { opportunities: OPPORTUNITIES, seed: 15 } });
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'rollback-timestamp-it', logger: quiet });
    weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
    ch = await createClickHouseTestDatabase('rollback_timestamp');
    clickhouse = ch.client;
    pipeline = await createRehearsalPipeline({ pool: db.pool, kafka, clickhouse, weaviate, logger: quiet, label: 'rbts' });
    admin = kafka.admin();
    await admin.connect();
  }, 180_000);

  afterAll(async () => {
    await pipeline?.close();
    await admin?.disconnect();
    await weaviate?.close();
    await ch?.drop();
    await db?.drop();
  });

  it('plans and applies exactly the trim, purge, rewind and reset, and the replay converges', async () => {
    await pipeline.startConsumers();
    await pipeline.backfill({ pauseAfter: 100 });
    await pipeline.caughtUp();
    // The point: after the first half; then rows of the second half change at the source and the backfill finishes.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const point = new Date();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { rows: changed } = await db.pool.query<{ id: string }>(
      `UPDATE opportunities SET title = title || ' (revised)', updated_at = now()
        WHERE id IN (SELECT id FROM opportunities ORDER BY id DESC LIMIT ${CHANGED_AFTER_POINT}) RETURNING id`,
    );
    expect(changed).toHaveLength(CHANGED_AFTER_POINT);
    await pipeline.backfill();
    await pipeline.caughtUp();
    await pipeline.stopConsumers();

    const groups = [pipeline.groups.clickhouse, pipeline.groups.weaviate];
    const request: RollbackRequest = { to: point, groups, targets: ['kafka', 'clickhouse', 'weaviate', 'checkpoints'], entities: ['opportunity'] };
    const participants = [
      new ConsumerGroupRollback(admin),
      new ClickHouseRollback(clickhouse),
      new WeaviateRollback(weaviate, pipeline.names, quiet),
      new CheckpointsRollback(db.pool),
    ];
    const planner = new RollbackPlanner(participants);
    const plan = await planner.plan(request);

    const trim = plan.actions.find((a) => a.kind === 'clickhouse.trim-since' && (a as ClickHouseTrimAction).table === OPPORTUNITY_EVENTS.name) as ClickHouseTrimAction;
    expect(trim).toMatchObject({ rowsBefore: OPPORTUNITIES, rowsAfter: 100 });
    const purge = plan.actions.find((a) => a.kind === 'weaviate.purge-since' && (a as WeaviatePurgeAction).collection === pipeline.names.opportunity) as WeaviatePurgeAction;
    expect(purge).toMatchObject({ property: 'sourceUpdatedAt', objectsBefore: OPPORTUNITIES, objectsAfter: OPPORTUNITIES - CHANGED_AFTER_POINT });
    const rewind = plan.actions.find((a) => a.kind === 'checkpoints.rewind') as CheckpointRewindAction;
    expect(rewind).toMatchObject({ migration: pipeline.checkpoint, before: { status: 'completed' }, after: { status: 'paused' } });
    const resets = plan.actions.filter((a) => a.kind === 'kafka.reset-group-offsets') as KafkaResetGroupOffsetsAction[];
    expect(resets.map((r) => r.groupId).sort()).toEqual([...groups].sort());
    // The rewound checkpoint is the one of the first half: its last key is the 100th id.
    const hundredth = (await db.pool.query<{ id: string }>(`SELECT id::text FROM opportunities ORDER BY id OFFSET 99 LIMIT 1`)).rows[0].id;
    expect(rewind.after?.lastProcessedId).toBe(hundredth);
    expect(await countRows(clickhouse, OPPORTUNITY_EVENTS.name)).toBe(OPPORTUNITIES);

    const runs = new RollbackRunStore(db.pool);
    // A restore point whose snapshot or backup is gone is refused before anything is recorded or changed.
    const lost: RollbackRequest = {
      to: point,
      groups: [],
      targets: ['clickhouse', 'weaviate'],
      restorePoint: {
        name: 'lost',
        takenAt: point.toISOString(),
        state: { clickhouse: { snapshot: 'rp_lost', tables: [{ table: OPPORTUNITY_EVENTS.name, rows: 1 }] }, weaviate: { backupId: 'rp-lost-0', collections: [] } },
      },
    };
    for (const targets of [['clickhouse'], ['weaviate']] as const) {
      const refusal = await new RollbackExecutor(planner, participants, runs, quiet).apply({ ...lost, targets: [...targets] }, 'timestamp-it')
        .then(
          () => new Error('expected a refusal'),
          (e: unknown) => e as Error,
        );
      expect([targets[0], (refusal as { code?: string }).code, refusal.message]).toEqual([
        targets[0],
        'PRECONDITION_FAILED',
        targets[0] === 'clickhouse'
          ? `clickhouse snapshot table(s) of restore point 'lost' missing: ${OPPORTUNITY_EVENTS.name}__snapshot__rp_lost`
          : expect.stringMatching(/^weaviate backup rp-lost-0 of restore point 'lost' is not usable/),
      ]);
    }
    await runs.ensureSchema();
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM rollback_runs`)).rows[0].n).toBe(0);
    expect(await countRows(clickhouse, OPPORTUNITY_EVENTS.name)).toBe(OPPORTUNITIES);

    const result = await new RollbackExecutor(planner, participants, runs, quiet).apply(request, 'timestamp-it');
    // Apply executed and recorded exactly the planned actions, and each store now holds what the plan said.
    expect(result.plan.actions).toEqual(plan.actions);
    expect((await runs.steps(result.runId)).map((s) => s.action)).toEqual(plan.actions);
    for (const action of plan.actions) {
      if (action.kind === 'clickhouse.trim-since') {
        const t = action as ClickHouseTrimAction;
        expect({ table: t.table, rows: await countRows(clickhouse, t.table) }).toEqual({ table: t.table, rows: t.rowsAfter });
      } else if (action.kind === 'weaviate.purge-since') {
        const p = action as WeaviatePurgeAction;
        expect({ collection: p.collection, objects: await countObjects(weaviate, p.collection) }).toEqual({ collection: p.collection, objects: p.objectsAfter });
      } else if (action.kind === 'kafka.reset-group-offsets') {
        const k = action as KafkaResetGroupOffsetsAction;
        const [offsets] = await admin.fetchOffsets({ groupId: k.groupId, topics: [k.topic] });
        expect(offsets.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(k.partitions.map((p) => [p.partition, p.after]).sort());
      }
    }
    const state = await db.pool.query(`SELECT status, last_processed_id FROM data_migration_state WHERE migration_name = $1`, [pipeline.checkpoint]);
    expect(state.rows[0]).toEqual({ status: 'paused', last_processed_id: hundredth });

    // Replay: consumers from the reset offsets, the backfill from the rewound checkpoint.
    await pipeline.startConsumers();
    await pipeline.backfill();
    await pipeline.caughtUp();
    await pipeline.stopConsumers();
    const source = await postgresTotals(db.pool, OPPORTUNITY_EVENTS.name);
    const totals = await entityTotals(clickhouse, OPPORTUNITY_EVENTS);
    expect({ count: totals.count, award: totals.sums['award_amount'] }).toEqual({ count: source.count, award: source.sums['award_amount'] });
    expect(await countObjects(weaviate, pipeline.names.opportunity)).toBe(OPPORTUNITIES);
    const report = await checkPipeline(pipeline, { pool: db.pool, kafka, clickhouse, weaviate, logger: quiet });
    expect(report.failures).toEqual([]);
    expect(report.verdict).toBe('consistent');
  }, 300_000);
});
