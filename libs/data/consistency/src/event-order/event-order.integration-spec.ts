import { randomUUID } from 'node:crypto';
import { EventStore } from '@mch/data-event-store';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { DEFAULT_EVENT_ORDER, validateEventOrder } from './event-order.validator';

/**
 * Duplicated versions cannot be written to event_store while UNIQUE (aggregate_id, event_version)
 * holds. This spec owns a throwaway database, so it drops that constraint there and plants them
 * in the real table, with the real columns, positions and transaction ids.
 */
describe('event-store ordering validation (real PostgreSQL)', () => {
  let db: MigratedDatabase;
  let store: EventStore;

  const append = (aggregateId: string, expectedVersion: number, count: number) =>
    store.append({
      aggregateId,
      aggregateType: 'Opportunity',
      expectedVersion,
      events: Array.from({ length: count }, (_, i) => ({
        eventType: 'OpportunityUpdated',
        data: { n: expectedVersion + i + 1 },
      })),
    });

  beforeAll(async () => {
    db = await createMigratedDatabase('consistency_event_order');
    store = new EventStore(db.pool, { snapshotEvery: 0 });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('passes for streams appended through the event store: versions 1..n, positions without gaps', async () => {
    for (let i = 0; i < 12; i++) await append(randomUUID(), 0, 1 + (i % 4));
    // Other databases' long transactions (xids are cluster-wide) must not turn anything pending here.
    const report = await validateEventOrder(db.pool, { ...DEFAULT_EVENT_ORDER, failOnPositionGaps: true });
    expect(report).toMatchObject({
      aggregatesChecked: 12,
      eventsChecked: 30,
      versionGaps: 0,
      duplicateVersions: 0,
      passed: true,
      reasons: [],
    });
    expect(report.streams.count).toBe(0);
    expect(report.positionGaps.count).toBe(0);
    expect(report.pendingPositionGaps.count).toBe(0);
  });

  it('reports planted version gaps and duplicates with aggregate id and versions, and the position gap a deleted event leaves', async () => {
    // A transaction older than everything planted, still running, that never writes event_store
    // (as a long COPY in another database would be): it must not make the planted gap "pending".
    const unrelated = await db.pool.connect();
    await unrelated.query('BEGIN');
    const unrelatedXid = (await unrelated.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x'))
      .rows[0].x;
    try {
      await db.pool.query(`ALTER TABLE event_store DROP CONSTRAINT event_store_aggregate_version_key`);
      const gapped = randomUUID();
      const duplicated = randomUUID();
      const headless = randomUUID();
      await append(gapped, 0, 4);
      await append(duplicated, 0, 3);
      await append(headless, 0, 2);
      const removed = await db.pool.query<{ p: string }>(
        `DELETE FROM event_store WHERE aggregate_id = $1 AND event_version = 3 RETURNING global_position::text AS p`,
        [gapped],
      );
      await db.pool.query(`DELETE FROM event_store WHERE aggregate_id = $1 AND event_version = 1`, [
        headless,
      ]);
      const copy = await db.pool.query<{ event_id: string }>(
        `INSERT INTO event_store (aggregate_id, aggregate_type, event_type, event_version, event_data)
       VALUES ($1, 'Opportunity', 'OpportunityUpdated', 2, '{}') RETURNING event_id::text AS event_id`,
        [duplicated],
      );
      const original = await db.pool.query<{ event_id: string }>(
        `SELECT event_id::text AS event_id FROM event_store WHERE aggregate_id = $1 AND event_version = 2 AND event_id <> $2`,
        [duplicated, copy.rows[0].event_id],
      );

      const report = await validateEventOrder(db.pool, DEFAULT_EVENT_ORDER);
      expect(report.passed).toBe(false);
      expect(report).toMatchObject({ versionGaps: 2, duplicateVersions: 1 });
      const byId = new Map(report.streams.items.map((s) => [s.aggregateId, s]));
      expect(byId.get(gapped)).toEqual({
        aggregateId: gapped,
        aggregateType: 'Opportunity',
        missingVersions: [3],
        duplicateVersions: [],
        maxVersion: 4,
        events: 3,
      });
      expect(byId.get(headless)).toMatchObject({ missingVersions: [1], maxVersion: 2 });
      expect(byId.get(duplicated)).toMatchObject({
        missingVersions: [],
        duplicateVersions: [
          { version: 2, eventIds: [original.rows[0].event_id, copy.rows[0].event_id].sort() },
        ],
        maxVersion: 3,
        events: 4,
      });
      expect(report.reasons).toEqual(['2 missing stream versions', '1 duplicated stream versions']);
      expect(report.streams.count).toBe(3);
      const deletedPosition = BigInt(removed.rows[0].p);
      expect(report.positionGaps.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            after: String(deletedPosition - 1n),
            before: String(deletedPosition + 1n),
            missing: '1',
            inProgress: [],
          }),
        ]),
      );
      // Position gaps (rolled-back appends leave them too) fail the check only when asked to.
      const strict = await validateEventOrder(db.pool, { ...DEFAULT_EVENT_ORDER, failOnPositionGaps: true });
      expect(strict.reasons).toContain(`${strict.positionGaps.count} gaps in global_position`);

      // A window covers only streams with events inside it: move the gapped stream into the past.
      await db.pool.query(
        `UPDATE event_store SET created_at = now() - interval '10 days' WHERE aggregate_id = $1`,
        [gapped],
      );
      const recent = await validateEventOrder(db.pool, {
        ...DEFAULT_EVENT_ORDER,
        from: new Date(Date.now() - 3_600_000),
        to: null,
      });
      expect(recent.streams.items.map((s) => s.aggregateId).sort()).toEqual([duplicated, headless].sort());
      const old = await validateEventOrder(db.pool, {
        ...DEFAULT_EVENT_ORDER,
        from: new Date(Date.now() - 11 * 86_400_000),
        to: new Date(Date.now() - 9 * 86_400_000),
      });
      expect(old.streams.items.map((s) => s.aggregateId)).toEqual([gapped]);
      expect(old).toMatchObject({ aggregatesChecked: 1, eventsChecked: 3 });
      expect(report.snapshot.inProgress).toContain(unrelatedXid);
    } finally {
      await unrelated.query('ROLLBACK');
      unrelated.release();
    }
  });

  it('a transaction that took a position and commits late is pending, not a gap; once it commits there is no gap', async () => {
    const before = await validateEventOrder(db.pool, DEFAULT_EVENT_ORDER);
    const late = await db.pool.connect();
    try {
      await late.query('BEGIN');
      const taken = await late.query<{ p: string; xid: string }>(
        `INSERT INTO event_store (aggregate_id, aggregate_type, event_type, event_version, event_data)
         VALUES ($1, 'Opportunity', 'OpportunityCreated', 1, '{}') RETURNING global_position::text AS p, transaction_id::text AS xid`,
        [randomUUID()],
      );
      const [committed] = await append(randomUUID(), 0, 1);
      expect(BigInt(committed.globalPosition)).toBe(BigInt(taken.rows[0].p) + 1n);

      const during = await validateEventOrder(db.pool, DEFAULT_EVENT_ORDER);
      const gap = {
        after: String(BigInt(taken.rows[0].p) - 1n),
        before: committed.globalPosition,
        missing: '1',
      };
      expect(during.pendingPositionGaps.items).toEqual([
        expect.objectContaining({ ...gap, inProgress: expect.arrayContaining([taken.rows[0].xid]) }),
      ]);
      expect(during.positionGaps.items).toEqual(before.positionGaps.items);
      expect(during.snapshot.inProgress).toContain(taken.rows[0].xid);
      await late.query('COMMIT');
    } finally {
      await late.query('ROLLBACK').catch(() => undefined);
      late.release();
    }
    const after = await validateEventOrder(db.pool, DEFAULT_EVENT_ORDER);
    expect(after.pendingPositionGaps.count).toBe(0);
    expect(after.positionGaps.items).toEqual(before.positionGaps.items);
    expect(after.eventsChecked).toBe(before.eventsChecked + 2);
  });
});
