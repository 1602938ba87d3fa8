import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { ENTITY_TOPICS, type EventEnvelope } from '@mch/contracts';
import { createMigratedDatabase, freePort, readWholeTopic, type MigratedDatabase } from '@mch/testing-stack';
import { createKafka } from '@mch/infra-kafka';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { LogicalChangeCapture } from '@mch/data-kafka-migration';
import { parseExposition, samplesOf, sumOf } from '@mch/util-metrics';
import { WORKSPACE_ROOT, httpStatus, startService, waitFor, type ServiceProcess } from './support/service-process';

function runCommand(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['-r', './tools/scripts/register.js', 'apps/kafka-migrator/src/main.ts', ...args], {
    cwd: WORKSPACE_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('the kafka-migrator app: streamer service, backfill Job and operator commands', () => {
  let db: MigratedDatabase;
  let service: ServiceProcess | undefined;
  const run = `e2e-${randomUUID().slice(0, 8)}`;
  // Its own topics: it reads the topic to the end, and the stack's shared ones may hold millions.
  const prefix = `${run}.`;
  let env: NodeJS.ProcessEnv;
  const kafka = createKafka(loadConfig(kafkaEnvSchema), {
    clientId: 'migrator-e2e',
    logger: createLogger({ service: 'e2e', level: 'error', sink: () => undefined }),
  });

  beforeAll(async () => {
    db = await createMigratedDatabase('migrator_app', { load: { opportunities: 300, seed: 31 } });
    env = { ...process.env, PGDATABASE: db.name, MIGRATION_RUN: run, ENTITIES: 'opportunity,company', CAPTURE_MODE: 'logical', LOG_LEVEL: 'info', TOPIC_PREFIX: prefix };
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await db?.drop();
    const admin = kafka.admin();
    await admin.connect();
    const own = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    await admin.deleteTopics({ topics: own }).catch(() => undefined);
    await admin.disconnect();
  });

  it('streams a change made after start, exposes metrics, backfills as a Job, and tears its capture down', async () => {
    service = startService('kafka-migrator', await freePort(), env);
    await waitFor('migrator ready', async () => (await httpStatus(`${service?.url}/health/ready`)).status === 200, 90_000);
    await waitFor('capture set up', async () => ((await httpStatus(`${service?.url}/migration/status`)).body.mode as string) === 'logical');

    const job = await runCommand([], { ...env, MIGRATOR_MODE: 'backfill' });
    expect(job.code).toBe(0);
    expect(job.output).toContain('"msg":"backfill job finished"');

    const inserted = await db.pool.query<{ id: string }>(
      `INSERT INTO opportunities (notice_id, title, agency, posted_date, response_deadline, created_at, updated_at)
       VALUES ($1, 'Streamed after start', 'INDIAN HEALTH SERVICE', now(), now() + interval '9 days', now(), now()) RETURNING id::text AS id`,
      [`E2E-${randomUUID()}`],
    );
    const id = inserted.rows[0].id;
    let ours: EventEnvelope[] = [];
    await waitFor('the change on the topic', async () => {
      const all = await readWholeTopic(kafka, `${prefix}${ENTITY_TOPICS.opportunity.name}`);
      ours = all.map((m) => JSON.parse(String(m.value)) as EventEnvelope).filter((e) => e.metadata.migrationRun === run);
      return ours.some((e) => e.aggregateId === id && e.metadata.operation === 'insert');
    });
    expect(new Set(ours.filter((e) => e.metadata.operation === 'snapshot').map((e) => e.aggregateId)).size).toBe(300);

    const metrics = await fetch(`${service.url}/metrics`).then((r) => r.text());
    const samples = parseExposition(metrics);
    expect(sumOf(samples, 'mch_migrator_changes_published_total')).toBeGreaterThan(0);
    expect(samplesOf(samples, 'mch_migrator_capture_retained_wal_bytes')).toEqual([
      { name: 'mch_migrator_capture_retained_wal_bytes', labels: { service: 'kafka-migrator', slot: expect.any(String) }, value: expect.any(Number) },
    ]);

    const status = await runCommand(['status'], env);
    expect(status.code).toBe(0);
    expect(status.output).toContain(`${run}:backfill:opportunity:0-of-1`);

    await service.stop();
    service = undefined;
    const teardown = await runCommand(['teardown-capture'], env);
    expect(teardown.code).toBe(0);
    const slots = await db.pool.query(`SELECT count(*)::int AS n FROM pg_replication_slots WHERE database = current_database()`);
    expect(slots.rows[0].n).toBe(0);
  }, 240_000);

  it('stays unready, with the reason, while its change capture cannot start (its slot name is taken on another database)', async () => {
    const other = await createMigratedDatabase('migrator_app_other');
    const taken = `e2e-taken-${randomUUID().slice(0, 8)}`;
    const quiet = createLogger({ service: 'e2e', level: 'error', sink: () => undefined });
    const squatter = new LogicalChangeCapture(other.pool, quiet, { name: taken, entities: ['opportunity'] });
    let blocked: ServiceProcess | undefined;
    try {
      await squatter.setup();
      blocked = startService('kafka-migrator', await freePort(), { ...env, MIGRATION_RUN: taken });
      let last = '';
      await waitFor('the capture failure in the readiness answer', async () => {
        const ready = await httpStatus(`${blocked?.url}/health/ready`);
        last = `${ready.status} ${JSON.stringify(ready.body)}`;
        return ready.status === 503 && last.includes('belongs to database');
      }).catch((error: Error) => {
        throw new Error(`${error.message}; last answer: ${last}\n${blocked?.output().slice(-2000)}`);
      });
      const ready = await httpStatus(`${blocked.url}/health/ready`);
      expect(ready.body).toMatchObject({ status: 'error', error: { service: { status: 'down', capture: 'failed' } } });
      // Its stores answer: only the service itself is not ready, and the process is alive.
      expect(ready.body).toMatchObject({ info: { postgres: { status: 'up' }, kafka: { status: 'up' } } });
      expect((await httpStatus(`${blocked.url}/health/live`)).status).toBe(200);
    } finally {
      await blocked?.stop();
      await squatter.teardown().catch(() => undefined);
      await other.drop();
    }
  }, 120_000);
});
