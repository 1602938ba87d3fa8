import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { ENTITY_TOPICS, EVENT_STORE_TOPIC } from '@mch/contracts';
import { createClickHouseTestDatabase, type ClickHouseTestDatabase } from '@mch/data-clickhouse-analytics/testing';
import { createMigratedDatabase, freePort, type MigratedDatabase } from '@mch/testing-stack';
import { createKafka } from '@mch/infra-kafka';
import { connectWeaviate } from '@mch/infra-weaviate';
import { kafkaEnvSchema, loadConfig, weaviateEnvSchema } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { waitReady } from './support/api-services';
import { TEST_API_TOKEN, WORKSPACE_ROOT, bearer, startService, waitFor, type ServiceProcess } from './support/service-process';

/** The consistency-checker's image entry point with a one-shot command; resolves with stdout and the exit code. */
function checkerCommand(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['-r', './tools/scripts/register.js', 'apps/consistency-checker/src/main.ts', ...args], {
    cwd: WORKSPACE_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const opportunity = {
  noticeId: 'LINEAGE-1',
  title: 'Portable X-ray units',
  description: 'Digital radiography, 12 units',
  agency: 'VETERANS AFFAIRS, DEPARTMENT OF',
  subAgency: null,
  office: null,
  noticeType: 'Solicitation',
  baseType: 'Solicitation',
  naicsCode: '339112',
  naicsDescription: null,
  setAsideType: null,
  contractType: null,
  classificationCode: null,
  status: 'active',
  solicitationNumber: null,
  postedDate: '2026-03-01T14:00:00.000Z',
  responseDeadline: '2026-04-01T21:00:00.000Z',
  archiveDate: null,
  awardDate: null,
  awardAmount: '125000.00',
  estimatedValueMin: null,
  estimatedValueMax: null,
  awardeeName: null,
  placeOfPerformanceState: null,
  placeOfPerformanceCity: null,
  primaryContactName: null,
  primaryContactEmail: null,
  samUrl: null,
  syncVersion: 1,
  createdAt: '2026-03-01T15:00:00.000Z',
  updatedAt: '2026-03-01T15:00:00.000Z',
};

interface Lineage {
  correlationId: string;
  eventStore: { eventId: string; aggregateId: string; causationId: string | null }[];
  outbox: { topic: string; eventId: string; status: string; causationId: string | null }[];
  processing: { service: string; entityId: string; status: string; causationId: string | null }[];
  kafka: { topic: string; partition: number; offset: string; eventId: string; causationId: string | null; headers: Record<string, string> }[];
  clickhouse: { table: string; id: string; eventId: string; causationId: string | null; sourcePosition: string }[];
  weaviate: { collection: string; objectId: string; eventId: string; causationId: string | null }[];
  notes: string[];
  errors: unknown[];
}

describe('one correlation id sent over HTTP to the event store, followed to Kafka, ClickHouse and Weaviate', () => {
  const run = randomBytes(4).toString('hex');
  const prefix = `it.lineage.${run}.`;
  const collections = `Lin${run}`;
  const eventStoreTopic = `${prefix}${EVENT_STORE_TOPIC.name}`;
  let db: MigratedDatabase;
  let ch: ClickHouseTestDatabase;
  let kafka: Kafka;
  const services: ServiceProcess[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = await createMigratedDatabase('lineage_e2e');
    ch = await createClickHouseTestDatabase('lineage_e2e');
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'lineage-e2e', logger: createLogger({ service: 'e2e', level: 'error', sink: () => undefined }) });
    env = { ...process.env, PGDATABASE: db.name, CLICKHOUSE_DATABASE: ch.name, API_TOKEN: TEST_API_TOKEN, LOG_LEVEL: 'warn' };
  }, 120_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    const admin = kafka.admin();
    await admin.connect();
    const own = (await admin.listTopics()).filter((t) => t.startsWith(prefix) || t.startsWith(`dlq.${prefix}`));
    await admin.deleteTopics({ topics: own }).catch(() => undefined);
    await admin.disconnect();
    const weaviate = await connectWeaviate(loadConfig(weaviateEnvSchema));
    for (const name of ['Opportunity', 'ContractDocument', 'IndexTombstone']) await weaviate.collections.delete(`${collections}${name}`).catch(() => undefined);
    await weaviate.close();
    await ch?.drop();
    await db?.drop();
  }, 240_000);

  it('the lineage command shows its event-store and outbox rows, Kafka messages, ClickHouse row and Weaviate object, each with its causation id', async () => {
    const eventStore = startService('event-store', await freePort(), {
      ...env,
      EVENT_STORE_TOPIC: eventStoreTopic,
      // Documents too: the indexer reads both topics, and the relay creates the topics it writes.
      EVENT_STORE_ENTITY_EVENTS: 'opportunity,contract_document',
      EVENT_STORE_ENTITY_TOPIC_PREFIX: prefix,
      OUTBOX_RELAY_POLL_MS: '50',
    });
    services.push(eventStore);
    await waitReady(eventStore);

    const correlationId = randomUUID();
    const requestCause = randomUUID();
    const aggregateId = randomUUID();
    const response = await fetch(`${eventStore.url}/streams/${aggregateId}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId, 'x-causation-id': requestCause, ...bearer() },
      body: JSON.stringify({ aggregateType: 'Opportunity', expectedVersion: 'no_stream', events: [{ eventType: 'OpportunityPosted', data: opportunity }] }),
    });
    expect(response.status).toBe(201);
    const [appended] = ((await response.json()) as { events: { eventId: string }[] }).events;
    await waitFor('both outbox rows published', async () => {
      const rows = await db.pool.query(`SELECT count(*)::int AS n FROM event_outbox WHERE correlation_id = $1 AND status = 'published'`, [correlationId]);
      return rows.rows[0].n === 2;
    });

    const populator = startService('clickhouse-populator', await freePort(), {
      ...env,
      CLICKHOUSE_POPULATOR_ENTITIES: 'opportunity',
      CLICKHOUSE_POPULATOR_TOPIC_PREFIX: prefix,
      CLICKHOUSE_POPULATOR_GROUP_ID: `${prefix}clickhouse`,
      CLICKHOUSE_POPULATOR_BATCH_WAIT_MS: '100',
      CLICKHOUSE_POPULATOR_LOG_SUCCEEDED: 'true',
    });
    const indexer = startService('weaviate-indexer', await freePort(), {
      ...env,
      WEAVIATE_COLLECTION_PREFIX: collections,
      INDEXER_OPPORTUNITY_TOPIC: `${prefix}${ENTITY_TOPICS.opportunity.name}`,
      INDEXER_DOCUMENT_TOPIC: `${prefix}${ENTITY_TOPICS.contract_document.name}`,
      INDEXER_GROUP_ID: `${prefix}weaviate`,
      INDEXER_MAX_BATCH_WAIT_MS: '100',
      INDEXER_LOG_SUCCEEDED: 'true',
    });
    services.push(populator, indexer);
    await Promise.all([waitReady(populator), waitReady(indexer)]);

    const lineageEnv = {
      ...env,
      CONSISTENCY_TOPIC_PREFIX: prefix,
      CONSISTENCY_WEAVIATE_PREFIX: collections,
      CONSISTENCY_KAFKA_TIMEOUT_SECONDS: '60',
      LOG_LEVEL: 'warn',
    };
    let lineage: Lineage | undefined;
    let last = '';
    await waitFor(
      'the id in ClickHouse and Weaviate',
      async () => {
        const result = await checkerCommand(['lineage', '--correlation-id', correlationId], lineageEnv);
        last = `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
        if (result.code !== 0) return false;
        lineage = JSON.parse(result.stdout) as Lineage;
        return lineage.clickhouse.length > 0 && lineage.weaviate.length > 0 && lineage.processing.length === 2;
      },
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last lineage: ${last}\npopulator: ${populator.output().slice(-2_000)}\nindexer: ${indexer.output().slice(-2_000)}`);
    });
    const report = lineage as Lineage;
    const entityEventId = report.outbox.find((o) => o.topic !== eventStoreTopic)?.eventId;

    expect(report.errors).toEqual([]);
    expect(report.eventStore).toEqual([expect.objectContaining({ eventId: appended.eventId, aggregateId, causationId: requestCause })]);
    expect(report.outbox).toEqual([
      expect.objectContaining({ topic: eventStoreTopic, eventId: appended.eventId, status: 'published', causationId: requestCause }),
      expect.objectContaining({ topic: `${prefix}${ENTITY_TOPICS.opportunity.name}`, status: 'published', causationId: appended.eventId }),
    ]);
    expect(report.kafka.map((m) => [m.topic, m.eventId, m.causationId, m.headers['correlation-id']]).sort()).toEqual(
      [
        [eventStoreTopic, appended.eventId, requestCause, correlationId],
        [`${prefix}${ENTITY_TOPICS.opportunity.name}`, entityEventId, appended.eventId, correlationId],
      ].sort(),
    );
    expect(report.kafka.every((m) => m.partition >= 0 && BigInt(m.offset) >= 0n)).toBe(true);
    expect(report.clickhouse).toEqual([expect.objectContaining({ table: 'opportunity_events', id: aggregateId, eventId: entityEventId, causationId: appended.eventId })]);
    expect(report.weaviate).toEqual([
      expect.objectContaining({ collection: `${collections}Opportunity`, objectId: aggregateId, eventId: entityEventId, causationId: appended.eventId }),
    ]);

    // Both services logged their success, caused by the entity event; the status view answers from it.
    expect(report.processing.map((p) => [p.service, p.entityId, p.status, p.causationId]).sort()).toEqual([
      ['clickhouse-populator', aggregateId, 'succeeded', entityEventId],
      ['weaviate-indexer', aggregateId, 'succeeded', entityEventId],
    ]);
    const status = await db.pool.query(
      `SELECT processed_by_services ?& array['clickhouse-populator', 'weaviate-indexer'] AS both, analytics_synced, embedding_version,
              event_stream_position, processing_correlation_id::text
         FROM entity_processing_status WHERE entity_type = 'Opportunity' AND entity_id = $1`,
      [aggregateId],
    );
    expect(status.rows).toEqual([
      { both: true, analytics_synced: true, embedding_version: 1, event_stream_position: report.clickhouse[0].sourcePosition, processing_correlation_id: correlationId },
    ]);

    // The checker service answers the same over HTTP, and refuses an id that is not a UUID.
    const checker = startService('consistency-checker', await freePort(), { ...lineageEnv, CONSISTENCY_INTERVAL_SECONDS: '0' });
    services.push(checker);
    await waitReady(checker);
    const overHttp = await fetch(`${checker.url}/consistency/correlations/${correlationId}/lineage`, { headers: bearer() });
    expect(overHttp.status).toBe(200);
    const fromService = (await overHttp.json()) as Lineage;
    expect({ ...fromService, notes: [] }).toEqual({ ...report, notes: [] });
    const bad = await fetch(`${checker.url}/consistency/correlations/not-a-uuid/lineage`, { headers: bearer() });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'correlationId' } });
  }, 400_000);
});
