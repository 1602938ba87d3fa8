import { randomUUID } from 'node:crypto';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { ENTITY_EVENTS, eventEnvelopeSchema } from '@mch/contracts';
import { DomainException } from '@mch/util-errors';
import { newCorrelationId, runWithCorrelation } from '@mch/util-correlation';
import { EventStore } from './event-store';
import { entityEventId } from './entity-projection';

/** A whole opportunity as the entity topic carries it (without id: the stream gives it). */
function opportunity(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    noticeId: 'N-1',
    title: 'Portable X-ray units',
    description: null,
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
    awardAmount: null,
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
    ...patch,
  };
}

interface OutboxRow {
  topic: string;
  event_id: string;
  correlation_id: string;
  causation_id: string | null;
  payload: Record<string, unknown> & { metadata: Record<string, unknown>; data: Record<string, unknown> | null };
}

describe('EventStore relaying entity states to the entity topics, on real PostgreSQL', () => {
  let db: MigratedDatabase;
  let store: EventStore;
  const prefix = `it.${randomUUID()}.`;

  beforeAll(async () => {
    db = await createMigratedDatabase('event_store_entity');
    store = new EventStore(db.pool, { snapshotEvery: 2, entityProjection: { entities: ['opportunity'], topicPrefix: prefix } });
  });
  afterAll(async () => {
    await db?.drop();
  });

  const outbox = async (aggregateId: string) =>
    (
      await db.pool.query<OutboxRow>(
        `SELECT topic, event_id::text, correlation_id::text, causation_id::text, payload FROM event_outbox WHERE aggregate_id = $1 ORDER BY position`,
        [aggregateId],
      )
    ).rows;
  const walInsert = async () => BigInt((await db.pool.query(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS p`)).rows[0].p);

  it('writes, per event, the whole state to the entity topic with the correlation id and the event as cause, at a WAL position', async () => {
    const aggregateId = randomUUID();
    const correlationId = newCorrelationId();
    const causationId = randomUUID();
    const before = await walInsert();
    const appended = await runWithCorrelation({ correlationId, causationId }, async () => [
      ...(await store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 'no_stream', events: [{ eventType: 'OpportunityPosted', data: opportunity() }] })),
      // A patch: the relayed state is the whole entity after it; two events in one append.
      ...(await store.append({
        aggregateId,
        aggregateType: 'Opportunity',
        expectedVersion: 1,
        events: [
          { eventType: 'OpportunityAwarded', data: { status: 'awarded', awardAmount: '1250000.50' } },
          { eventType: 'OpportunityRetitled', data: { title: 'Mobile X-ray units' } },
        ],
      })),
      ...(await store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 3, events: [{ eventType: 'OpportunityDeleted', data: {} }] })),
    ]);
    const after = await walInsert();
    const rows = await outbox(aggregateId);
    const entityRows = rows.filter((r) => r.topic === `${prefix}contracts.opportunities.events`);
    expect(rows.filter((r) => r.topic === 'eventstore.events')).toHaveLength(4);
    expect(entityRows).toHaveLength(4);
    const { eventTypes } = ENTITY_EVENTS.opportunity;
    expect(entityRows.map((r) => r.payload.eventType)).toEqual([eventTypes.insert, eventTypes.update, eventTypes.update, eventTypes.delete]);
    for (const [i, row] of entityRows.entries()) {
      expect(eventEnvelopeSchema.parse(row.payload)).toBeTruthy();
      expect(row.event_id).toBe(entityEventId(appended[i].eventId));
      expect(row.payload.eventId).toBe(row.event_id);
      expect(row.correlation_id).toBe(correlationId);
      expect(row.causation_id).toBe(appended[i].eventId);
      expect(row.payload.metadata).toMatchObject({ correlationId, causationId: appended[i].eventId, source: 'event-store', migrationId: null });
    }
    // The event rows keep the request's own cause.
    const events = await db.pool.query('SELECT causation_id::text AS c FROM event_store WHERE aggregate_id = $1', [aggregateId]);
    expect(events.rows.every((r) => r.c === causationId)).toBe(true);
    expect(entityRows[0].payload.data).toEqual({ ...opportunity(), id: aggregateId });
    expect(entityRows[2].payload.data).toEqual({ ...opportunity(), id: aggregateId, status: 'awarded', awardAmount: '1250000.50', title: 'Mobile X-ray units' });
    expect(entityRows[3].payload.data).toBeNull();
    const positions = entityRows.map((r) => String(r.payload.metadata.sourcePosition));
    expect(positions.every((p) => /^lsn:[0-9a-f]{16}$/.test(p))).toBe(true);
    expect([...positions].sort()).toEqual(positions);
    expect(new Set(positions).size).toBe(4);
    const values = positions.map((p) => BigInt(`0x${p.slice(4)}`));
    expect(values[0] > before && values[3] <= after).toBe(true);
  });

  it('refuses an event that leaves an incomplete entity, naming the field, and writes nothing', async () => {
    const aggregateId = randomUUID();
    const failure = await store
      .append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 'no_stream', events: [{ eventType: 'OpportunityPosted', data: opportunity({ agency: undefined }) }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DomainException);
    expect((failure as DomainException).details).toMatchObject({ entity: 'Opportunity', id: aggregateId, field: 'events.0.data.agency' });
    const other = await store
      .append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 'any', events: [{ eventType: 'X', data: { ...opportunity(), id: randomUUID() } }] })
      .catch((error: unknown) => error);
    expect((other as DomainException).details).toMatchObject({ field: 'events.0.data.id' });
    const counts = await db.pool.query(
      `SELECT (SELECT count(*)::int FROM event_store WHERE aggregate_id = $1) AS events, (SELECT count(*)::int FROM event_outbox WHERE aggregate_id = $1) AS outbox`,
      [aggregateId],
    );
    expect(counts.rows[0]).toEqual({ events: 0, outbox: 0 });
  });

  it('leaves aggregate types it does not relay as they were (event-store topic only, any data)', async () => {
    const aggregateId = randomUUID();
    await store.append({ aggregateId, aggregateType: 'Proposal', expectedVersion: 'no_stream', events: [{ eventType: 'ProposalDrafted', data: { title: 'x' } }] });
    expect((await outbox(aggregateId)).map((r) => r.topic)).toEqual(['eventstore.events']);
  });

  it('keeps a stale expected version a conflict, with nothing written', async () => {
    const aggregateId = randomUUID();
    await store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 'no_stream', events: [{ eventType: 'OpportunityPosted', data: opportunity() }] });
    await expect(
      store.append({ aggregateId, aggregateType: 'Opportunity', expectedVersion: 0, events: [{ eventType: 'OpportunityPosted', data: opportunity() }] }),
    ).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    expect(await outbox(aggregateId)).toHaveLength(2);
  });
});
