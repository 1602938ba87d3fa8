import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { WeaviateClient } from 'weaviate-client';
import { ENTITY_TOPICS, type MigratedEntity } from '@mch/contracts';
import { analyticsTableFor } from '@mch/data-clickhouse-analytics';
import { allCollections, indexCollectionNames } from '@mch/data-weaviate-index';
import { createClickHouse } from '@mch/infra-clickhouse';
import { createKafka } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { createMigratedDatabase, freePort, runEntry, waitReady, type MigratedDatabase } from '@mch/testing-stack';
import { clickhouseEnvSchema, kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { startLiveWriter } from './support/live-writer';
import { TEST_API_TOKEN, WORKSPACE_ROOT, bearer, startService, waitFor, type ServiceProcess } from './support/service-process';

const ENTITIES = Object.keys(ENTITY_TOPICS) as MigratedEntity[];
const SCREENSHOT = path.join(WORKSPACE_ROOT, 'dist/dashboard/dashboard.png');
type Store = 'postgres' | 'kafka' | 'clickhouse' | 'weaviate';

/**
 * Issue #15 item 2: the migration dashboard the consistency checker serves, opened in Debian's
 * Chromium (tools/stack/chromium.sh) through playwright-core while the services migrate a monolith
 * that a live writer keeps changing. What the page shows is compared with what each store holds,
 * read directly here; screenshots (during the backfill, and at the end) are saved under dist/dashboard/.
 */
describe('migration dashboard in headless Chromium (live migration, real stores)', () => {
  const run = `dash-${randomUUID().slice(0, 8)}`;
  const prefix = `${run}.`;
  const collectionPrefix = `Dash${randomUUID().slice(0, 8).replace(/[^a-z0-9]/gi, '')}`;
  const chDatabase = `e2e_${run.replace(/-/g, '_')}`;
  const groups = { clickhouse: `${run}-clickhouse`, weaviate: `${run}-weaviate` };
  const quiet = createLogger({ service: 'dashboard-e2e', level: 'error', sink: () => undefined });
  const kafka: Kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'dashboard-e2e', logger: quiet });
  const chConfig = loadConfig(clickhouseEnvSchema);
  const services: ServiceProcess[] = [];
  let db: MigratedDatabase;
  let clickhouse: ClickHouseClient;
  let weaviate: WeaviateClient;
  let browser: Browser;
  let page: Page;
  let checker: ServiceProcess;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const executablePath = execFileSync('bash', [path.join(WORKSPACE_ROOT, 'tools/stack/chromium.sh'), 'path'], { encoding: 'utf8' }).trim();
    // Nothing may leave the machine: no background fetches, updates, sync or QUIC probes (the
    // closed network refuses them, noisily); runs as root in CI, hence no sandbox.
    browser = await chromium.launch({
      executablePath,
      chromiumSandbox: false,
      args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-domain-reliability', '--no-pings'],
    });
    db = await createMigratedDatabase('dashboard_e2e', { load: { opportunities: 150, seed: 21 } });
    const admin = createClickHouse(chConfig, { applicationName: 'dashboard-e2e', logger: quiet });
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${chDatabase}` });
    await admin.close();
    clickhouse = createClickHouse({ ...chConfig, CLICKHOUSE_DATABASE: chDatabase }, { applicationName: 'dashboard-e2e', logger: quiet });
    weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
    env = { ...process.env, PGDATABASE: db.name, CLICKHOUSE_DATABASE: chDatabase, MIGRATION_RUN: run, API_TOKEN: TEST_API_TOKEN, LOG_LEVEL: 'warn' };
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    for (const service of services) await service.stop();
    await runEntry('apps/kafka-migrator/src/main.ts', ['teardown-capture'], { ...env, TOPIC_PREFIX: prefix }).catch(() => undefined);
    await db?.drop();
    await clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${chDatabase}` }).catch(() => undefined);
    await clickhouse?.close();
    for (const name of allCollections(indexCollectionNames(collectionPrefix))) await weaviate?.collections.delete(name).catch(() => undefined);
    await weaviate?.close();
    const admin = kafka.admin();
    await admin.connect();
    const own = (await admin.listTopics()).filter((t) => t.startsWith(prefix) || t.startsWith(`dlq.${prefix}`));
    await admin.deleteTopics({ topics: own }).catch(() => undefined);
    await admin.disconnect();
  }, 120_000);

  /** What the page shows in one cell of the rows table, as a number (null for n/a or -). */
  async function shown(entity: MigratedEntity, store: Store): Promise<number | null> {
    const text = (await page.textContent(`tr[data-entity="${entity}"] td[data-store="${store}"]`))?.trim() ?? '';
    return /^[\d,]+$/.test(text) ? Number(text.replace(/,/g, '')) : null;
  }

  /** Each store's count read directly, the way the dashboard promises to count it. */
  async function held(entity: MigratedEntity, store: Store): Promise<number | null> {
    if (store === 'postgres') {
      const { rows } = await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${ENTITY_TOPICS[entity].table}`);
      return Number(rows[0].n);
    }
    if (store === 'kafka') {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const offsets = await admin.fetchTopicOffsets(`${prefix}${ENTITY_TOPICS[entity].name}`);
        return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
      } finally {
        await admin.disconnect();
      }
    }
    if (store === 'clickhouse') {
      const table = analyticsTableFor(entity);
      if (!table) return null;
      const result = await clickhouse.query({
        query: `SELECT count() AS n FROM (SELECT argMax(is_deleted, source_position) AS d FROM ${table.name} GROUP BY ${table.idColumn}) WHERE d = 0`,
        format: 'JSONEachRow',
      });
      return Number((await result.json<{ n: string }>())[0].n);
    }
    const names = indexCollectionNames(collectionPrefix);
    const collection = entity === 'opportunity' ? names.opportunity : entity === 'contract_document' ? names.contractDocument : null;
    if (!collection) return null;
    return (await weaviate.collections.use(collection).aggregate.overAll()).totalCount;
  }

  async function groupLag(groupId: string, topics: string[]): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      let lag = 0;
      const committed = await admin.fetchOffsets({ groupId, topics });
      for (const topic of topics) {
        for (const end of await admin.fetchTopicOffsets(topic)) {
          const at = committed.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
          lag += Number(end.high) - Number(at === '-1' ? end.low : at);
        }
      }
      return lag;
    } finally {
      await admin.disconnect();
    }
  }

  it('shows each store\'s rows, backfill progress, lag and the verdict as the stores hold them, live, without a reload', async () => {
    const topic = (entity: MigratedEntity) => `${prefix}${ENTITY_TOPICS[entity].name}`;
    const migrator = startService('kafka-migrator', await freePort(), { ...env, ENTITIES: ENTITIES.join(','), CAPTURE_MODE: 'logical', TOPIC_PREFIX: prefix });
    services.push(migrator);
    await waitReady(migrator);
    const populator = startService('clickhouse-populator', await freePort(), { ...env, CLICKHOUSE_POPULATOR_TOPIC_PREFIX: prefix, CLICKHOUSE_POPULATOR_GROUP_ID: groups.clickhouse });
    const indexer = startService('weaviate-indexer', await freePort(), {
      ...env,
      WEAVIATE_COLLECTION_PREFIX: collectionPrefix,
      INDEXER_OPPORTUNITY_TOPIC: topic('opportunity'),
      INDEXER_DOCUMENT_TOPIC: topic('contract_document'),
      INDEXER_GROUP_ID: groups.weaviate,
    });
    checker = startService('consistency-checker', await freePort(), {
      ...env,
      CONSISTENCY_TOPIC_PREFIX: prefix,
      CONSISTENCY_WEAVIATE_PREFIX: collectionPrefix,
      CONSISTENCY_DASHBOARD_GROUPS: `${groups.clickhouse},${groups.weaviate}`,
      CONSISTENCY_INTERVAL_SECONDS: '0',
      CONSISTENCY_IN_FLIGHT_LAG_SECONDS: '0',
    });
    services.push(populator, indexer, checker);
    await Promise.all([waitReady(populator), waitReady(indexer), waitReady(checker)]);

    // The page is open before anything is migrated; everything after comes from its own polling.
    page = await browser.newPage({ viewport: { width: 1700, height: 1000 } });
    const served = await page.goto(`${checker.url}/dashboard`);
    expect(served?.status()).toBe(200);
    await page.waitForSelector('tr[data-entity="opportunity"]');
    expect(await page.textContent('#verdict')).toBe('no check yet');
    const before = await shown('opportunity', 'kafka');

    const writer = startLiveWriter(db.pool, run, []);
    const backfill = runEntry('apps/kafka-migrator/src/main.ts', [], { ...env, MIGRATOR_MODE: 'backfill', ENTITIES: ENTITIES.join(','), CAPTURE_MODE: 'logical', TOPIC_PREFIX: prefix });
    // Live: the numbers move on the page that was loaded once (the script polls; no reload here).
    const polls = Number(await page.getAttribute('body', 'data-polls'));
    await waitFor('the page to show opportunity events arriving', async () => ((await shown('opportunity', 'kafka')) ?? 0) > (before ?? 0), 60_000);
    expect(Number(await page.getAttribute('body', 'data-polls'))).toBeGreaterThan(polls);
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-during.png'), fullPage: true });
    const job = await backfill;
    expect({ code: job.code, tail: job.code === 0 ? '' : (job.stderr + job.stdout).slice(-3000) }).toEqual({ code: 0, tail: '' });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const written = await writer.stop();
    expect(written.errors).toEqual([]);
    expect(written.transactions).toBeGreaterThan(5);

    // Converged: both consumers at the topics' ends, the stores no longer move.
    const chTopics = ['opportunity', 'proposal', 'contract_document', 'usage_record'].map((e) => topic(e as MigratedEntity));
    const wvTopics = [topic('opportunity'), topic('contract_document')];
    await waitFor('the consumers caught up', async () => (await groupLag(groups.clickhouse, chTopics)) === 0 && (await groupLag(groups.weaviate, wvTopics)) === 0, 120_000);

    // Every number the page shows equals the store's own count (waited for: the page polls every 2 s).
    const pairs = ENTITIES.flatMap((entity) => (['postgres', 'kafka', 'clickhouse', 'weaviate'] as Store[]).map((store) => ({ entity, store })));
    const compare = async () =>
      Promise.all(pairs.map(async ({ entity, store }) => ({ pair: `${entity} ${store}`, page: await shown(entity, store), store: await held(entity, store) })));
    const lagCells = [
      ...chTopics.map((t) => `tr[data-group="${groups.clickhouse}"][data-topic="${t}"] td[data-field="lag"]`),
      ...wvTopics.map((t) => `tr[data-group="${groups.weaviate}"][data-topic="${t}"] td[data-field="lag"]`),
    ];
    const shownLag = async () => Promise.all(lagCells.map(async (cell) => (await page.textContent(cell)) ?? 'missing'));
    // One poll may predate the consumers' last commit: wait for a poll after it, then compare.
    await waitFor('the page to show what the stores hold', async () => (await shownLag()).every((l) => l === '0') && (await compare()).every((c) => c.page === c.store), 30_000).catch(() => undefined);
    const compared = await compare();
    expect(compared.filter((c) => c.page !== c.store)).toEqual([]);
    // Not a table of zeros: the migrated rows are there.
    expect(compared.find((c) => c.pair === 'opportunity weaviate')?.store).toBeGreaterThanOrEqual(150);

    for (const entity of ENTITIES) {
      expect(await page.textContent(`tr[data-entity="${entity}"] td[data-field="backfill-status"]`)).toMatch(/^completed \(1 shard\)$/);
      expect(await page.textContent(`tr[data-entity="${entity}"] td[data-field="progress"]`)).toContain('100%');
    }
    expect(await shownLag()).toEqual(lagCells.map(() => '0'));

    // A check run (the state-changing endpoint needs the credential); the verdict and history follow.
    const started = await fetch(`${checker.url}/consistency/runs`, { method: 'POST', headers: bearer() });
    expect(started.status).toBe(202);
    let recorded: { id: string; status: string } | undefined;
    await waitFor('the check run recorded', async () => {
      recorded = (await db.pool.query<{ id: string; status: string }>(`SELECT id::text, status FROM consistency_check_runs ORDER BY started_at DESC LIMIT 1`)).rows[0];
      return recorded !== undefined;
    }, 120_000);
    expect(recorded?.status).toBe('passed');
    await page.waitForSelector(`#history tr[data-run="${recorded?.id}"]`, { timeout: 15_000 });
    expect(await page.textContent('#verdict')).toBe('CONSISTENT');
    expect(await page.textContent(`#history tr[data-run="${recorded?.id}"] td[data-field="verdict"]`)).toBe('consistent');
    expect(await page.textContent('#errors')).toBe('');

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  }, 420_000);
});
