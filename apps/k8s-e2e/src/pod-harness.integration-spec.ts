// Every workload of each overlay run the way its pod would run (libs/testing/k8s-harness): the
// image's entry point from the Dockerfile's final stage over the real app build, the container's
// args, the environment from the rendered ConfigMaps, the Secrets an operator creates (from the
// local stack's credentials) and the downward API, pointed at the local stack (a fresh database,
// ClickHouse database, topic prefix and collection prefix per overlay run). The Jobs run in the
// order of k8s/README.md's runbook and must do their work; the long-running pods answer their
// probes; the AnalysisTemplate's metrics are evaluated as Argo Rollouts does.
// Production runs on the TLS instance of the stack (tools/stack/tls-stack.sh; started here if it is
// not up, stopped again if this spec started it): its PostgreSQL refuses non-SSL connections, its
// Kafka has only a SASL_SSL listener, ClickHouse and Weaviate serve HTTPS (gRPC with TLS), so every
// step passing means every pod connected with the TLS settings of the rendered manifests
// (k8s/components/store-tls), which the harness does not supply.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENTITY_TOPICS, migrationIdOfRun, type MigratedEntity } from '@mch/contracts';
import { ANALYTICS_TABLES, entityTotals } from '@mch/data-clickhouse-analytics';
import type { DashboardState } from '@mch/data-consistency';
import {
  analysisMetrics,
  exitCodeOf,
  jobOfMetric,
  overlayFromObjects,
  podTemplateOf,
  renderOverlay,
  runJob,
  runWebMetric,
  startLongRunningPod,
  substituteArgs,
  type JobResult,
  type K8sObject,
  type LongRunningPod,
  type RenderedOverlay,
} from '@mch/testing-k8s-harness';
import { readWholeTopic } from '@mch/testing-stack';
import { createHarnessStores, isolateRun, topicCoverage, WORKSPACE_ROOT, type HarnessStores } from './support/harness-stores';
import { serviceUrlRewrite } from './support/service-url';
import { acquireTlsStack, type TlsStackHandle } from './support/tls-stack';

/** Staging connects to the stores in plaintext; production over TLS (k8s/components/store-tls). */
const OVERLAYS = [
  ['staging', 'plaintext'],
  ['production', 'tls'],
] as const;
/** Small enough for a 2-core machine, large enough that every shard of 16 gets rows. */
const OPPORTUNITIES = 240;
/** Tests cannot wait activeDeadlineSeconds (hours); each Job gets this bound, below its own. */
const JOB_BOUND_SECONDS = 180;

const expectJob = (result: JobResult) => {
  if (!result.succeeded) throw new Error(result.summary());
  expect(result.reason).toBe('Complete');
};
const job = (overlay: RenderedOverlay, name: string): K8sObject => {
  const found = overlay.find('Job', name);
  if (!found) throw new Error(`${overlay.path} renders no Job ${name}`);
  return found;
};

