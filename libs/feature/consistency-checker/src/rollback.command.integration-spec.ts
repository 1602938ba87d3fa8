import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { RollbackPlan } from '@mch/data-rollback';
import { createKafka, createTopicsAndWait } from '@mch/infra-kafka';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { RollbackExitCode, runRollbackCommand } from './rollback.command';

const quiet = createLogger({ service: 'rollback-cli-it', level: 'error', sink: () => undefined });

describe('rollback plan|apply command on the real stack', () => {
  const suffix = randomUUID().slice(0, 8);
  const topic = `rollback-cli-it-${suffix}`;
  const groupId = `rollback-cli-it-${suffix}`;
  let kafka: Kafka;
  let admin: Admin;
  let db: MigratedDatabase;
  const base = Date.now() - 10 * 60_000;
  const point = new Date(base + 5 * 60_000).toISOString();

  beforeAll(async () => {
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'rollback-cli-it', logger: quiet });
    admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    // Partition 0: 3 before the point, 2 after; partition 1: 1 after.
    const at = (ms: number) => String(ms);
    await producer.send({
      topic,
      messages: [
        ...[0, 1, 2].map((n) => ({ partition: 0, value: `old${n}`, timestamp: at(base + n) })),
        ...[0, 1].map((n) => ({ partition: 0, value: `new${n}`, timestamp: at(base + 6 * 60_000 + n) })),
        { partition: 1, value: 'new', timestamp: at(base + 7 * 60_000) },
      ],
    });
    await producer.disconnect();
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '1' }] });
    db = await createMigratedDatabase('rollback_cli');
  }, 120_000);

  afterAll(async () => {
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    await db?.drop();
  });

  it('plan prints the actions and changes nothing; apply executes and records exactly those actions', async () => {
    const env = { ...process.env, PGDATABASE: db.name, MCH_OPERATOR: 'rollback-cli-it' };
    // Kafka only: the default (every target) would trim and purge the stack's shared ClickHouse and Weaviate.
    const args = ['--to', point, '--groups', groupId, '--targets', 'kafka'];

    const planned = await runRollbackCommand(['plan', ...args], env, quiet);
    expect(planned.exitCode).toBe(RollbackExitCode.Done);
    const plan = JSON.parse(planned.output) as RollbackPlan;
    expect(plan.actions).toEqual([
      expect.objectContaining({
        kind: 'kafka.reset-group-offsets',
        target: 'kafka',
        groupId,
        topic,
        partitions: [{ partition: 0, before: '5', after: '3' }, { partition: 1, before: '1', after: '0' }],
      }),
    ]);
    const [unchanged] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(unchanged.partitions.map((p) => p.offset)).toEqual(['5', '1']);

    const table = await runRollbackCommand(['plan', ...args, '--format', 'table'], env, quiet);
    expect(table.output).toContain(`group ${groupId} on ${topic}: 2 partition(s)`);
    expect(table.output).toContain('partition 0: 5 -> 3');
    expect(table.output).toContain('partition 1: 1 -> 0');

    const applied = await runRollbackCommand(['apply', ...args], env, quiet);
    expect(applied.exitCode).toBe(RollbackExitCode.Done);
    const result = JSON.parse(applied.output) as { runId: string; plan: RollbackPlan };
    expect(result.plan.actions).toEqual(plan.actions);
    const recorded = await db.pool.query(
      `SELECT r.started_by, r.status, s.action FROM rollback_runs r JOIN rollback_steps s ON s.run_id = r.id WHERE r.id = $1 ORDER BY s.step_no`,
      [result.runId],
    );
    expect(recorded.rows.map((r) => r.action)).toEqual(plan.actions);
    expect(recorded.rows[0]).toMatchObject({ started_by: 'rollback-cli-it', status: 'completed' });
    const [after] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(after.partitions.map((p) => p.offset)).toEqual(['3', '0']);
  }, 120_000);

  it('mark records a restore point, points lists it, and plan/apply --to <name> return the group to its recorded offsets', async () => {
    const env = { ...process.env, PGDATABASE: db.name, MCH_OPERATOR: 'rollback-cli-it' };
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '1' }] });
    const marked = await runRollbackCommand(['mark', 'before-deploy', '--groups', groupId, '--targets', 'kafka,checkpoints'], env, quiet);
    expect(marked.exitCode).toBe(RollbackExitCode.Done);
    expect(JSON.parse(marked.output)).toMatchObject({
      name: 'before-deploy',
      state: { kafka: { groups: [{ groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '1' }] }] }] }, checkpoints: { migrations: [] } },
    });
    const again = await runRollbackCommand(['mark', 'before-deploy', '--groups', groupId, '--targets', 'kafka'], env, quiet).catch((e: unknown) => e as Error);
    expect((again as Error).message).toBe("restore point 'before-deploy' already exists; choose another name");

    const listed = await runRollbackCommand(['points', '--format', 'table'], env, quiet);
    expect(listed.output.split('\n')[1]).toMatch(/^before-deploy\s+\S+Z\s+rollback-cli-it\s+kafka,checkpoints$/);

    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '1' }] });
    const planned = await runRollbackCommand(['plan', '--to', 'before-deploy', '--targets', 'kafka'], env, quiet);
    const plan = JSON.parse(planned.output) as RollbackPlan;
    expect(plan.groups).toEqual([groupId]);
    expect(plan.actions).toEqual([
      expect.objectContaining({ groupId, topic, partitions: [{ partition: 0, before: '5', after: '2' }, { partition: 1, before: '1', after: '1' }] }),
    ]);
    const applied = await runRollbackCommand(['apply', '--to', 'before-deploy', '--targets', 'kafka'], env, quiet);
    expect((JSON.parse(applied.output) as { plan: RollbackPlan }).plan.actions).toEqual(plan.actions);
    const [after] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(after.partitions.map((p) => p.offset)).toEqual(['2', '1']);
  }, 120_000);
});
