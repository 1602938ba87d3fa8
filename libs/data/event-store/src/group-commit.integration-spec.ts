import { randomUUID } from 'node:crypto';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { DomainException } from '@mch/util-errors';
import { newCorrelationId, runWithCorrelation } from '@mch/util-correlation';
import { EventStore } from './event-store';

/** Group commit on real PostgreSQL: what a batch shares, and what each append keeps for itself. */
describe('EventStore group commit on real PostgreSQL', () => {
  let db: MigratedDatabase;
  let store: EventStore;

  beforeAll(async () => {
    db = await createMigratedDatabase('event_store_group_commit');
    store = new EventStore(db.pool, { snapshotEvery: 0, groupCommit: { maxBatch: 64, maxInFlight: 1 } });
  });
  afterAll(async () => {
    await db?.drop();
  });

  const event = (title: string) => ({ eventType: 'OpportunityUpdated', data: { title } });
  const counts = async (ids: string[]) =>
    (
      await db.pool.query<{ events: number; outbox: number }>(
        `SELECT (SELECT count(*)::int FROM event_store WHERE aggregate_id = ANY($1::uuid[])) AS events,
                (SELECT count(*)::int FROM event_outbox WHERE aggregate_id = ANY($1::uuid[])) AS outbox`,
        [ids],
      )
    ).rows[0];

  it('writes concurrent appends to different streams in shared transactions, each with its own correlation id and outbox rows', async () => {
    const ids: string[] = Array.from({ length: 12 }, () => randomUUID());
    const correlations = ids.map(() => newCorrelationId());
    const results = await Promise.all(
      ids.map((aggregateId, i) =>
        runWithCorrelation({ correlationId: correlations[i] }, () =>
          store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 'no_stream', events: [event(`t${i}`), event(`u${i}`)] }),
        ),
      ),
    );
    results.forEach((events, i) => {
      expect(events.map((e) => [e.aggregateId, e.eventVersion, e.correlationId])).toEqual([
        [ids[i], 1, correlations[i]],
        [ids[i], 2, correlations[i]],
      ]);
    });
    // The first append went alone; the eleven that waited for it shared one transaction.
    const transactions = new Set(results.map((events) => events[0].transactionId));
    expect(transactions.size).toBe(2);
    expect(await counts(ids)).toEqual({ events: 24, outbox: 24 });
    const outbox = await db.pool.query<{ aggregate_id: string; correlation_id: string; v: string }>(
      `SELECT aggregate_id, correlation_id, payload->>'eventVersion' AS v FROM event_outbox WHERE aggregate_id = ANY($1::uuid[]) ORDER BY position`,
      [ids],
    );
    for (const row of outbox.rows) expect(row.correlation_id).toBe(correlations[ids.indexOf(row.aggregate_id)]);
    // Per stream, the outbox holds version 1 before version 2.
    for (const id of ids) expect(outbox.rows.filter((r) => r.aggregate_id === id).map((r) => r.v)).toEqual(['1', '2']);
  });

  it('refuses only the append whose expectation is stale, and writes the others of its batch', async () => {
    const ids = Array.from({ length: 6 }, () => randomUUID());
    await Promise.all(ids.map((aggregateId) => store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 0, events: [event('a')] })));
    const outcomes = await Promise.allSettled(
      ids.map((aggregateId, i) =>
        store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: i === 3 ? 0 : 1, events: [event('b')] }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const refused = (outcomes[3] as PromiseRejectedResult).reason as DomainException;
    expect(refused.code).toBe('CONCURRENCY_CONFLICT');
    expect(refused.message).toContain(`${ids[3]} is at version 1, expected 0`);
    expect(await counts(ids)).toEqual({ events: 11, outbox: 11 });
  });

  it('appends submitted together to one stream are written in order, each at the version the one before left', async () => {
    const aggregateId = randomUUID();
    const others = Array.from({ length: 4 }, () => randomUUID());
    const mine = Array.from({ length: 5 }, (_, v) =>
      store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: v, events: [event(`v${v + 1}`)] }),
    );
    const theirs = others.map((id) => store.append({ aggregateId: id, aggregateType: 'Opportunity', expectedVersion: 'no_stream', events: [event('x')] }));
    await Promise.all([...mine, ...theirs]);
    expect((await store.readStream(aggregateId)).map((e) => [e.eventVersion, e.data.title])).toEqual(
      [1, 2, 3, 4, 5].map((v) => [v, `v${v}`]),
    );
  });

  it('a batch that races another writer of one of its streams: that append gets a conflict, the rest are written', async () => {
    // A second store is another process's committer: it does not know this one's streams are busy.
    const other = new EventStore(db.pool, { snapshotEvery: 0, groupCommit: null });
    for (let round = 0; round < 5; round++) {
      const ids = Array.from({ length: 6 }, () => randomUUID());
      await Promise.all(ids.map((aggregateId) => store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 'no_stream', events: [event('a')] })));
      // Hold the contested row's insert open in another transaction, so the batch's insert of the
      // same (stream, version) waits for it and then fails on the unique index (23505).
      const blocker = await db.pool.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query(
          `INSERT INTO event_store (aggregate_id, aggregate_type, event_type, event_version, event_data) VALUES ($1, 'Opportunity', 'OpportunityUpdated', 2, '{}')`,
          [ids[2]],
        );
        const batch = Promise.allSettled(
          ids.map((aggregateId) => store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 1, events: [event('b')] })),
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
        await blocker.query('COMMIT');
        const outcomes = await batch;
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
        expect(((outcomes[2] as PromiseRejectedResult).reason as DomainException).code).toBe('CONCURRENCY_CONFLICT');
      } finally {
        blocker.release();
      }
      // Every other stream took its event exactly once, with its outbox row.
      const rows = await counts(ids);
      expect(rows).toEqual({ events: 6 + 5 + 1, outbox: 6 + 5 });
      await expect(other.currentVersion(ids[0])).resolves.toBe(2);
    }
  });

  it('a value PostgreSQL cannot hold fails only its own append of the batch, as VALIDATION_FAILED', async () => {
    const ids = Array.from({ length: 5 }, () => randomUUID());
    const outcomes = await Promise.allSettled(
      ids.map((aggregateId, i) =>
        store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 'no_stream', events: [event(i === 2 ? 'nul \u0000 inside' : `ok ${i}`)] }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const refused = (outcomes[2] as PromiseRejectedResult).reason as DomainException;
    expect(refused.code).toBe('VALIDATION_FAILED');
    expect(refused.details).toMatchObject({ id: ids[2], field: 'events', sqlState: '22P05' });
    expect(await counts(ids)).toEqual({ events: 4, outbox: 4 });
  });
});