describe.each(OVERLAYS)('k8s/overlays/%s run by the pod harness (%s store transport)', (env, transport) => {
  let overlay: RenderedOverlay;
  let stores: HarnessStores;
  let tls: TlsStackHandle | undefined;
  let migrationId: string;
  let cdc: LongRunningPod | undefined;
  const pgCount = async (table: string) => Number((await stores.db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

  beforeAll(async () => {
    overlay = renderOverlay(`k8s/overlays/${env}`, WORKSPACE_ROOT);
    if (transport === 'tls') tls = acquireTlsStack();
    stores = await createHarnessStores(env, OPPORTUNITIES, tls?.env);
    migrationId = migrationIdOfRun(isolateRun(overlay));
  }, 300_000);

  afterAll(async () => {
    await cdc?.stop();
    await stores?.drop();
    tls?.release();
  }, 180_000);

  if (transport === 'tls') {
    it('guard: a workload without the mch-store-ca volume fails at config validation naming PGSSLROOTCERT', async () => {
      // What a pod template the store-tls component missed would look like: the TLS settings from
      // mch-config, but no CA mounted at /etc/medcontracthub/store-ca.
      const objects = structuredClone(overlay.objects);
      const broken = overlayFromObjects(`${overlay.path} (no store CA on schema-migrate)`, objects);
      const workload = job(broken, 'schema-migrate');
      const template = podTemplateOf(broken, workload);
      template.spec.volumes = (template.spec.volumes ?? []).filter((v) => v.configMap?.name !== 'mch-store-ca');
      const container = template.spec.containers[0];
      container.volumeMounts = (container.volumeMounts ?? []).filter((m) => m.mountPath !== '/etc/medcontracthub/store-ca');
      const result = await runJob(stores.context(broken), workload, { maxSeconds: 120 });
      expect(result.succeeded).toBe(false);
      expect(result.pods.length).toBeGreaterThan(0);
      for (const pod of result.pods) {
        expect(pod.code).not.toBe(0);
        expect(pod.output).toMatch(/PGSSLROOTCERT/);
      }
      const applied = await stores.db.pool.query(`SELECT to_regclass('mch_schema_migrations') AS t`);
      expect(applied.rows[0].t).toBeNull();
    }, 180_000);
  }

  it('runbook step 4: Job schema-migrate applies migrations 016-020', async () => {
    expectJob(await runJob(stores.context(overlay), job(overlay, 'schema-migrate'), { maxSeconds: JOB_BOUND_SECONDS }));
    const applied = await stores.db.pool.query<{ name: string }>(`SELECT name FROM mch_schema_migrations ORDER BY id`);
    expect(applied.rows.map((r) => r.name.replace(/\d{13}$/, ''))).toEqual([
      'EventSourcingInfrastructure',
      'MicroservicesTracking',
      'MigrationState',
      'ConsistencyCheckRuns',
      'ProcessingStatusView',
    ]);
  }, 240_000);

  it('runbook step 5: kafka-migrator-cdc answers its probes and sets up change capture', async () => {
    const deployment = overlay.find('Deployment', 'kafka-migrator-cdc');
    if (!deployment) throw new Error('no Deployment kafka-migrator-cdc');
    cdc = await startLongRunningPod(stores.context(overlay), deployment, podTemplateOf(overlay, deployment));
    await cdc.waitUntil('ready', 90_000);
    const status = (await (await fetch(`${cdc.url('http')}/migration/status`)).json()) as { mode?: string };
    expect(['logical', 'trigger']).toContain(status.mode);
  }, 120_000);

  it('runbook steps 6-7: every shard of the Indexed backfill Job completes and together they publish every row once', async () => {
    const backfill = job(overlay, 'kafka-migrator-backfill');
    const spec = backfill.spec as { completions: number };
    const result = await runJob(stores.context(overlay), backfill, { maxSeconds: JOB_BOUND_SECONDS });
    expectJob(result);
    const indexes = result.pods.filter((p) => p.code === 0).map((p) => p.index);
    expect(indexes.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: spec.completions }, (_, i) => i));
    for (const pod of result.pods) expect(pod.output).toContain('"msg":"backfill job finished"');
    for (const entity of Object.keys(ENTITY_TOPICS) as MigratedEntity[]) {
      const rows = await pgCount(ENTITY_TOPICS[entity].table);
      expect({ entity, ...(await topicCoverage(stores, entity, migrationId)) }).toEqual({ entity, messages: rows, rows });
    }
    // A change made now is streamed by the capture pod, which ran through the backfill.
    const inserted = await stores.db.pool.query<{ id: string }>(
      `INSERT INTO opportunities (notice_id, title, agency, posted_date, response_deadline, created_at, updated_at)
       VALUES ($1, 'Changed during the migration', 'INDIAN HEALTH SERVICE', now(), now() + interval '9 days', now(), now()) RETURNING id::text AS id`,
      [`K8S-${migrationId.slice(0, 8)}`],
    );
    await waitFor(() => `the change on the topic (capture pod output: ${cdc?.process.output().slice(-1500)})`, async () =>
      (await readWholeTopic(stores.kafka, stores.topic('opportunity'))).some((m) => {
        const e = JSON.parse(String(m.value)) as { aggregateId: string; metadata: { operation?: string } };
        return e.aggregateId === inserted.rows[0].id && e.metadata.operation === 'insert';
      }),
    60_000);
    // Capture stays up through the backfill (it streams changes made meanwhile); stopped now, as the
    // pod would be on a rollout: SIGTERM, exit within terminationGracePeriodSeconds.
    const pod = cdc;
    cdc = undefined;
    expectCleanStop(await pod?.stop(), pod?.process.output() ?? '');
  }, 300_000);

  it('runbook steps 8-9: Job clickhouse-populator loads every row into ClickHouse; Job weaviate-indexer indexes every opportunity', async () => {
    const [load, index] = await Promise.all([
      runJob(stores.context(overlay), job(overlay, 'clickhouse-populator'), { maxSeconds: JOB_BOUND_SECONDS }),
      runJob(stores.context(overlay), job(overlay, 'weaviate-indexer'), { maxSeconds: JOB_BOUND_SECONDS }),
    ]);
    expectJob(load);
    expectJob(index);
    for (const table of ANALYTICS_TABLES) {
      expect({ table: table.name, rows: (await entityTotals(stores.clickhouse, table)).count }).toEqual({
        table: table.name,
        rows: await pgCount(ENTITY_TOPICS[table.entity].table),
      });
    }
    const indexed = await stores.weaviate.collections.use(stores.collections.opportunity).aggregate.overAll();
    expect(indexed.totalCount).toBe(await pgCount('opportunities'));
  }, 300_000);

  it('runbook steps 10-11: Job consistency-checker exits 0 with a passed report', async () => {
    const result = await runJob(stores.context(overlay), job(overlay, 'consistency-checker'), { maxSeconds: JOB_BOUND_SECONDS });
    expectJob(result);
    expect(reportOf(result).passed).toBe(true);
  }, 240_000);

  it('consistency-checker (Deployment): probes on the declared port, the dashboard page, its state showing what the Jobs migrated, SIGTERM within the grace period', async () => {
    const deployment = overlay.find('Deployment', 'consistency-checker');
    if (!deployment) throw new Error('no Deployment consistency-checker');
    const pod = await startLongRunningPod(stores.context(overlay), deployment, podTemplateOf(overlay, deployment));
    try {
      await pod.waitUntil('ready', 90_000);
      const page = await fetch(`${pod.url('http')}/dashboard`);
      expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      const state = (await (await fetch(`${pod.url('http')}/dashboard/state`)).json()) as DashboardState;
      expect(state.errors).toEqual({});
      expect(state.migrationId).toBe(migrationId);
      const opportunities = await pgCount('opportunities');
      const shown = state.entities.find((e) => e.entity === 'opportunity');
      expect([shown?.postgres.rows, shown?.clickhouse?.rows, shown?.weaviate?.rows]).toEqual([opportunities, opportunities, opportunities]);
      expect(shown?.backfill).toMatchObject({ status: 'completed', fraction: 1 });
      // The consistency-checker Job's recorded run (steps 10-11) is the verdict the page shows.
      expect(state.lastCheck?.verdict).toBe('consistent');
    } finally {
      expectCleanStop(await pod.stop(), pod.process.output());
    }
  }, 240_000);

  it('inference (Deployment): its image carries the pinned model; probes on the declared port, both /vectors forms, SIGTERM within the grace period', async () => {
    const deployment = overlay.find('Deployment', 'inference');
    if (!deployment) throw new Error('no Deployment inference');
    const pod = await startLongRunningPod(stores.context(overlay), deployment, podTemplateOf(overlay, deployment));
    try {
      await pod.waitUntil('ready', 90_000);
      const meta = (await (await fetch(`${pod.url('http')}/meta`)).json()) as { model: { dimensions: number; revision: string } };
      const pinned = /MINILM_ONNX_SHA256=([0-9a-f]{64})/.exec(readFileSync(join(WORKSPACE_ROOT, 'tools/stack/versions.env'), 'utf8'))?.[1];
      expect(meta.model).toMatchObject({ dimensions: 384, revision: pinned?.slice(0, 16) });
      const post = async (body: unknown) =>
        (await fetch(`${pod.url('http')}/vectors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
      const batch = (await post({ texts: ['bandages and gauze', 'wound dressing supplies'] })) as { dims: number[] };
      expect(batch.dims).toEqual([384, 384]);
      expect(((await post({ text: 'ambulance fleet' })) as { dim: number }).dim).toBe(384);
    } finally {
      expectCleanStop(await pod.stop(), pod.process.output());
    }
  }, 180_000);

  it('event-store (Rollout): probes on the declared port, the analysis web metric on its live answer, the job metric, SIGTERM within the grace period', async () => {
    const rollout = overlay.find('Rollout', 'event-store');
    const template = overlay.find('AnalysisTemplate', 'event-store-canary-checks');
    if (!rollout || !template) throw new Error('no Rollout event-store or AnalysisTemplate event-store-canary-checks');
    const pod = await startLongRunningPod(stores.context(overlay), rollout, podTemplateOf(overlay, rollout));
    try {
      await pod.waitUntil('ready', 90_000);
      // The Rollout's analysis step passes these args (canary-service, namespace from metadata.namespace).
      const metrics = substituteArgs(analysisMetrics(template), { 'canary-service': 'event-store-canary', namespace: overlay.namespace });
      const web = metrics.find((m) => m.provider.web);
      const jobMetric = metrics.find((m) => m.provider.job);
      if (!web || !jobMetric) throw new Error('the AnalysisTemplate lacks its web or job metric');
      // count 3 every 1 s instead of 10 every 30 s: same URL, jsonPath and successCondition.
      const measured = await runWebMetric(web, { count: 3, intervalMs: 1_000, urlRewrite: serviceUrlRewrite(overlay, { 'event-store-canary': pod }) });
      expect(measured.measurements.map((m) => m.value)).toEqual(['ok', 'ok', 'ok']);
      expect(measured.phase).toBe('Successful');

      const consistent = await runJob(stores.context(overlay), jobOfMetric(jobMetric, overlay.namespace), { maxSeconds: JOB_BOUND_SECONDS });
      expectJob(consistent);
      expect(reportOf(consistent).passed).toBe(true);
      // A planted discrepancy: one opportunity gone from ClickHouse. The job metric must fail.
      const opportunityTable = ANALYTICS_TABLES.find((t) => t.entity === 'opportunity');
      if (!opportunityTable) throw new Error('no opportunity analytics table');
      const before = (await entityTotals(stores.clickhouse, opportunityTable)).count;
      const victim = await (await stores.clickhouse.query({ query: `SELECT toString(opportunity_id) AS id FROM ${opportunityTable.name} LIMIT 1`, format: 'JSONEachRow' })).json<{ id: string }>();
      await stores.clickhouse.command({ query: `ALTER TABLE ${opportunityTable.name} DELETE WHERE opportunity_id = toUUID('${victim[0].id}')` });
      await waitFor('the ClickHouse delete mutation', async () => (await entityTotals(stores.clickhouse, opportunityTable)).count === before - 1);
      const planted = await runJob(stores.context(overlay), jobOfMetric(jobMetric, overlay.namespace), { maxSeconds: JOB_BOUND_SECONDS });
      expect(planted.succeeded).toBe(false);
      expect(planted.pods.map((p) => p.code)).toEqual([1]);
    } finally {
      expectCleanStop(await pod.stop(), pod.process.output());
    }
  }, 360_000);
});

async function waitFor(what: string | (() => string), predicate: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
}

/** The checker's report: one JSON document on stdout (its logs go to stderr). */
function reportOf(result: JobResult): { passed?: boolean } {
  const pod = result.pods[result.pods.length - 1];
  try {
    return JSON.parse(pod.stdout) as { passed?: boolean };
  } catch {
    throw new Error(`no JSON report on the stdout of ${pod.podName}:\n${pod.output.slice(-3000)}`);
  }
}

/**
 * A clean stop: exit within terminationGracePeriodSeconds, either 0 or by the SIGTERM NestJS
 * re-raises after its shutdown hooks ran (143, as Kubernetes reports it), and no error logged.
 */
function expectCleanStop(stopped: { code: number | null; signal: NodeJS.Signals | null; withinGrace: boolean } | undefined, output: string): void {
  expect(stopped?.withinGrace).toBe(true);
  expect([0, 143]).toContain(stopped ? exitCodeOf(stopped) : -1);
  // kafkajs' group-coordination messages are left out: event-store's consumer group and command
  // topic are fixed names (no setting isolates them), so a concurrent test's event-store rebalances it.
  // Also left out: kafkajs logging, at error level, a broker's UNKNOWN_TOPIC_OR_PARTITION answer to a
  // Metadata request for a topic created a moment before (KRaft metadata catching up; kafkajs retries
  // it). Seen on the TLS instance, whose per-run topics are always new.
  const benign = /group is rebalancing|not aware of this member|coordinator|Response Metadata\(key: 3[^"]*".*This server does not host this topic-partition/i;
  const errors = output.split('\n').filter((l) => /"level":"(error|fatal)"/.test(l) && !benign.test(l));
  expect(errors).toEqual([]);
}
