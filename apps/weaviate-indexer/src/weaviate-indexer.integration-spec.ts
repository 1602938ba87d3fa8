import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import {
  countObjects,
  indexEnvelope,
  openIndexerTestStores,
  produceEnvelopes,
  readOpportunities,
  sampleDocument,
  sampleOpportunity,
  uniqueIndexerTopics,
  uniqueIndexNames,
} from '@mch/data-weaviate-index/testing';
import { createMigratedDatabase, freePort, type MigratedDatabase } from '@mch/testing-stack';

const ROOT = path.resolve(__dirname, '../../..');
const MAIN = 'apps/weaviate-indexer/src/main.ts';
const OPPORTUNITIES = 1_500;
const RUN = `run-${randomBytes(3).toString('hex')}`;
const PRODUCTS = ['nitrile gloves', 'knee implants', 'infusion pumps', 'wound dressings', 'surgical masks', 'catheters'];

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

const lines = (output: string): LogLine[] =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('weaviate-indexer app as a child process (real Kafka, Weaviate and PostgreSQL)', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let client: WeaviateClient;
  let closeStores: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  const ids = Array.from({ length: OPPORTUNITIES }, () => randomUUID());
  const suffix = randomBytes(4).toString('hex');
  const topics = uniqueIndexerTopics('app');
  const names = uniqueIndexNames('App');
  const migrationId = randomUUID();

  function start(): { exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; kill: () => void; output: () => string } {
    let output = '';
    const child = spawn(process.execPath, ['-r', './tools/scripts/register.js', MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return {
      exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
      kill: () => child.kill('SIGKILL'),
      output: () => output,
    };
  }

  function cli(...args: string[]): { status: number | null; lines: LogLine[]; output: string } {
    const run = spawnSync(process.execPath, ['-r', './tools/scripts/register.js', MAIN, ...args], { cwd: ROOT, env, encoding: 'utf8' });
    return { status: run.status, lines: lines(run.stdout), output: run.stdout + run.stderr };
  }

  beforeAll(async () => {
    db = await createMigratedDatabase('wvi_app');
    ({ kafka, client, close: closeStores } = await openIndexerTestStores(topics, names));
    env = {
      ...process.env,
      PGDATABASE: db.name,
      HTTP_PORT: String(await freePort()),
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      MIGRATION_ID: migrationId,
      WEAVIATE_COLLECTION_PREFIX: names.opportunity.replace(/Opportunity$/, ''),
      INDEXER_OPPORTUNITY_TOPIC: topics.opportunity,
      INDEXER_DOCUMENT_TOPIC: topics.document,
      // Small batches: the kill lands mid-stream, between commits.
      INDEXER_MAX_BATCH_RECORDS: '200',
      INDEXER_MAX_BATCH_WAIT_MS: '50',
      WEAVIATE_BATCH_SIZE: '100',
      WEAVIATE_BATCH_CONCURRENCY: '2',
      INDEXER_JOB_POLL_MS: '200',
    };
    const envelopes = ids.map((id, i) =>
      indexEnvelope('opportunity', id, sampleOpportunity(id, { title: `${PRODUCTS[i % PRODUCTS.length]} lot ${i}` }), {
        operation: 'snapshot',
        position: 1,
        migrationRun: RUN,
        migrationId,
      }),
    );
    await produceEnvelopes(kafka, topics.opportunity, envelopes);
    await produceEnvelopes(
      kafka,
      topics.document,
      ids.slice(0, 100).map((id) => {
        const docId = randomUUID();
        return indexEnvelope('contract_document', docId, sampleDocument(docId, id), { operation: 'snapshot', position: 1, migrationRun: RUN, migrationId });
      }),
    );
  });

  afterAll(async () => {
    await closeStores();
    await db.drop();
  });

  it('a Job killed with SIGKILL mid-stream and started again indexes everything, then exits 0', async () => {
    const first = start();
    await waitFor('the first objects', async () => (await client.collections.exists(names.opportunity)) && (await countObjects(client, names.opportunity)) >= 300);
    first.kill();
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const afterKill = await countObjects(client, names.opportunity);
    expect(afterKill).toBeLessThan(OPPORTUNITIES);

    const second = start();
    const { code } = await second.exited;
    expect({ code, output: code === 0 ? '' : second.output() }).toEqual({ code: 0, output: '' });
    const complete = lines(second.output()).find((l) => l.msg.startsWith('job complete'));
    expect(complete).toBeDefined();

    const stored = await readOpportunities(client, names.opportunity);
    expect(stored.size).toBe(OPPORTUNITIES);
    for (const [i, id] of ids.entries()) {
      expect(stored.get(id)).toMatchObject({ title: `${PRODUCTS[i % PRODUCTS.length]} lot ${i}`, sourcePosition: 'lsn:0000000000000001', migrationRun: RUN });
    }
    expect(stored.get(ids[0])?.requirements).toEqual(sampleDocument(randomUUID(), ids[0]).requirements);
  });

  it('backs up, deletes a migration run and restores it from the command line', async () => {
    const before = await readOpportunities(client, names.opportunity);
    const backupId = `it-${suffix}`;
    const backup = cli('backup', '--id', backupId);
    expect(backup.status).toBe(0);
    expect(backup.lines.find((l) => l.msg === 'backup done')?.result).toMatchObject({ backupId, status: 'SUCCESS' });

    const dryRun = cli('delete-run', '--migration-run', RUN, '--dry-run');
    expect(dryRun.lines.find((l) => l.msg === 'delete-run done')?.result).toEqual([
      { collection: names.opportunity, objects: OPPORTUNITIES },
      { collection: names.contractDocument, objects: 100 },
      { collection: names.tombstone, objects: 0 },
    ]);
    expect(cli('delete-run', '--migration-run', RUN).status).toBe(0);
    expect(await countObjects(client, names.opportunity)).toBe(0);

    const refused = cli('restore', '--id', backupId);
    expect(refused.status).toBe(2);
    expect(refused.output).toMatch(/pass replace \(--replace\) to delete them first/);
    expect(cli('restore', '--id', backupId, '--replace').status).toBe(0);
    expect(await readOpportunities(client, names.opportunity)).toEqual(before);
  });

  it('rejects bad usage with exit code 2 and the usage text', () => {
    const bad = cli('delete-run', '--migration-run', RUN, '--migration-id', migrationId);
    expect(bad.status).toBe(2);
    expect(bad.output).toMatch(/delete-run needs exactly one of --migration-run and --migration-id/);
    expect(bad.output).toMatch(/usage: weaviate-indexer/);
    expect(cli('reindex').status).toBe(2);
  });
});
