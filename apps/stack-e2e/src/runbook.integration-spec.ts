// docs/runbook.md is this test's source: every `bash` block runs, in order, in one shell against
// the local stack, and must give the answer its header names. Isolated by a database, ClickHouse
// database, topic prefix, collection prefix, consumer groups and ports of its own.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ENTITY_TOPICS, EVENT_STORE_TOPIC } from '@mch/contracts';
import { clickhouseEnvSchema, kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { createClickHouse } from '@mch/infra-clickhouse';
import { createKafka } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { WORKSPACE_ROOT, createMigratedDatabase, freePort, type MigratedDatabase } from '@mch/testing-stack';
import { parseRunbook, type RunbookStep } from './support/runbook-doc';
import { RunbookShell } from './support/runbook-shell';

const steps = parseRunbook(readFileSync(path.join(WORKSPACE_ROOT, 'docs/runbook.md'), 'utf8'));
const suffix = randomBytes(4).toString('hex');
const runName = `runbook-${suffix}`;
const topicPrefix = `${runName}.`;
const collectionPrefix = `Runbook${suffix}`;
const clickhouseDatabase = `runbook_${suffix}`;
/** Every step's command, output and exit code, for reading after a run (dist/ is not committed). */
const transcripts = path.join(WORKSPACE_ROOT, 'dist/runbook-transcript');
const logger = createLogger({ service: 'runbook-spec', level: 'error', sink: () => undefined });

describe('docs/runbook.md, every command in order against the local stack', () => {
  let db: MigratedDatabase;
  let shell: RunbookShell;
  let dir: string;
  let failed: string | null = null;

  beforeAll(async () => {
    // The monolith as the operator finds it: its tables and rows, none of the toolkit's migrations.
    db = await createMigratedDatabase('runbook', { migrations: false, load: { opportunities: 1000, seed: 7 } });
    const clickhouse = createClickHouse(loadConfig(clickhouseEnvSchema), { applicationName: 'runbook-spec', logger });
    await clickhouse.command({ query: `CREATE DATABASE ${clickhouseDatabase}` });
    await clickhouse.close();
    rmSync(transcripts, { recursive: true, force: true });
    mkdirSync(transcripts, { recursive: true });
    dir = mkdtempSync(path.join(tmpdir(), 'mch-runbook-'));
    const overrides = {
      PGDATABASE: db.name,
      CLICKHOUSE_DATABASE: clickhouseDatabase,
      MIGRATION_RUN: runName,
      RUNBOOK_DIR: dir,
      TOPIC_PREFIX: topicPrefix,
      CLICKHOUSE_POPULATOR_TOPIC_PREFIX: topicPrefix,
      CONSISTENCY_TOPIC_PREFIX: topicPrefix,
      EVENT_STORE_TOPIC: `${topicPrefix}${EVENT_STORE_TOPIC.name}`,
      WEAVIATE_COLLECTION_PREFIX: collectionPrefix,
      CONSISTENCY_WEAVIATE_PREFIX: collectionPrefix,
      INDEXER_OPPORTUNITY_TOPIC: `${topicPrefix}${ENTITY_TOPICS.opportunity.name}`,
      INDEXER_DOCUMENT_TOPIC: `${topicPrefix}${ENTITY_TOPICS.contract_document.name}`,
      CLICKHOUSE_POPULATOR_GROUP_ID: `${runName}-clickhouse`,
      INDEXER_GROUP_ID: `${runName}-weaviate`,
      EVENT_STORE_PORT: String(await freePort()),
      CDC_PORT: String(await freePort()),
      POPULATOR_PORT: String(await freePort()),
      INDEXER_PORT: String(await freePort()),
    };
    writeFileSync(path.join(dir, 'overrides.env'), Object.entries(overrides).map(([k, v]) => `export ${k}=${v}\n`).join(''));
    shell = new RunbookShell(WORKSPACE_ROOT, { ...process.env, RUNBOOK_OVERRIDES: path.join(dir, 'overrides.env') });
  }, 120_000);

  afterAll(async () => {
    // The runbook's last step stops its services; after a failure they are stopped here.
    for (const file of dir ? readdirSync(dir).filter((f) => f.endsWith('.pid')) : []) {
      const pid = Number(readFileSync(path.join(dir, file), 'utf8'));
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already ended
      }
    }
    await shell?.close();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    if (db) {
      await db.pool.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database() AND NOT active`).catch(() => undefined);
      await db.drop();
    }
    const clickhouse = createClickHouse(loadConfig(clickhouseEnvSchema), { applicationName: 'runbook-spec', logger });
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${clickhouseDatabase}` }).catch(() => undefined);
    await clickhouse.close();
    const kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'runbook-spec', logger }).admin();
    await kafka.connect();
    const own = (await kafka.listTopics()).filter((t) => t.startsWith(topicPrefix) || t.startsWith(`dlq.${topicPrefix}`));
    if (own.length > 0) await kafka.deleteTopics({ topics: own }).catch(() => undefined);
    await kafka.disconnect();
    const weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
    for (const name of ['Opportunity', 'ContractDocument', 'IndexTombstone']) await weaviate.collections.delete(`${collectionPrefix}${name}`).catch(() => undefined);
    await weaviate.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('names a step for every bash block, in the order pre, during, post, rollback', () => {
    expect(steps.length).toBeGreaterThan(20);
    const order = ['env', 'pre', 'dur', 'post', 'rb', 'end'];
    const phases = steps.map((s) => order.indexOf(s.id.split('-')[0]));
    expect(phases.every((p) => p >= 0)).toBe(true);
    expect(phases).toEqual([...phases].sort((a, b) => a - b));
  });

  it.each(steps.map((s) => [s.id, s] as [string, RunbookStep]))('%s', async (_id, step) => {
    if (failed) throw new Error(`not run: step ${failed} failed before it`);
    const result = await shell.run(step.command, step.timeoutSeconds * 1000).catch((error: unknown) => {
      failed = step.id;
      throw error;
    });
    const answer = { exitCode: result.exitCode, output: result.output };
    const index = String(steps.indexOf(step) + 1).padStart(2, '0');
    writeFileSync(path.join(transcripts, `${index}-${step.id}.txt`), `$ ${step.command}\n${result.output}\n[exit ${result.exitCode} after ${result.seconds.toFixed(1)} s]\n`);
    try {
      expect(answer.exitCode).toBe(step.exit);
      for (const re of step.match) expect(answer.output).toMatch(re);
      for (const re of step.nomatch) expect(answer.output).not.toMatch(re);
    } catch (error) {
      failed = step.id;
      throw new Error(`docs/runbook.md line ${step.line}, step ${step.id} (${result.seconds.toFixed(1)} s):\n${(error as Error).message}\n--- output ---\n${result.output.slice(-6_000)}`);
    }
  }, 320_000);
});
