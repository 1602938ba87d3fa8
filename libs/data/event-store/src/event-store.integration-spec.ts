import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { DomainException } from '@mch/util-errors';
import { newCorrelationId, runWithCorrelation } from '@mch/util-correlation';
import { EventStore } from './event-store';
import { START_OF_STORE, type ReadCursor, type StoredEvent } from './event-store.types';

describe('EventStore on real PostgreSQL', () => {
  let db: MigratedDatabase;
  let store: EventStore;

  beforeAll(async () => {
    db = await createMigratedDatabase('event_store');
    store = new EventStore(db.pool, { snapshotEvery: 3 });
  });
  afterAll(async () => {
    await db?.drop();
  });

  const created = (title: string) => ({ eventType: 'OpportunityCreated', data: { title } });

  it('of two concurrent appends at the same expected version, exactly one succeeds', async () => {
    for (let round = 0; round < 10; round++) {
      const aggregateId = randomUUID();
      await store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 'no_stream', events: [created('a')] });
      const outcomes = await Promise.allSettled(
        ['left', 'right'].map((side) =>
          store.append({
            aggregateId,
            aggregateType: 'Opportunity',
            expectedVersion: 1,
            events: [{ eventType: 'OpportunityUpdated', data: { side } }],
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(DomainException);
      expect((rejected.reason as DomainException).code).toBe('CONCURRENCY_CONFLICT');
      expect((rejected.reason as DomainException).details).toMatchObject({ id: aggregateId, field: 'expectedVersion' });
      expect((await store.readStream(aggregateId)).map((e) => e.eventVersion)).toEqual([1, 2]);
    }
  });

  it('refuses a stale expected version and writes nothing', async () => {
    const aggregateId = randomUUID();
    await store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 0, events: [created('a'), created('b')] });
    await expect(
      store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 1, events: [created('c')] }),
    ).rejects.toThrow('is at version 2, expected 1');
    const outbox = await db.pool.query('SELECT count(*)::int AS n FROM event_outbox WHERE aggregate_id = $1', [aggregateId]);
    expect(outbox.rows[0].n).toBe(2);
  });

  it('writes one outbox row per event in the same transaction, carrying the correlation id', async () => {
    const aggregateId = randomUUID();
    const correlationId = newCorrelationId();
    const events = await runWithCorrelation({ correlationId }, () =>
      store.append({ aggregateId, aggregateType: 'Proposal', expectedVersion: 'no_stream', events: [created('x'), created('y')] }),
    );
    const rows = await db.pool.query(
      `SELECT event_id, correlation_id, payload, partition_key FROM event_outbox WHERE aggregate_id = $1 ORDER BY position`,
      [aggregateId],
    );
    expect(rows.rows.map((r) => r.event_id)).toEqual(events.map((e) => e.eventId));
    expect(rows.rows.every((r) => r.correlation_id === correlationId && r.partition_key === aggregateId)).toBe(true);
    expect(rows.rows[1].payload).toMatchObject({ eventVersion: 2, data: { title: 'y' }, metadata: { correlationId, source: 'event-store' } });
    const stored = await db.pool.query('SELECT correlation_id FROM event_store WHERE aggregate_id = $1', [aggregateId]);
    expect(stored.rows.every((r) => r.correlation_id === correlationId)).toBe(true);
  });

  it('snapshots every N events and rebuilds state from the newest snapshot plus later events', async () => {
    const aggregateId = randomUUID();
    for (let i = 1; i <= 7; i++) {
      await store.append({
        aggregateId,
        aggregateType: 'Opportunity',
        expectedVersion: i - 1,
        events: [{ eventType: 'OpportunityUpdated', data: { [`f${i}`]: i, last: i } }],
      });
    }
    const snapshots = await db.pool.query('SELECT snapshot_version FROM event_snapshots WHERE aggregate_id = $1 ORDER BY 1', [aggregateId]);
    expect(snapshots.rows.map((r) => r.snapshot_version)).toEqual([3, 6]);
    const aggregate = await store.loadAggregate(aggregateId);
    expect(aggregate).toMatchObject({ version: 7, snapshotVersion: 6 });
    expect(aggregate.state).toEqual({ f1: 1, f2: 2, f3: 3, f4: 4, f5: 5, f6: 6, f7: 7, last: 7 });
  });

  it('a reader polling by position never skips an event whose transaction commits late', async () => {
    const reader = new EventStore(db.pool);
    let cursor: ReadCursor = (await drain(reader, START_OF_STORE)).cursor;
    const t1 = await db.pool.connect();
    const t2 = await db.pool.connect();
    const ids = { late: randomUUID(), early: randomUUID() };
    const insert = (client: PoolClient, aggregateId: string) =>
      client.query(
        `INSERT INTO event_store (aggregate_id, aggregate_type, event_type, event_version, event_data)
         VALUES ($1, 'Opportunity', 'OpportunityCreated', 1, '{}') RETURNING global_position`,
        [aggregateId],
      );
    try {
      await t1.query('BEGIN');
      const p1 = (await insert(t1, ids.late)).rows[0].global_position;
      await t2.query('BEGIN');
      const p2 = (await insert(t2, ids.early)).rows[0].global_position;
      expect(BigInt(p2)).toBe(BigInt(p1) + 1n);
      await t2.query('COMMIT');

      // T2 (position n+1) is committed, T1 (position n) is not: nothing may be delivered yet,
      // or the cursor would move past n and T1's event would be lost.
      const delivered: StoredEvent[] = [];
      for (let poll = 0; poll < 5; poll++) {
        const page = await drain(reader, cursor);
        delivered.push(...page.events);
        cursor = page.cursor;
      }
      expect(delivered.filter((e) => e.aggregateId === ids.early || e.aggregateId === ids.late)).toEqual([]);

      await t1.query('COMMIT');
      // The horizon is cluster-wide: another database's open transaction may hold it a moment longer.
      const ours: StoredEvent[] = [];
      for (let poll = 0; poll < 200 && ours.length < 2; poll++) {
        const page = await drain(reader, cursor);
        cursor = page.cursor;
        ours.push(...page.events.filter((e) => e.aggregateId === ids.early || e.aggregateId === ids.late));
        if (ours.length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(ours.map((e) => e.globalPosition)).toEqual([p1, p2]);
    } finally {
      await t1.query('ROLLBACK').catch(() => undefined);
      await t2.query('ROLLBACK').catch(() => undefined);
      t1.release();
      t2.release();
    }
  });

  it('readAll pages through every committed event once, in commit-safe order', async () => {
    const reader = new EventStore(db.pool);
    const before = await drain(reader, START_OF_STORE, 7);
    const aggregateId = randomUUID();
    await store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 'no_stream', events: Array.from({ length: 25 }, (_, i) => created(`t${i}`)) });
    let all = await drain(reader, START_OF_STORE, 7);
    for (let poll = 0; poll < 200 && all.events.length < before.events.length + 25; poll++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      all = await drain(reader, START_OF_STORE, 7);
    }
    expect(all.events.length).toBe(before.events.length + 25);
    expect(new Set(all.events.map((e) => e.eventId)).size).toBe(all.events.length);
    expect(all.events.filter((e) => e.aggregateId === aggregateId).map((e) => e.eventVersion)).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
  });

  it('maps a value PostgreSQL cannot hold (\\u0000, SQLSTATE 22P05) to VALIDATION_FAILED and writes nothing', async () => {
    const aggregateId = randomUUID();
    await store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 'no_stream', events: [created('a')] });
    const failure = await store
      .append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 'any', events: [created('nul \u0000 inside')] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DomainException);
    expect((failure as DomainException).code).toBe('VALIDATION_FAILED');
    expect((failure as DomainException).details).toMatchObject({ id: aggregateId, field: 'events', sqlState: '22P05' });
    const counts = await db.pool.query(
      `SELECT (SELECT count(*)::int FROM event_store WHERE aggregate_id = $1) AS events,
              (SELECT count(*)::int FROM event_outbox WHERE aggregate_id = $1) AS outbox`,
      [aggregateId],
    );
    expect(counts.rows[0]).toEqual({ events: 1, outbox: 1 });
  });
});

async function drain(store: EventStore, from: ReadCursor, pageSize = 500): Promise<{ events: StoredEvent[]; cursor: ReadCursor }> {
  const events: StoredEvent[] = [];
  let cursor = from;
  for (;;) {
    const page = await store.readAll(cursor, pageSize);
    events.push(...page.events);
    cursor = page.next;
    if (page.events.length < pageSize) return { events, cursor };
  }
}
