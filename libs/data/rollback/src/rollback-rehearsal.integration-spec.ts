import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import { OPPORTUNITY_EVENTS, countRows, entityTotals } from '@mch/data-clickhouse-analytics';
import { createClickHouseTestDatabase, postgresTotals, type ClickHouseTestDatabase } from '@mch/data-clickhouse-analytics/testing';
import type { ChangeRecord } from '@mch/data-kafka-migration';
import { createKafka } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { CheckpointsRollback } from './checkpoints/checkpoints.participant';
import { ClickHouseRollback } from './clickhouse/clickhouse.participant';
import { ConsumerGroupRollback } from './kafka/consumer-group.admin';
import { RestorePointMarker, RestorePointStore } from './restore-point.store';
import { RollbackExecutor } from './rollback-executor';
import { RollbackPlanner } from './rollback-planner';
import { parseRollbackArguments, resolveRollbackRequest } from './rollback-request';
import { RollbackRunStore } from './rollback-run.store';
import type { RollbackParticipant } from './rollback-participant';
import { checkPipeline, createRehearsalPipeline, type RehearsalPipeline } from './testing-pipeline';
import { WeaviateRollback } from './weaviate/weaviate.participant';

const quiet = createLogger({ service: 'rollback-rehearsal-it', level: 'error', sink: () => undefined });
const OPPORTUNITIES = 200;
const POINT = 'before-bad-deploy';

/** Every object of a collection, id -> properties (keys sorted), for exact comparison. */
async function objectsOf(client: WeaviateClient, collection: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const object of client.collections.use(collection).iterator()) {
    const props = object.properties as Record<string, unknown>;
    out.set(object.uuid, JSON.stringify(Object.keys(props).sort().map((k) => [k, props[k]])));
  }
  return out;
}

/**
 * The incident rehearsal of issue #14 on the real stack: a migration half done, `mark`, a bad
 * migrator deploy that publishes corrupted and duplicated events the consumers take in, `apply --to`
 * the point, then the good migrator resumes from the rewound checkpoint and everything converges.
 */
