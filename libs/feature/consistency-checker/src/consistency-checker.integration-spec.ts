import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import { migrateIntoStores, type MigratedStores } from '@mch/data-consistency/testing';
import type { ConsistencyReport } from '@mch/data-consistency';
import { consumerDeadLetter, deadLetterHeaders, deadLetterValue } from '@mch/contracts';
import { createIdempotentProducer, createKafka, createTopicsAndWait } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { bootstrapService, type RunningService } from '@mch/nest-bootstrap';
import { createMigratedDatabase, freePort, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig, weaviateEnvSchema, type Env } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { consistencyCheckerConfigSchema } from './consistency-checker.config';
import { ConsistencyCheckerModule } from './consistency-checker.module';
import { ExitCode, runConsistencyCommand } from './consistency.cli';
import { parseExposition, sumOf } from '@mch/util-metrics';

const ROOT = path.resolve(__dirname, '../../../..');
const logger = createLogger({ service: 'consistency-checker-it', level: 'error', sink: () => undefined });
/** POST /consistency/runs changes state: the service requires this bearer token (API_TOKEN). */
const API_TOKEN = randomBytes(24).toString('hex');

function runCli(args: string[], env: Env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['-r', './tools/scripts/register.js', 'apps/consistency-checker/src/cli.ts', ...args],
      { cwd: ROOT, env: env as NodeJS.ProcessEnv },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('consistency-checker service and Job (real stores)', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let weaviate: WeaviateClient;
  let stores: MigratedStores;
  let env: Env;

  beforeAll(async () => {
    db = await createMigratedDatabase('consistency_feature', { load: { opportunities: 300, seed: 41 } });
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'consistency-feature-it', logger });
    weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
    stores = await migrateIntoStores(db.pool, kafka, weaviate, 'feature', {
      entities: ['opportunity'],
      chunkRows: 300,
      vectorDimensions: 16,
    });
    env = {
      ...process.env,
      PGDATABASE: db.name,
      CLICKHOUSE_DATABASE: stores.clickhouse.name,
      CONSISTENCY_ENTITIES: 'opportunity',
      CONSISTENCY_TOPIC_PREFIX: stores.topicPrefix,
      CONSISTENCY_WEAVIATE_PREFIX: stores.collectionPrefix,
      CONSISTENCY_MIGRATION_ID: stores.run.migrationId,
      CONSISTENCY_IN_FLIGHT_LAG_SECONDS: '0',
      CONSISTENCY_KAFKA_TIMEOUT_SECONDS: '60',
      LOG_LEVEL: 'error',
    };
  }, 120_000);
  afterAll(async () => {
    await stores?.close();
    await weaviate?.close();
    await db?.drop();
  });

  describe('service mode', () => {
    let service: RunningService;

    beforeAll(async () => {
      const port = await freePort();
      service = await bootstrapService(
        {
          name: 'consistency-checker',
          stores: ['postgres', 'kafka', 'clickhouse', 'weaviate'],
          config: consistencyCheckerConfigSchema,
          imports: [ConsistencyCheckerModule],
        },
        { ...env, HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1', CONSISTENCY_INTERVAL_SECONDS: '0', API_TOKEN },
      );
    }, 60_000);
    afterAll(async () => {
      await service?.app.close();
    });

    it('serves the latest report over HTTP once a requested run completes, with gauges and history', async () => {
      expect((await fetch(`${service.url}/consistency/report`)).status).toBe(404);
      const trigger = await fetch(`${service.url}/consistency/runs`, {
        method: 'POST',
        headers: { 'x-correlation-id': '7f0e6a4c-1d2b-4c3a-9e8f-0a1b2c3d4e5f', authorization: `Bearer ${API_TOKEN}` },
      });
      expect({ status: trigger.status, body: await trigger.json() }).toEqual({
        status: 202,
        body: { status: 'started' },
      });
      let report: ConsistencyReport | null = null;
      for (let i = 0; i < 300 && report === null; i++) {
        const response = await fetch(`${service.url}/consistency/report`);
        if (response.status === 200) report = (await response.json()) as ConsistencyReport;
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(report).toMatchObject({ passed: true, migrationId: stores.run.migrationId });
      expect(report?.entities[0].counts).toEqual({
        postgres: 300,
        kafka: 300,
        clickhouse: 300,
        weaviate: 300,
      });

      const metrics = parseExposition(await (await fetch(`${service.url}/metrics`)).text());
      expect(sumOf(metrics, 'mch_consistency_check_passed')).toBe(1);
      expect(sumOf(metrics, 'mch_consistency_rows', { entity: 'opportunity', store: 'weaviate' })).toBe(300);
      expect(
        sumOf(metrics, 'mch_consistency_discrepancies', { entity: 'opportunity', target: 'clickhouse', kind: 'missing' }),
      ).toBe(0);
      expect(sumOf(metrics, 'mch_consistency_event_store_problems', { kind: 'version_gaps' })).toBe(0);

      const table = await (await fetch(`${service.url}/consistency/report.txt`)).text();
      expect(table).toMatch(
        /opportunity\s+postgres\/weaviate\s+content\s+300\s+300\s+300\s+0\s+0\s+0\s+0\s+0\s+0\.0000%\s+ok/,
      );
      const history = (await (await fetch(`${service.url}/consistency/runs?limit=5`)).json()) as {
        id: string;
        status: string;
      }[];
      expect(history[0]).toMatchObject({ id: report?.runId, status: 'passed' });

      const id = (await db.pool.query<{ id: string }>(`SELECT id::text AS id FROM opportunities LIMIT 1`))
        .rows[0].id;
      const lineage = await (await fetch(`${service.url}/consistency/lineage/opportunity/${id}`)).json();
      expect(lineage).toMatchObject({
        id,
        errors: [],
        kafka: { versions: [{ correlationId: stores.run.correlationId }] },
        weaviate: { object: { objectId: id } },
      });
      expect((await fetch(`${service.url}/consistency/lineage/nothing/${id}`)).status).toBe(400);
    });
  });

  describe('Job mode exit codes', () => {
    it('exits 0 when every check passes, printing the table', async () => {
      const result = await runCli(['check', '--format', 'table', '--record', 'false'], env);
      expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: ExitCode.Passed });
      expect(result.stdout).toContain('PASSED');
      expect(result.stdout).toMatch(/opportunity\s+postgres\/clickhouse/);
    }, 60_000);

    it('exits 2 on bad arguments, naming the option', async () => {
      const result = await runCli(['check', '--mode', 'everything'], env);
      expect(result.code).toBe(ExitCode.Usage);
      expect(result.stderr).toContain('CONSISTENCY_MODE');
    }, 60_000);

    it('exits 1 when a threshold is broken and 3 when a store cannot be read', async () => {
      const id = (
        await db.pool.query<{ id: string }>(`SELECT id::text AS id FROM opportunities ORDER BY id LIMIT 1`)
      ).rows[0].id;
      await weaviate.collections
        .use(stores.names.opportunity)
        .data.update({ id, properties: { title: 'drifted' } });
      const failed = await runConsistencyCommand(
        ['check', '--targets', 'weaviate', '--event-store', 'none'],
        env,
        logger,
      );
      expect(failed.exitCode).toBe(ExitCode.Failed);
      const report = JSON.parse(failed.output) as ConsistencyReport;
      expect(report.entities[0].pairs[0].different.ids).toEqual([id]);
      // The plan's absolute limit alone (100) tolerates one difference; the rate limit is what fails here.
      const lenient = await runConsistencyCommand(
        ['check', '--targets', 'weaviate', '--event-store', 'none', '--max-rate', '1'],
        env,
        logger,
      );
      expect(lenient.exitCode).toBe(ExitCode.Passed);

      const unreadable = await runConsistencyCommand(
        ['check', '--targets', 'clickhouse', '--event-store', 'none'],
        { ...env, CLICKHOUSE_DATABASE: 'it_absent_database' },
        logger,
      );
      expect(unreadable.exitCode).toBe(ExitCode.Unreadable);
      expect((JSON.parse(unreadable.output) as ConsistencyReport).failures[0]).toMatch(
        /^opportunity postgres\/clickhouse: clickhouse could not be read: /,
      );
    }, 60_000);

    it('exits 4 when the only rows missing beyond the thresholds are dead-lettered, 1 while no dead letter explains them', async () => {
      const id = (
        await db.pool.query<{ id: string }>(`SELECT id::text AS id FROM opportunities ORDER BY id OFFSET 1 LIMIT 1`)
      ).rows[0].id;
      await weaviate.collections.use(stores.names.opportunity).data.deleteById(id);
      // One difference is tolerated (the drifted title of the test before); the missing object is a second.
      const args = ['check', '--targets', 'weaviate', '--event-store', 'none', '--max-discrepancies', '1', '--max-rate', '1', '--record', 'false'];
      const unexplained = await runConsistencyCommand(args, env, logger);
      expect(unexplained.exitCode).toBe(ExitCode.Failed);

      // The indexer's dead letter for it, on the consumer's dead-letter topic of the run.
      const topic = `${stores.topicPrefix}contracts.opportunities.events`;
      const dlq = `dlq.${topic}`;
      const admin = kafka.admin();
      await admin.connect();
      await createTopicsAndWait(admin, { topics: [{ topic: dlq, numPartitions: 1 }] });
      const producer = createIdempotentProducer(kafka);
      await producer.connect();
      try {
        const letter = consumerDeadLetter({
          stage: 'weaviate-indexer',
          service: 'weaviate-indexer',
          original: { topic, partition: 0, offset: '7', key: id, value: '{"not":"an event"}', headers: { 'migration-id': stores.run.migrationId }, exact: true },
          entity: null,
          id,
          reason: { code: 'VALIDATION_FAILED', message: `opportunity ${id}: field (value) is invalid`, field: '(value)' },
        });
        await producer.send({ topic: dlq, acks: -1, messages: [{ key: id, value: deadLetterValue(letter), headers: deadLetterHeaders(letter) }] });
        const result = await runCli([...args, '--format', 'table'], env);
        expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: ExitCode.DeadLettered });
        expect(result.stdout).toContain('PASSED EXCEPT 1 DEAD-LETTERED ROWS');
        expect(result.stdout).toContain(`${id} by weaviate-indexer: VALIDATION_FAILED (field (value))`);
      } finally {
        await producer.disconnect();
        await admin.deleteTopics({ topics: [dlq] }).catch(() => undefined);
        await admin.disconnect();
      }
    }, 90_000);
  });
});
