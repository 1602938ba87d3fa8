import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { PoolClient } from 'pg';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createKafka, createIdempotentProducer, createTopicsAndWait } from '@mch/infra-kafka';
import { createLogger } from '@mch/util-logger';
import { writeOutbox, type OutboxMessage } from './outbox.writer';
import { DEFAULT_RELAY_OPTIONS, OutboxRelay } from './outbox.relay';

const ROOT = path.resolve(__dirname, '../../../..');
const quiet = createLogger({ service: 'outbox-it', level: 'error', sink: () => undefined });

interface Received {
  key: string;
  outboxId: string;
  seq: number;
  headers: Record<string, string>;
}

async function consumeAll(kafka: Kafka, topic: string, expectedDistinct: number, timeoutMs = 90_000): Promise<Received[]> {
  const consumer = kafka.consumer({ groupId: `outbox-it-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: Received[] = [];
  const distinct = new Set<string>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${distinct.size}/${expectedDistinct} outbox ids arrived`)), timeoutMs);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          const value = JSON.parse(String(message.value)) as { seq: number };
          received.push({ key: String(message.key), outboxId: headers['outbox-id'], seq: value.seq, headers });
          distinct.add(headers['outbox-id']);
          if (distinct.size === expectedDistinct) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return received;
}

describe('OutboxRelay with real PostgreSQL and Kafka', () => {
  let db: MigratedDatabase;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const topics: string[] = [];

  beforeAll(async () => {
    db = await createMigratedDatabase('outbox_relay');
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'outbox-it', logger: quiet });
    admin = kafka.admin();
    await admin.connect();
    producer = createIdempotentProducer(kafka);
    await producer.connect();
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
    await db?.drop();
  });

  async function newTopic(partitions = 4): Promise<string> {
    const topic = `it.outbox.${randomUUID()}`;
    await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: partitions }] });
    topics.push(topic);
    return topic;
  }

  async function enqueue(topic: string, aggregates: number, perAggregate: number, extra: Partial<OutboxMessage> = {}): Promise<number> {
    const client: PoolClient = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const ids = Array.from({ length: aggregates }, () => randomUUID());
      // Interleaved, like real traffic: aggregate rows are not contiguous in position order.
      const messages: OutboxMessage[] = [];
      for (let seq = 1; seq <= perAggregate; seq++) {
        for (const aggregateId of ids) {
          messages.push({ aggregateId, aggregateType: 'Opportunity', eventType: 'OpportunityUpdated', topic, payload: { seq }, ...extra });
        }
      }
      await writeOutbox(client, messages);
      await client.query('COMMIT');
      return messages.length;
    } finally {
      client.release();
    }
  }

  it('publishes pending rows with key, headers and payload, and marks them published', async () => {
    const topic = await newTopic();
    const correlationId = randomUUID();
    const total = await enqueue(topic, 5, 3, { correlationId });
    const relay = new OutboxRelay(db.pool, producer, quiet);
    while ((await relay.runOnce()).published > 0);
    const received = await consumeAll(kafka, topic, total);
    expect(received).toHaveLength(total);
    expect(received.every((m) => m.headers['correlation-id'] === correlationId && m.headers['event-type'] === 'OpportunityUpdated')).toBe(true);
    const left = await db.pool.query(`SELECT count(*)::int AS n FROM event_outbox WHERE topic = $1 AND status <> 'published'`, [topic]);
    expect(left.rows[0].n).toBe(0);
  });

  it('two relays working at once keep every aggregate in order and publish each row once', async () => {
    const topic = await newTopic();
    const total = await enqueue(topic, 40, 25);
    const options = { ...DEFAULT_RELAY_OPTIONS, aggregatesPerBatch: 7, rowsPerBatch: 30, pollIntervalMs: 10 };
    const relays = [new OutboxRelay(db.pool, producer, quiet, options), new OutboxRelay(db.pool, producer, quiet, options)];
    const drainRelay = async (relay: OutboxRelay) => {
      for (let idle = 0; idle < 3; ) idle = (await relay.runOnce()).published === 0 ? idle + 1 : 0;
    };
    await Promise.all(relays.map(drainRelay));
    const received = await consumeAll(kafka, topic, total);
    expect(received).toHaveLength(total);
    for (const [, seqs] of groupSeqs(received)) expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  /** Writes seq from..to for each aggregate, interleaved, in one transaction per seq. */
  async function enqueueFor(topic: string, aggregateIds: string[], from: number, to: number): Promise<number> {
    let written = 0;
    for (let seq = from; seq <= to; seq++) {
      const client = await db.pool.connect();
      try {
        await client.query('BEGIN');
        await writeOutbox(
          client,
          aggregateIds.map((aggregateId) => ({ aggregateId, aggregateType: 'Opportunity', eventType: 'OpportunityUpdated', topic, payload: { seq } })),
        );
        await client.query('COMMIT');
        written += aggregateIds.length;
      } finally {
        client.release();
      }
    }
    return written;
  }

  async function markCounts(topic: string): Promise<{ status: string; attempts: number; n: number }[]> {
    const counts = await db.pool.query(
      `SELECT status, attempts, count(*)::int AS n FROM event_outbox WHERE topic = $1 GROUP BY status, attempts ORDER BY status, attempts`,
      [topic],
    );
    return counts.rows;
  }

  it('drain() pipelines batches and marks every row published exactly once', async () => {
    const topic = await newTopic();
    const total = await enqueue(topic, 30, 20);
    // Small batches that cut aggregates in two, so later rows wait behind batches in flight.
    const relay = new OutboxRelay(db.pool, producer, quiet, { ...DEFAULT_RELAY_OPTIONS, aggregatesPerBatch: 4, rowsPerBatch: 25, batchesInFlight: 3 });
    const result = await relay.drain();
    expect(result).toEqual({ published: total, failed: 0, deadLettered: 0 });
    // A second mark of a row would show as attempts = 2.
    expect(await markCounts(topic)).toEqual([{ status: 'published', attempts: 1, n: total }]);
    const received = await consumeAll(kafka, topic, total);
    expect(received).toHaveLength(total);
    for (const [, seqs] of groupSeqs(received)) expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('three pipelined relays, with events still arriving, keep every aggregate in order and send and mark each row once', async () => {
    const topic = await newTopic(6);
    const ids = Array.from({ length: 40 }, () => randomUUID());
    let total = await enqueueFor(topic, ids, 1, 20);
    const options = { ...DEFAULT_RELAY_OPTIONS, aggregatesPerBatch: 5, rowsPerBatch: 40, pollIntervalMs: 5, batchesInFlight: 3 };
    const relays = Array.from({ length: 3 }, () => new OutboxRelay(db.pool, producer, quiet, options));
    relays.forEach((relay) => relay.start());
    try {
      // Later events of aggregates whose earlier events are claimed or on their way to Kafka.
      total += await enqueueFor(topic, ids, 21, 50);
      for (let waited = 0; ; waited += 50) {
        const left = await db.pool.query(`SELECT count(*)::int AS n FROM event_outbox WHERE topic = $1 AND status <> 'published'`, [topic]);
        if (left.rows[0].n === 0) break;
        if (waited > 120_000) throw new Error(`${left.rows[0].n} rows still unpublished`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
    }
    expect(await markCounts(topic)).toEqual([{ status: 'published', attempts: 1, n: total }]);
    const received = await consumeAll(kafka, topic, total);
    // No crash here, so no duplicates either: each row was sent once.
    expect(received).toHaveLength(total);
    const bySeqs = groupSeqs(received);
    expect(bySeqs.size).toBe(ids.length);
    for (const [, seqs] of bySeqs) expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  }, 180_000);

  it('stop() returns only after the batches in flight are committed', async () => {
    const topic = await newTopic();
    const total = await enqueue(topic, 20, 10);
    let committed = 0;
    const relay = new OutboxRelay(db.pool, producer, quiet, {
      ...DEFAULT_RELAY_OPTIONS,
      aggregatesPerBatch: 2,
      rowsPerBatch: 10,
      batchesInFlight: 3,
      onBatch: (result) => (committed += result.published),
    });
    relay.start();
    while (committed === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await relay.stop();
    const seen = committed;
    // Nothing written after stop(): the published count in the table is the one onBatch heard.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const published = await db.pool.query(`SELECT count(*)::int AS n FROM event_outbox WHERE topic = $1 AND status = 'published'`, [topic]);
    expect(published.rows[0].n).toBe(seen);
    expect(committed).toBe(seen);
    expect(seen).toBeLessThan(total);
    const locked = await db.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`);
    expect(locked.rows[0].n).toBe(0);
  });

  it('retries a failing row with back-off, then parks it as dead_letter with its error', async () => {
    const missingTopic = `it.outbox.missing.${randomUUID()}`;
    await enqueue(missingTopic, 1, 1);
    const noRetry = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'outbox-it-noretry', logger: quiet });
    const fragile = noRetry.producer({ retry: { retries: 0 }, allowAutoTopicCreation: false });
    await fragile.connect();
    const relay = new OutboxRelay(db.pool, fragile, quiet, { ...DEFAULT_RELAY_OPTIONS, maxAttempts: 3, backoffBaseMs: 1, backoffMaxMs: 1 });
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(await relay.runOnce());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await fragile.disconnect();
    expect(outcomes.map((o) => [o.failed, o.deadLettered])).toEqual([[1, 0], [1, 0], [0, 1]]);
    const row = await db.pool.query(`SELECT status, attempts, error_message FROM event_outbox WHERE topic = $1`, [missingTopic]);
    expect(row.rows[0]).toMatchObject({ status: 'dead_letter', attempts: 3 });
    expect(row.rows[0].error_message).toMatch(/topic|partition/i);
  });

  it('deletes published rows past retention and keeps the rest', async () => {
    const topic = await newTopic(1);
    await enqueue(topic, 2, 2);
    const relay = new OutboxRelay(db.pool, producer, quiet, { ...DEFAULT_RELAY_OPTIONS, retentionMs: 60_000 });
    while ((await relay.runOnce()).published > 0);
    await db.pool.query(`UPDATE event_outbox SET published_at = now() - interval '2 minutes' WHERE topic = $1 AND payload->>'seq' = '1'`, [topic]);
    await relay.cleanupPublished();
    const left = await db.pool.query(`SELECT payload->>'seq' AS seq FROM event_outbox WHERE topic = $1`, [topic]);
    expect(left.rows.map((r) => r.seq)).toEqual(['2', '2']);
  });

  it('with two relay processes and one SIGKILLed mid-batch, every row reaches Kafka in per-aggregate order', async () => {
    const topic = await newTopic(6);
    const total = await enqueue(topic, 200, 30);
    const env = { ...process.env, PGDATABASE: db.name, LOG_LEVEL: 'warn' };
    const start = (): ChildProcess =>
      spawn(process.execPath, ['-r', './tools/scripts/register.js', 'libs/data/outbox/src/testing/relay.worker.ts'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
    const victim = start();
    const survivor = start();
    try {
      // Kill once the victim has published part of the backlog.
      for (;;) {
        const done = await db.pool.query(`SELECT count(*)::int AS n FROM event_outbox WHERE topic = $1 AND status = 'published'`, [topic]);
        if (done.rows[0].n > total / 10) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      victim.kill('SIGKILL');
      for (let waited = 0; ; waited += 200) {
        const left = await db.pool.query(`SELECT count(*)::int AS n FROM event_outbox WHERE topic = $1 AND status <> 'published'`, [topic]);
        if (left.rows[0].n === 0) break;
        if (waited > 120_000) throw new Error(`${left.rows[0].n} rows still unpublished`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      victim.kill('SIGKILL');
      survivor.kill('SIGTERM');
    }
    const received = await consumeAll(kafka, topic, total);
    // Duplicates are allowed only as repeats of the same outbox id with the same content.
    const byId = new Map<string, Received>();
    for (const message of received) {
      const first = byId.get(message.outboxId);
      if (first) expect([first.key, first.seq]).toEqual([message.key, message.seq]);
      else byId.set(message.outboxId, message);
    }
    expect(byId.size).toBe(total);
    const firstSeen = received.filter((m, i) => received.findIndex((o) => o.outboxId === m.outboxId) === i);
    for (const [, seqs] of groupSeqs(firstSeen)) expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  }, 240_000);
});

function groupSeqs(messages: Received[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const m of messages) byKey.set(m.key, [...(byKey.get(m.key) ?? []), m.seq]);
  return byKey;
}
