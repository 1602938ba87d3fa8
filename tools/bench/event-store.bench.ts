import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { EventStore } from '@mch/data-event-store';
import { DEFAULT_RELAY_OPTIONS, OUTBOX_ROW_COLUMNS, OutboxRelay, outboxMessage, type OutboxRow } from '@mch/data-outbox';
import { createMigratedDatabase } from '@mch/testing-stack';
import { createLogger } from '@mch/util-logger';
import { inParallel, timed, type BenchResult } from './bench-report';
import { createRecordProducer, createTopicsAndWait } from '@mch/infra-kafka';
import { KAFKA_PRODUCER_CLIENTS, type KafkaProducerClient } from '@mch/util-config';

const quiet = createLogger({ service: 'bench', level: 'error', sink: () => undefined });

function payload(i: number): Record<string, unknown> {
  return {
    noticeId: `VA-26-${String(i).padStart(6, '0')}`,
    title: 'Surgical instruments, orthopedic implants and related supplies for VA medical centers',
    agency: 'VETERANS AFFAIRS, DEPARTMENT OF',
    naicsCode: '339113',
    responseDeadline: '2026-12-31T17:00:00.000Z',
  };
}

/**
 * Appends/s through the event store (version check, event insert, outbox insert, one
 * transaction) against plain INSERTs of the same rows into event_store; relay publish/s, through each
 * producer client, against sendBatch of the same messages to the same broker. Same run, same machine.
 */
export async function benchEventStore(kafka: Kafka, events: number): Promise<BenchResult[]> {
  const aggregates = Math.max(1, Math.floor(events / 10));
  const concurrency = 8;
  const db = await createMigratedDatabase('bench_event_store', { monolith: true });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `bench.eventstore.${randomUUID()}`;
  const baselineTopic = `bench.baseline.${randomUUID()}`;
  await createTopicsAndWait(admin, { topics: [topic, baselineTopic].map((t) => ({ topic: t, numPartitions: 6 })) });
  try {
    const ids = Array.from({ length: aggregates }, () => randomUUID());
    const store = new EventStore(db.pool, { topicFor: () => topic, snapshotEvery: 0 });
    const versions = new Array<number>(aggregates).fill(0);
    const appends = await timed(() =>
      inParallel(events, concurrency, async (i) => {
        const a = i % aggregates;
        const expected = versions[a];
        versions[a] = expected + 1;
        await store.append({
          aggregateId: ids[a],
          aggregateType: 'Opportunity',
          expectedVersion: expected,
          events: [{ eventType: 'OpportunityUpdated', data: payload(i) }],
        });
      }),
    );

    const baselineIds = Array.from({ length: aggregates }, () => randomUUID());
    const inserts = await timed(() =>
      inParallel(events, concurrency, async (i) => {
        await db.pool.query(
          `INSERT INTO event_store (aggregate_id, aggregate_type, event_type, event_version, event_data)
           VALUES ($1, 'Opportunity', 'OpportunityUpdated', $2, $3)`,
          [baselineIds[i % aggregates], Math.floor(i / aggregates) + 1, JSON.stringify(payload(i))],
        );
      }),
    );

    // The relay through each producer client, each against sendBatch of the same messages on the same client.
    const relayed = {} as Record<KafkaProducerClient, { relay: number; sendBatch: number }>;
    for (const client of KAFKA_PRODUCER_CLIENTS) {
      // The rows the previous client published go back to pending: the same rows, the same batches.
      await db.pool.query(`UPDATE event_outbox SET status = 'pending', published_at = NULL, attempts = 0, next_attempt_at = now() WHERE topic = $1`, [topic]);
      const producer = createRecordProducer(kafka, { client });
      await producer.connect();
      try {
        // 200 aggregates of 10 events fill a 2,000-row batch; claiming all of them at once (as before
        // pipelining) would leave the next batch nothing to claim while this one is in flight.
        const relay = new OutboxRelay(db.pool, producer, quiet, { ...DEFAULT_RELAY_OPTIONS, rowsPerBatch: 2_000, aggregatesPerBatch: 200 });
        // drain() is the relay's pipelined loop (the one start() runs), until nothing is left.
        const published = await timed(async () => (await relay.drain()).published);
        if (published.result !== events) throw new Error(`relay (${client}) published ${published.result} of ${events}`);
        // The same messages as the relay sent: key, value and every header, built by the relay's own function.
        const rows = await db.pool.query<OutboxRow>(`SELECT ${OUTBOX_ROW_COLUMNS} FROM event_outbox WHERE topic = $1 ORDER BY position`, [topic]);
        const messages = rows.rows.map(outboxMessage);
        const sent = await timed(async () => {
          for (let i = 0; i < messages.length; i += 2_000) {
            await producer.sendBatch({ acks: -1, topicMessages: [{ topic: baselineTopic, messages: messages.slice(i, i + 2_000) }] });
          }
        });
        relayed[client] = { relay: events / published.seconds, sendBatch: events / sent.seconds };
      } finally {
        await producer.disconnect();
      }
    }

    return [
      {
        case: 'event-store append',
        measured: `${events} appends, ${concurrency} clients`,
        rate: events / appends.seconds,
        unit: 'events/s',
        baseline: 'plain INSERT into event_store, same rows',
        baselineRate: events / inserts.seconds,
      },
      // Issue #16's goal: against kafkajs sendBatch of the same messages.
      {
        case: 'outbox relay publish',
        measured: `${events} outbox rows, 1 relay, @platformatic/kafka`,
        rate: relayed.platformatic.relay,
        unit: 'msgs/s',
        baseline: 'kafkajs sendBatch, same messages, 2000/batch',
        baselineRate: relayed.kafkajs.sendBatch,
      },
      {
        case: 'outbox relay publish',
        measured: `${events} outbox rows, 1 relay, kafkajs`,
        rate: relayed.kafkajs.relay,
        unit: 'msgs/s',
        baseline: 'kafkajs sendBatch, same messages, 2000/batch',
        baselineRate: relayed.kafkajs.sendBatch,
      },
      // The relay's own overhead: against its client's send of the same messages.
      {
        case: 'outbox relay publish',
        measured: `${events} outbox rows, 1 relay, @platformatic/kafka`,
        rate: relayed.platformatic.relay,
        unit: 'msgs/s',
        baseline: '@platformatic/kafka send, same messages, 2000/batch',
        baselineRate: relayed.platformatic.sendBatch,
      },
    ];
  } finally {
    await admin.deleteTopics({ topics: [topic, baselineTopic] }).catch(() => undefined);
    await admin.disconnect();
    await db.drop();
  }
}