describe('rollback rehearsal: mark, corrupt incident, apply --to the point, replay converges (real stores)', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let weaviate: WeaviateClient;
  let ch: ClickHouseTestDatabase;
  let clickhouse: ClickHouseClient;
  let pipeline: RehearsalPipeline;
  let participants: RollbackParticipant[];
  let admin: ReturnType<Kafka['admin']>;

  beforeAll(async () => {
    db = await createMigratedDatabase('rollback_rehearsal', { load: { opportunities: OPPORTUNITIES, seed: 14 } });
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'rollback-rehearsal-it', logger: quiet });
    weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
    ch = await createClickHouseTestDatabase('rollback_rehearsal');
    clickhouse = ch.client;
    pipeline = await createRehearsalPipeline({ pool: db.pool, kafka, clickhouse, weaviate, logger: quiet, label: 'rbreh' });
    admin = kafka.admin();
    await admin.connect();
    participants = [
      new ConsumerGroupRollback(admin),
      new ClickHouseRollback(clickhouse),
      new WeaviateRollback(weaviate, pipeline.names, quiet),
      new CheckpointsRollback(db.pool),
    ];
  }, 180_000);

  afterAll(async () => {
    await pipeline?.close();
    await admin?.disconnect();
    await weaviate?.close();
    await ch?.drop();
    await db?.drop();
  });

  it('returns every store to the restore point, then the good migrator converges to PostgreSQL exactly', async () => {
    // 1. Migrate half the table with the consumers running, then mark the point.
    await pipeline.startConsumers();
    await pipeline.backfill({ pauseAfter: 100 });
    await pipeline.caughtUp();
    const groups = [pipeline.groups.clickhouse, pipeline.groups.weaviate];
    const point = await new RestorePointMarker(participants, new RestorePointStore(db.pool), quiet).mark(
      POINT,
      { groups, targets: ['kafka', 'clickhouse', 'weaviate', 'checkpoints'] },
      'rehearsal',
    );
    const marked = {
      rows: await countRows(clickhouse, OPPORTUNITY_EVENTS.name),
      totals: await entityTotals(clickhouse, OPPORTUNITY_EVENTS),
      objects: await objectsOf(weaviate, pipeline.names.opportunity),
      offsets: await Promise.all(groups.map((groupId) => admin.fetchOffsets({ groupId, topics: [pipeline.topic] }))),
      checkpoint: (await db.pool.query(`SELECT status, last_processed_id, total_processed FROM data_migration_state WHERE migration_name = $1`, [pipeline.checkpoint])).rows[0],
    };
    expect(marked.totals.count).toBe(100);
    expect(marked.objects.size).toBe(100);
    expect(marked.checkpoint).toMatchObject({ status: 'paused', total_processed: '100' });

    // 2. The bad deploy: the migrator resumes with a publisher that corrupts every row and sends each
    //    chunk twice; the consumers take it all in.
    const corrupt = (changes: ChangeRecord[]): ChangeRecord[] =>
      changes.map((c) => ({ ...c, row: c.row && { ...c.row, title: `CORRUPTED ${String(c.row['title'])}`, award_amount: '99999999.99' } }));
    await pipeline.backfill({ publisher: pipeline.publisher(corrupt, 2) });
    await pipeline.caughtUp();
    const incident = await entityTotals(clickhouse, OPPORTUNITY_EVENTS);
    expect(incident.count).toBe(OPPORTUNITIES);
    expect(incident.sums['award_amount']).not.toBe(marked.totals.sums['award_amount']);
    expect([...(await objectsOf(weaviate, pipeline.names.opportunity)).values()].filter((p) => p.includes('CORRUPTED')).length).toBe(OPPORTUNITIES - 100);

    // 3. Roll back: consumers stopped, plan and apply --to the point (groups from the point).
    await pipeline.stopConsumers();
    const request = await resolveRollbackRequest(parseRollbackArguments({ to: POINT }), (name) => new RestorePointStore(db.pool).find(name));
    expect(request.groups.sort()).toEqual([...groups].sort());
    const planner = new RollbackPlanner(participants);
    const plan = await planner.plan(request);
    const kinds = plan.actions.map((a) => a.kind);
    expect([...new Set(kinds)]).toEqual(['kafka.reset-group-offsets', 'clickhouse.restore-snapshot', 'weaviate.restore-backup', 'checkpoints.rewind']);
    expect(kinds.filter((k) => k === 'kafka.reset-group-offsets')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'clickhouse.restore-snapshot')).toHaveLength(4);
    const runs = new RollbackRunStore(db.pool);
    const result = await new RollbackExecutor(planner, participants, runs, quiet).apply(request, 'rehearsal');
    expect(result.plan.actions).toEqual(plan.actions);
    expect((await runs.steps(result.runId)).map((s) => s.action)).toEqual(plan.actions);

    // Every store is back at the point, exactly.
    expect(await countRows(clickhouse, OPPORTUNITY_EVENTS.name)).toBe(marked.rows);
    expect(await entityTotals(clickhouse, OPPORTUNITY_EVENTS)).toEqual(marked.totals);
    expect(await objectsOf(weaviate, pipeline.names.opportunity)).toEqual(marked.objects);
    expect(await Promise.all(groups.map((groupId) => admin.fetchOffsets({ groupId, topics: [pipeline.topic] })))).toEqual(marked.offsets);
    expect(
      (await db.pool.query(`SELECT status, last_processed_id, total_processed FROM data_migration_state WHERE migration_name = $1`, [pipeline.checkpoint])).rows[0],
    ).toEqual(marked.checkpoint);
    expect(point.state.weaviate).toBeDefined();

    // 4. Restart the consumers and let the good migrator resume from the rewound checkpoint: its
    //    events carry later source positions than the corrupted ones, which the consumers replay first.
    await pipeline.startConsumers();
    await pipeline.backfill();
    await pipeline.caughtUp();
    await pipeline.stopConsumers();

    const source = await postgresTotals(db.pool, OPPORTUNITY_EVENTS.name);
    const converged = await entityTotals(clickhouse, OPPORTUNITY_EVENTS);
    expect(converged.count).toBe(source.count);
    expect(converged.sums['award_amount']).toBe(source.sums['award_amount']);
    const objects = await objectsOf(weaviate, pipeline.names.opportunity);
    expect(objects.size).toBe(OPPORTUNITIES);
    expect([...objects.values()].filter((p) => p.includes('CORRUPTED'))).toEqual([]);

    const report = await checkPipeline(pipeline, { pool: db.pool, kafka, clickhouse, weaviate, logger: quiet });
    expect(report.failures).toEqual([]);
    expect(report.verdict).toBe('consistent');
  }, 300_000);
});
