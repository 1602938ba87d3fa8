import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { WeaviateClient } from 'weaviate-client';
import { parse } from 'yaml';
import { ENTITY_TOPICS } from '@mch/contracts';
import { analyticsTableFor } from '@mch/data-clickhouse-analytics';
import { allCollections, indexCollectionNames } from '@mch/data-weaviate-index';
import { createClickHouse } from '@mch/infra-clickhouse';
import { createKafka } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import {
  TEST_API_TOKEN,
  bearer,
  createMigratedDatabase,
  freePort,
  waitReady,
  type MigratedDatabase,
} from '@mch/testing-stack';
import { clickhouseEnvSchema, kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import {
  metricNamesInPromQL,
  metricOfSample,
  parseExposition,
  samplesOf,
  sumOf,
  type Sample,
} from '@mch/util-metrics';
import { WORKSPACE_ROOT, startService, waitFor, type ServiceProcess } from './support/service-process';

/**
 * Issue #15 items 1 and 3 on the real stack: the five services, started through their entry
 * points, do real work (a backfill Job, changes, a planted malformed message, event appends with
 * a conflict, a consistency check), and each one's /metrics says exactly what happened (counts
 * compared with Kafka's offsets and PostgreSQL's rows, not just present). Then a real Prometheus
 * (Debian's, tools/stack/prometheus.sh, own dir and port) scrapes all five with the project's alert
 * rules: its query API sees every service's series and the dead-letter alert fires.
 */
const OPPORTUNITIES = 120;
const SERVICES = [
  'event-store',
  'kafka-migrator',
  'clickhouse-populator',
  'weaviate-indexer',
  'consistency-checker',
] as const;
type Service = (typeof SERVICES)[number];

function runEntry(
  entry: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['-r', './tools/scripts/register.js', entry, ...args], {
    cwd: WORKSPACE_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('/metrics of every service, and a real Prometheus scraping them', () => {
  const run = `metrics-${randomUUID().slice(0, 8)}`;
  const prefix = `${run}.`;
  const collectionPrefix = `Metrics${randomUUID()
    .slice(0, 8)
    .replace(/[^a-z0-9]/gi, '')}`;
  const chDatabase = `e2e_${run.replace(/-/g, '_')}`;
  const quiet = createLogger({ service: 'e2e', level: 'error', sink: () => undefined });
  const kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'metrics-e2e', logger: quiet });
  const chConfig = loadConfig(clickhouseEnvSchema);
  const opportunityTopic = `${prefix}${ENTITY_TOPICS.opportunity.name}`;
  const documentTopic = `${prefix}${ENTITY_TOPICS.contract_document.name}`;
  const promDir = mkdtempSync(join(tmpdir(), 'mch-prometheus-'));
  let db: MigratedDatabase;
  let clickhouse: ClickHouseClient;
  let weaviate: WeaviateClient;
  let env: NodeJS.ProcessEnv;
  let promEnv: NodeJS.ProcessEnv | undefined;
  const services = new Map<Service, ServiceProcess>();
  const scrapes = new Map<Service, Sample[]>();

  const scrape = async (service: Service): Promise<Sample[]> => {
    const res = await fetch(`${services.get(service)?.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return parseExposition(await res.text());
  };
  /** Messages on a topic (end minus start offsets over its partitions). */
  const messagesOn = async (topic: string): Promise<number> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic)).reduce(
        (n, p) => n + Number(BigInt(p.high) - BigInt(p.low)),
        0,
      );
    } finally {
      await admin.disconnect();
    }
  };

  beforeAll(async () => {
    db = await createMigratedDatabase('metrics_e2e', { load: { opportunities: OPPORTUNITIES, seed: 15 } });
    const admin = createClickHouse(chConfig, { applicationName: 'metrics-e2e', logger: quiet });
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${chDatabase}` });
    await admin.close();
    clickhouse = createClickHouse(
      { ...chConfig, CLICKHOUSE_DATABASE: chDatabase },
      { applicationName: 'metrics-e2e', logger: quiet },
    );
    weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
    env = {
      ...process.env,
      PGDATABASE: db.name,
      CLICKHOUSE_DATABASE: chDatabase,
      MIGRATION_RUN: run,
      LOG_LEVEL: 'warn',
      API_TOKEN: TEST_API_TOKEN,
    };
  }, 120_000);

  afterAll(async () => {
    if (promEnv)
      spawnSync('bash', ['tools/stack/prometheus.sh', 'down'], { cwd: WORKSPACE_ROOT, env: promEnv });
    for (const service of services.values()) await service.stop();
    await runEntry('apps/kafka-migrator/src/main.ts', ['teardown-capture'], {
      ...env,
      ENTITIES: 'opportunity,contract_document',
      CAPTURE_MODE: 'logical',
      TOPIC_PREFIX: prefix,
    }).catch(() => undefined);
    await db?.drop();
    await clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${chDatabase}` }).catch(() => undefined);
    await clickhouse?.close();
    for (const name of allCollections(indexCollectionNames(collectionPrefix)))
      await weaviate?.collections.delete(name).catch(() => undefined);
    await weaviate?.close();
    const admin = kafka.admin();
    await admin.connect();
    const own = (await admin.listTopics()).filter(
      (t) => t.startsWith(prefix) || t.startsWith(`dlq.${prefix}`),
    );
    await admin.deleteTopics({ topics: own }).catch(() => undefined);
    await admin.disconnect();
    rmSync(promDir, { recursive: true, force: true });
  }, 120_000);

  it('each service serves the series it promises, with values that match the work done', async () => {
    // Change capture first, then the sinks, the event store and the checker, all side by side.
    const start = async (name: Service, extra: NodeJS.ProcessEnv) => {
      const service = startService(name, await freePort(), { ...env, ...extra });
      services.set(name, service);
      return service;
    };
    await waitReady(
      await start('kafka-migrator', {
        ENTITIES: 'opportunity,contract_document',
        CAPTURE_MODE: 'logical',
        TOPIC_PREFIX: prefix,
      }),
    );
    await Promise.all([
      start('clickhouse-populator', {
        CLICKHOUSE_POPULATOR_TOPIC_PREFIX: prefix,
        CLICKHOUSE_POPULATOR_ENTITIES: 'opportunity,contract_document',
        CLICKHOUSE_POPULATOR_GROUP_ID: `${run}-clickhouse`,
      }),
      start('weaviate-indexer', {
        WEAVIATE_COLLECTION_PREFIX: collectionPrefix,
        INDEXER_OPPORTUNITY_TOPIC: opportunityTopic,
        INDEXER_DOCUMENT_TOPIC: documentTopic,
        INDEXER_GROUP_ID: `${run}-weaviate`,
      }),
      start('event-store', { EVENT_STORE_TOPIC: `${prefix}eventstore.events`, OUTBOX_RELAY_POLL_MS: '100' }),
      start('consistency-checker', {
        CONSISTENCY_INTERVAL_SECONDS: '0',
        CONSISTENCY_TARGETS: 'kafka',
        CONSISTENCY_ENTITIES: 'opportunity',
        CONSISTENCY_TOPIC_PREFIX: prefix,
        CONSISTENCY_EVENT_STORE: 'none',
        CONSISTENCY_KAFKA_TIMEOUT_SECONDS: '10',
      }),
    ]);
    await Promise.all([...services.values()].map((s) => waitReady(s)));

    // kafka-migrator: the backfill Job (no HTTP port of its own), then two changes.
    const job = await runEntry('apps/kafka-migrator/src/main.ts', [], {
      ...env,
      MIGRATOR_MODE: 'backfill',
      ENTITIES: 'opportunity,contract_document',
      CAPTURE_MODE: 'logical',
      TOPIC_PREFIX: prefix,
    });
    expect({ code: job.code, tail: job.code === 0 ? '' : job.output.slice(-3000) }).toEqual({
      code: 0,
      tail: '',
    });
    const rowsOf = async (table: string) =>
      (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    const backfilled = {
      opportunity: await rowsOf('opportunities'),
      contract_document: await rowsOf('contract_documents'),
    };
    await db.pool.query(
      `INSERT INTO opportunities (notice_id, title, agency, posted_date, response_deadline, created_at, updated_at)
       SELECT 'MET-' || g || '-${run}', 'metrics change ' || g, 'INDIAN HEALTH SERVICE', now(), now() + interval '9 days', now(), now()
         FROM generate_series(1, 2) g`,
    );
    let migrator: Sample[] = [];
    await waitFor('both changes published', async () => {
      migrator = await scrape('kafka-migrator');
      return sumOf(migrator, 'mch_migrator_changes_published_total') === 2;
    });
    for (const entity of ['opportunity', 'contract_document'] as const) {
      const shard = { entity, shard: '0/1' };
      expect(sumOf(migrator, 'mch_backfill_processed_rows', shard)).toBe(backfilled[entity]);
      expect(sumOf(migrator, 'mch_backfill_failed_rows', shard)).toBe(0);
      expect(sumOf(migrator, 'mch_backfill_completed', shard)).toBe(1);
      expect(sumOf(migrator, 'mch_backfill_running', shard)).toBe(0);
      expect(sumOf(migrator, 'mch_backfill_eta_seconds', shard)).toBe(0);
      expect(sumOf(migrator, 'mch_backfill_rate_rows_per_second', shard)).toBeGreaterThan(0);
      expect(sumOf(migrator, 'mch_backfill_estimated_rows', shard)).toBeGreaterThanOrEqual(0);
      expect(sumOf(migrator, 'mch_backfill_last_progress_timestamp_seconds', shard)).toBeGreaterThan(
        Date.now() / 1000 - 600,
      );
    }
    const slot = (
      await db.pool.query<{ slot_name: string }>(
        `SELECT slot_name FROM pg_replication_slots WHERE database = current_database()`,
      )
    ).rows;
    expect(slot).toHaveLength(1);
    expect(
      sumOf(migrator, 'mch_migrator_capture_retained_wal_bytes', { slot: slot[0].slot_name }),
    ).toBeGreaterThan(0);
    expect(
      sumOf(migrator, 'mch_migrator_capture_lag_bytes', { slot: slot[0].slot_name }),
    ).toBeGreaterThanOrEqual(0);
    expect(sumOf(migrator, 'mch_migrator_capture_slot_lost')).toBe(0);
    expect(sumOf(migrator, 'mch_migrator_last_publish_timestamp_seconds')).toBeGreaterThan(
      Date.now() / 1000 - 120,
    );

    // The sinks: one malformed message planted among the real ones is a dead letter in both.
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: opportunityTopic,
      messages: [{ key: randomUUID(), value: 'not an event' }],
    });
    await producer.disconnect();
    const onTopics = {
      [opportunityTopic]: await messagesOn(opportunityTopic),
      [documentTopic]: await messagesOn(documentTopic),
    };
    expect(onTopics[opportunityTopic]).toBe(backfilled.opportunity + 2 + 1);
    for (const [service, group] of [
      ['clickhouse-populator', `${run}-clickhouse`],
      ['weaviate-indexer', `${run}-weaviate`],
    ] as const) {
      let samples: Sample[] = [];
      await waitFor(
        `${service} caught up (lag 0 on every partition)`,
        async () => {
          samples = await scrape(service);
          const lag = samplesOf(samples, 'mch_consumer_lag_messages', { group });
          return (
            lag.length ===
              ENTITY_TOPICS.opportunity.partitions + ENTITY_TOPICS.contract_document.partitions &&
            lag.every((s) => s.value === 0)
          );
        },
        90_000,
      );
      // Written = every message on the topic but the planted one, per topic.
      expect(sumOf(samples, 'mch_consumer_records_written_total', { topic: opportunityTopic })).toBe(
        onTopics[opportunityTopic] - 1,
      );
      expect(sumOf(samples, 'mch_consumer_records_written_total', { topic: documentTopic })).toBe(
        onTopics[documentTopic],
      );
      expect(sumOf(samples, 'mch_dead_letters_total', { stage: service })).toBe(1);
      const written = onTopics[opportunityTopic] - 1 + onTopics[documentTopic];
      // Every written record went through one batch; every batch was timed.
      expect(sumOf(samples, 'mch_consumer_batch_size_records_sum')).toBe(written);
      const batches = sumOf(samples, 'mch_consumer_batch_size_records_count');
      expect(batches).toBeGreaterThanOrEqual(1);
      expect(sumOf(samples, 'mch_consumer_batch_write_duration_seconds_count')).toBe(batches);
      expect(sumOf(samples, 'mch_consumer_batch_write_duration_seconds_sum')).toBeGreaterThan(0);
      scrapes.set(service, samples);
    }
    // The store has the rows the counter says were written (events of one row collapse later; never fewer rows).
    const chRows = await clickhouse.query({
      query: `SELECT count(DISTINCT ${analyticsTableFor('opportunity')?.idColumn}) AS n FROM ${analyticsTableFor('opportunity')?.name}`,
      format: 'JSONEachRow',
    });
    expect(Number((await chRows.json<{ n: string }>())[0].n)).toBe(backfilled.opportunity + 2);

    // event-store: 3 events appended, one stale expected version, one invalid body; the relay publishes the 3.
    const eventStore = services.get('event-store') as ServiceProcess;
    const stream = randomUUID();
    const append = (body: unknown) =>
      fetch(`${eventStore.url}/streams/${stream}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer() },
        body: JSON.stringify(body),
      });
    const events = [1, 2, 3].map((i) => ({
      eventType: 'OpportunityCreated',
      data: { title: `metrics ${i}` },
    }));
    expect(
      (await append({ aggregateType: 'Opportunity', expectedVersion: 'no_stream', events })).status,
    ).toBe(201);
    expect(
      (
        await append({
          aggregateType: 'Opportunity',
          expectedVersion: 'no_stream',
          events: events.slice(0, 1),
        })
      ).status,
    ).toBe(409);
    expect(
      (await append({ aggregateType: 'Opportunity', expectedVersion: 'no_stream', events: [] })).status,
    ).toBe(400);
    let store: Sample[] = [];
    await waitFor('the outbox relayed the three events', async () => {
      store = await scrape('event-store');
      return sumOf(store, 'mch_outbox_published_total') === 3;
    });
    expect(sumOf(store, 'mch_event_store_append_requests_total', { transport: 'http', result: 'ok' })).toBe(
      1,
    );
    expect(
      sumOf(store, 'mch_event_store_append_requests_total', { transport: 'http', result: 'conflict' }),
    ).toBe(1);
    expect(
      sumOf(store, 'mch_event_store_append_requests_total', { transport: 'http', result: 'invalid' }),
    ).toBe(1);
    expect(sumOf(store, 'mch_event_store_events_appended_total', { transport: 'http' })).toBe(3);
    expect(sumOf(store, 'mch_event_store_append_duration_seconds_count', { transport: 'http' })).toBe(3);
    expect(sumOf(store, 'mch_outbox_backlog_events', { status: 'pending' })).toBe(0);
    expect(sumOf(store, 'mch_outbox_oldest_unpublished_age_seconds')).toBe(0);
    scrapes.set('event-store', store);

    // consistency-checker: one check on request; its verdict counted, its row count PostgreSQL's.
    const checker = services.get('consistency-checker') as ServiceProcess;
    expect(
      (await fetch(`${checker.url}/consistency/runs`, { method: 'POST', headers: bearer() })).status,
    ).toBe(202);
    let report: { verdict: string } | null = null;
    await waitFor(
      'the check report',
      async () => {
        const res = await fetch(`${checker.url}/consistency/report`);
        if (res.status === 200) report = (await res.json()) as { verdict: string };
        return report !== null;
      },
      90_000,
    );
    const check = await scrape('consistency-checker');
    expect(
      sumOf(check, 'mch_consistency_checks_total', {
        verdict: (report as unknown as { verdict: string }).verdict,
      }),
    ).toBe(1);
    expect(sumOf(check, 'mch_consistency_checks_total')).toBe(1);
    expect(sumOf(check, 'mch_consistency_rows', { entity: 'opportunity', store: 'postgres' })).toBe(
      await rowsOf('opportunities'),
    );
    scrapes.set('consistency-checker', check);
    scrapes.set('kafka-migrator', await scrape('kafka-migrator'));

    // Every service labels its series with its name and exports the process metrics.
    for (const service of SERVICES) {
      const samples = scrapes.get(service) as Sample[];
      expect(
        samples.filter((s) => s.name.startsWith('mch_')).every((s) => s.labels.service === service),
      ).toBe(true);
      expect(samplesOf(samples, 'process_cpu_seconds_total')).toHaveLength(1);
      expect(sumOf(samples, 'mch_metrics_collector_errors_total')).toBeNaN(); // no collector failed
    }
    // Every metric the alert rules and the Grafana dashboard name is exported by some service.
    const exported = new Set(
      [...scrapes.values()].flatMap((samples) => samples.map((s) => metricOfSample(s.name))),
    );
    const monitoring = join(WORKSPACE_ROOT, 'k8s', 'monitoring');
    const rules = (
      parse(readFileSync(join(monitoring, 'migration.rules.yml'), 'utf8')) as {
        groups: { rules: { expr: string }[] }[];
      }
    ).groups.flatMap((g) => g.rules);
    const panels = (
      JSON.parse(readFileSync(join(monitoring, 'grafana-migration-dashboard.json'), 'utf8')) as {
        panels: { targets?: { expr: string }[] }[];
      }
    ).panels.flatMap((p) => p.targets ?? []);
    const named = new Set([...rules, ...panels].flatMap((r) => metricNamesInPromQL(r.expr)));
    expect([...named].filter((name) => !exported.has(name))).toEqual([]);
  }, 240_000);

  it('a real Prometheus scrapes all five with the alert rules; the query API sees each service and the dead-letter alert fires', async () => {
    expect(scrapes.size).toBe(SERVICES.length); // the previous test's services are running
    const port = await freePort();
    writeFileSync(
      join(promDir, 'migration.rules.yml'),
      readFileSync(join(WORKSPACE_ROOT, 'k8s/monitoring/migration.rules.yml')),
    );
    writeFileSync(
      join(promDir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'rule_files: [migration.rules.yml]',
        'scrape_configs:',
        ...SERVICES.map(
          (s) =>
            `  - { job_name: ${s}, static_configs: [{ targets: ['${new URL(services.get(s)?.url as string).host}'] }] }`,
        ),
        '',
      ].join('\n'),
    );
    promEnv = {
      ...process.env,
      MCH_PROMETHEUS_DIR: promDir,
      MCH_PROMETHEUS_PORT: String(port),
      MCH_PROMETHEUS_CONFIG: join(promDir, 'prometheus.yml'),
    };
    const up = spawnSync('bash', ['tools/stack/prometheus.sh', 'up'], {
      cwd: WORKSPACE_ROOT,
      env: promEnv,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect({ status: up.status, err: up.status === 0 ? '' : up.stderr }).toEqual({ status: 0, err: '' });
    const query = async (q: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await res.json()) as {
        status: string;
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      expect(body.status).toBe('success');
      return body.data.result;
    };
    await waitFor(
      'all five targets up',
      async () => (await query('up == 1')).length === SERVICES.length,
      30_000,
    );
    // One series each service alone exports, with the value its /metrics had.
    const own: Record<Service, [string, number]> = {
      'event-store': ['sum(mch_event_store_events_appended_total{job="event-store"})', 3],
      'kafka-migrator': ['sum(mch_migrator_changes_published_total{job="kafka-migrator"})', 2],
      'clickhouse-populator': ['sum(mch_dead_letters_total{job="clickhouse-populator"})', 1],
      'weaviate-indexer': ['sum(mch_dead_letters_total{job="weaviate-indexer"})', 1],
      'consistency-checker': ['sum(mch_consistency_checks_total{job="consistency-checker"})', 1],
    };
    for (const service of SERVICES) {
      const [q, value] = own[service];
      await waitFor(`${service}: ${q}`, async () => Number((await query(q))[0]?.value[1]) === value, 20_000);
      const names = await query(`count by (__name__) ({job="${service}", __name__=~"mch_.+"})`);
      expect(names.length).toBeGreaterThan(1);
    }
    const populatorWritten = await query(
      'sum by (topic) (mch_consumer_records_written_total{job="clickhouse-populator"})',
    );
    expect(populatorWritten.length).toBe(2);
    // The rules are loaded and evaluated on the scraped series: the planted message's dead letters fire.
    await waitFor(
      'MigrationDeadLettersAppearing firing for both sinks',
      async () => {
        const alerts = await query('ALERTS{alertname="MigrationDeadLettersAppearing", alertstate="firing"}');
        return ['clickhouse-populator', 'weaviate-indexer'].every((s) =>
          alerts.some((a) => a.metric.service === s),
        );
      },
      20_000,
    );
    expect(await query('ALERTS{alertname="MigrationCaptureSlotLost"}')).toEqual([]);
  }, 120_000);
});
