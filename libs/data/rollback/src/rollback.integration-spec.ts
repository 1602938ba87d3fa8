import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { createKafka, createTopicsAndWait } from '@mch/infra-kafka';
import { WORKSPACE_ROOT, createMigratedDatabase, waitFor, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { DomainException } from '@mch/util-errors';
import { createLogger } from '@mch/util-logger';
import { ConsumerGroupRollback } from './kafka/consumer-group.admin';
import { RollbackExecutor } from './rollback-executor';
import { RollbackPlanner, requestKey } from './rollback-planner';
import { RollbackRunStore } from './rollback-run.store';
import type { KafkaResetGroupOffsetsAction, RollbackPlan, RollbackRequest } from './rollback.types';
import { kafkaConsumerGroups, parseToolTable } from './testing-kafka-cli';

const quiet = createLogger({ service: 'rollback-it', level: 'error', sink: () => undefined });
const PARTITIONS = 3;

describe('rollback of Kafka consumer groups on the real stack', () => {
  const suffix = randomUUID().slice(0, 8);
  const topic = `rollback-it-${suffix}`;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let db: MigratedDatabase;
  let groups: ConsumerGroupRollback;
  let planner: RollbackPlanner;
  let runs: RollbackRunStore;
  let executor: RollbackExecutor;
  // Messages carry explicit CreateTime timestamps: 'old' ones before the point, 'new' ones after it.
  const base = Date.now() - 10 * 60_000;
  const point = new Date(base + 5 * 60_000);

  /** A group committed at the end of the topic, as a consumer that read everything leaves it. */
  async function groupAtEnd(groupId: string): Promise<void> {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })) });
  }
  async function committed(groupId: string): Promise<Record<number, string>> {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries(offsets.partitions.map((p) => [p.partition, p.offset]));
  }
  function request(groupId: string): RollbackRequest {
    return { to: point, groups: [groupId], targets: ['kafka'] };
  }

  beforeAll(async () => {
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'rollback-it', logger: quiet });
    admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: PARTITIONS }] });
    producer = kafka.producer();
    await producer.connect();
    const message = (partition: number, n: number, at: number) => ({ partition, key: `k${n}`, value: `v${n}`, timestamp: String(at) });
    // Partition 0: 4 old + 3 new; partition 1: 5 old only (reset goes to its end); partition 2: 2 new only.
    await producer.send({
      topic,
      messages: [
        ...[0, 1, 2, 3].map((n) => message(0, n, base + n * 1000)),
        ...[4, 5, 6].map((n) => message(0, n, point.getTime() + n * 1000)),
        ...[0, 1, 2, 3, 4].map((n) => message(1, n, base + n * 1000)),
        ...[0, 1].map((n) => message(2, n, point.getTime() + 60_000 + n * 1000)),
      ],
    });
    db = await createMigratedDatabase('rollback');
    groups = new ConsumerGroupRollback(admin);
    planner = new RollbackPlanner([groups]);
    runs = new RollbackRunStore(db.pool);
    executor = new RollbackExecutor(planner, [groups], runs, quiet);
  }, 120_000);

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    await db?.drop();
  });

  it('plans exactly the offsets kafka-consumer-groups.sh --reset-offsets --to-datetime --dry-run computes', async () => {
    const groupId = `rollback-it-plan-${suffix}`;
    await groupAtEnd(groupId);
    const plan = await planner.plan(request(groupId));
    expect(plan.actions).toHaveLength(1);
    const action = plan.actions[0] as KafkaResetGroupOffsetsAction;
    expect(action.partitions).toEqual([
      { partition: 0, before: '7', after: '4' },
      { partition: 1, before: '5', after: '5' },
      { partition: 2, before: '2', after: '0' },
    ]);

    const dryRun = parseToolTable(
      await kafkaConsumerGroups(['--group', groupId, '--topic', topic, '--reset-offsets', '--to-datetime', point.toISOString().replace('Z', '+00:00'), '--dry-run']),
    );
    const kafkaSays = dryRun.map((r) => ({ partition: Number(r['PARTITION']), after: r['NEW-OFFSET'] })).sort((a, b) => a.partition - b.partition);
    expect(action.partitions.map(({ partition, after }) => ({ partition, after }))).toEqual(kafkaSays);
    expect(await committed(groupId)).toEqual({ 0: '7', 1: '5', 2: '2' });
  }, 120_000);

  it('refuses apply while the group has a live member, naming group and member, and changes nothing', async () => {
    const groupId = `rollback-it-live-${suffix}`;
    await groupAtEnd(groupId);
    const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    await consumer.connect();
    await consumer.subscribe({ topic });
    await consumer.run({ eachMessage: async () => undefined });
    try {
      await waitFor('a live member in the group', async () => (await groups.activeMembers(groupId)).length > 0);
      const refusal = await executor.apply(request(groupId), 'rollback-it').catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(DomainException);
      expect((refusal as DomainException).code).toBe('PRECONDITION_FAILED');
      expect((refusal as Error).message).toContain(`consumer group '${groupId}' has 1 active member(s): rollback-it@`);
      expect(await committed(groupId)).toEqual({ 0: '7', 1: '5', 2: '2' });
      await runs.ensureSchema();
      expect((await db.pool.query(`SELECT count(*)::int AS n FROM rollback_runs WHERE request_key = $1`, [requestKey(request(groupId))])).rows[0].n).toBe(0);
    } finally {
      await consumer.disconnect();
    }
  }, 120_000);

  it('applies exactly the planned actions, records them, and Kafka --describe shows the new offsets', async () => {
    const groupId = `rollback-it-apply-${suffix}`;
    await groupAtEnd(groupId);
    const plan = await planner.plan(request(groupId));
    const result = await executor.apply(request(groupId), 'rollback-it');
    expect(result).toMatchObject({ resumed: false, stepsApplied: 1, stepsSkipped: 0 });
    expect(result.plan.actions).toEqual(plan.actions);
    const steps = await runs.steps(result.runId);
    expect(steps.map((s) => s.action)).toEqual(plan.actions);
    expect(steps.every((s) => s.doneAt !== null)).toBe(true);
    const run = await db.pool.query(`SELECT status, started_by, rollback_to FROM rollback_runs WHERE id = $1`, [result.runId]);
    expect(run.rows[0]).toMatchObject({ status: 'completed', started_by: 'rollback-it', rollback_to: point });

    expect(await committed(groupId)).toEqual({ 0: '4', 1: '5', 2: '0' });
    const described = parseToolTable(await kafkaConsumerGroups(['--describe', '--group', groupId]));
    expect(Object.fromEntries(described.map((r) => [Number(r['PARTITION']), r['CURRENT-OFFSET']]))).toEqual({ 0: '4', 1: '5', 2: '0' });

    // Idempotent: the same request again is a new, identical reset with the same end state.
    const again = await executor.apply(request(groupId), 'rollback-it');
    expect(again.plan.actions.map((a) => (a as KafkaResetGroupOffsetsAction).partitions.map((p) => p.after))).toEqual([['4', '5', '0']]);
    expect(await committed(groupId)).toEqual({ 0: '4', 1: '5', 2: '0' });
  }, 120_000);

  it('resumes an interrupted run with its recorded plan and skips the steps already done', async () => {
    const groupA = `rollback-it-resume-a-${suffix}`;
    const groupB = `rollback-it-resume-b-${suffix}`;
    await groupAtEnd(groupA);
    await groupAtEnd(groupB);
    const req: RollbackRequest = { to: point, groups: [groupA, groupB], targets: ['kafka'] };
    // The state a SIGKILL leaves after step 0: run recorded, step 0 applied and marked, step 1 not.
    const plan = await planner.plan(req);
    await runs.ensureSchema();
    const started = await runs.start(requestKey(req), plan, 'rollback-it');
    await groups.apply(plan.actions[0]);
    await runs.markStepDone(started.id, 0);

    const result = await executor.apply(req, 'rollback-it');
    expect(result).toMatchObject({ runId: started.id, resumed: true, stepsApplied: 1, stepsSkipped: 1 });
    expect(await committed(groupA)).toEqual({ 0: '4', 1: '5', 2: '0' });
    expect(await committed(groupB)).toEqual({ 0: '4', 1: '5', 2: '0' });
    expect((await runs.steps(started.id)).every((s) => s.doneAt !== null)).toBe(true);
  }, 120_000);

  /** A consumer in its own process, joined to the group under `clientId` (6 s session), until killed. */
  function memberProcess(groupId: string, clientId: string): ChildProcess {
    const script = `
      const { Kafka, logLevel } = require('kafkajs');
      const kafka = new Kafka({ clientId: ${JSON.stringify(clientId)}, brokers: process.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
      const consumer = kafka.consumer({ groupId: ${JSON.stringify(groupId)}, sessionTimeout: 6000, heartbeatInterval: 1000 });
      consumer.connect().then(() => consumer.subscribe({ topic: ${JSON.stringify(topic)} })).then(() => consumer.run({ eachMessage: () => new Promise(() => undefined) }));`;
    return spawn(process.execPath, ['-e', script], { cwd: WORKSPACE_ROOT, stdio: 'ignore' });
  }

  it('a resumed apply waits out the member its own killed run left in a group, and still refuses a live consumer at once', async () => {
    const groupId = `rollback-it-leftover-${suffix}`;
    await groupAtEnd(groupId);
    const own = new ConsumerGroupRollback(admin, 30_000, 'rollback-cli');
    const plan = { actions: [] } as unknown as RollbackPlan;
    // kafkajs's setOffsets joins the group under the rollback's client id; a SIGKILL in that moment
    // leaves the member until the session timeout.
    const killed = memberProcess(groupId, 'rollback-cli');
    await waitFor('the rollback member in the group', async () => (await own.activeMembers(groupId)).length > 0, 30_000);
    killed.kill('SIGKILL');
    await own.preflight(request(groupId), plan);
    expect(await own.activeMembers(groupId)).toEqual([]);

    const live = memberProcess(groupId, 'weaviate-indexer');
    try {
      await waitFor('the live consumer in the group', async () => (await own.activeMembers(groupId)).length > 0, 30_000);
      const started = Date.now();
      await expect(own.preflight(request(groupId), plan)).rejects.toThrow(/1 active member\(s\): weaviate-indexer@/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      live.kill('SIGKILL');
    }
  }, 90_000);
});
