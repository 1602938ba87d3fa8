import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { createMigratedDatabase, freePort, readWholeTopic, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createKafka } from '@mch/infra-kafka';
import { createLogger } from '@mch/util-logger';
import { TEST_API_TOKEN, bearer, httpStatus, startService, waitFor, type ServiceProcess } from './support/service-process';

describe('a correlation id sent to the event-store service over HTTP', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let admin: Admin;
  let service: ServiceProcess;
  const topic = `it.eventstore.${randomUUID()}`;

  beforeAll(async () => {
    db = await createMigratedDatabase('event_store_app');
    kafka = createKafka(loadConfig(kafkaEnvSchema), {
      clientId: 'event-store-e2e',
      logger: createLogger({ service: 'e2e', level: 'error', sink: () => undefined }),
    });
    admin = kafka.admin();
    await admin.connect();
    service = startService('event-store', await freePort(), {
      ...process.env,
      PGDATABASE: db.name,
      EVENT_STORE_TOPIC: topic,
      OUTBOX_RELAY_POLL_MS: '50',
      API_TOKEN: TEST_API_TOKEN,
      LOG_LEVEL: 'info',
    });
    await waitFor('event-store ready', async () => (await httpStatus(`${service.url}/health/ready`)).status === 200, 90_000);
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    await db?.drop();
  });

  it('comes out on the Kafka message, in the event row and in the service logs', async () => {
    const correlationId = randomUUID();
    const aggregateId = randomUUID();
    const response = await fetch(`${service.url}/streams/${aggregateId}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId, ...bearer() },
      body: JSON.stringify({
        aggregateType: 'Opportunity',
        expectedVersion: 'no_stream',
        events: [{ eventType: 'OpportunityCreated', data: { title: 'Portable X-ray units' } }],
      }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-correlation-id')).toBe(correlationId);
    const body = (await response.json()) as { events: { eventId: string }[] };

    const row = await db.pool.query('SELECT correlation_id FROM event_store WHERE aggregate_id = $1', [aggregateId]);
    expect(row.rows).toEqual([{ correlation_id: correlationId }]);

    const consumer = kafka.consumer({ groupId: `e2e-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const message = await new Promise<{ headers: Record<string, string>; value: Record<string, unknown> }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message on the event-store topic')), 60_000);
      consumer
        .run({
          eachMessage: async ({ message: m }) => {
            if (String(m.key) !== aggregateId) return;
            clearTimeout(timer);
            resolve({
              headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
              value: JSON.parse(String(m.value)),
            });
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(message.headers['correlation-id']).toBe(correlationId);
    expect(message.headers['causation-id']).toBe(body.events[0].eventId);
    expect(message.value).toMatchObject({ aggregateId, metadata: { correlationId } });

    await waitFor('log line with the correlation id', async () =>
      service
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { correlation_id?: string; msg?: string; status?: number })
        .some((log) => log.correlation_id === correlationId && log.msg === 'http request' && log.status === 201),
    );
  }, 120_000);

  it('applies append commands sent over Kafka with their correlation id, and dead-letters a stale one', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const correlationId = randomUUID();
    const aggregateId = randomUUID();
    const command = (expectedVersion: number | string) => ({
      key: aggregateId,
      value: JSON.stringify({
        aggregateId,
        aggregateType: 'Proposal',
        expectedVersion,
        events: [{ eventType: 'ProposalDrafted', data: { title: 'Wound care supplies' } }],
      }),
      headers: { 'correlation-id': correlationId },
    });
    await producer.send({ topic: 'eventstore.append-requests', messages: [command('no_stream'), command('no_stream')] });
    await producer.disconnect();
    await waitFor('the command applied', async () => {
      const rows = await db.pool.query('SELECT correlation_id FROM event_store WHERE aggregate_id = $1', [aggregateId]);
      return rows.rows.length === 1 && rows.rows[0].correlation_id === correlationId;
    }, 60_000);
    await waitFor('the stale command dead-lettered', async () => {
      const letters = await readWholeTopic(kafka, 'dlq.eventstore.append-requests');
      return letters.some((m) => {
        const letter = JSON.parse(String(m.value)) as { event: { aggregateId: string }; error: { code: string } };
        return letter.event.aggregateId === aggregateId && letter.error.code === 'CONCURRENCY_CONFLICT' && m.headers['correlation-id'] === correlationId;
      });
    }, 60_000);
  }, 150_000);
});
