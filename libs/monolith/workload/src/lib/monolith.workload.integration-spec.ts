import { ENTITY_SOURCES, mapRow, sourceColumns, type RawRow } from '@mch/data-kafka-migration';
import { fixtureSizes } from '@mch/monolith-fixture';
import {
  TEST_API_TOKEN,
  createMigratedDatabase,
  freePort,
  startService,
  waitReady,
  type MigratedDatabase,
  type ServiceProcess,
} from '@mch/testing-stack';
import { EventStoreHttpClient } from './event-store.client';
import { MonolithWorkload } from './monolith.workload';

const OPPORTUNITIES = 300;
const SEED = 11;

describe('MonolithWorkload on the real monolith schema and event-store service', () => {
  let db: MigratedDatabase;
  let eventStore: ServiceProcess;
  let loaded: Record<string, number>;

  beforeAll(async () => {
    db = await createMigratedDatabase('workload', { load: { opportunities: OPPORTUNITIES, seed: SEED } });
    loaded = await counts(db);
    // The relay stays off: the spec reads the outbox rows the appends wrote, Kafka is not its subject.
    eventStore = startService('event-store', await freePort(), {
      ...process.env,
      PGDATABASE: db.name,
      API_TOKEN: TEST_API_TOKEN,
      EVENT_STORE_ENTITY_EVENTS: 'opportunity',
      OUTBOX_RELAY_ENABLED: 'false',
    });
    await waitReady(eventStore);
  }, 240_000);

  afterAll(async () => {
    await eventStore?.stop();
    await db?.drop();
  }, 60_000);

  async function counts(database: MigratedDatabase): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of ['opportunities', 'proposals', 'contract_documents', 'companies', 'usage_records']) {
      out[table] = (await database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    }
    return out;
  }

  it('writes and reads at its rates; the tables change by exactly what it reports; each domain event carries the row it changed', async () => {
    const workload = new MonolithWorkload(db.pool, {
      opportunities: OPPORTUNITIES,
      seed: SEED,
      writesPerSecond: 60,
      readsPerSecond: 60,
      events: new EventStoreHttpClient(eventStore.url, TEST_API_TOKEN),
    });
    await workload.start('before');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    workload.setPhase('during');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await workload.stop();

    expect(workload.stats.failureMessages).toEqual([]);
    expect(workload.stats.failures).toBe(0);
    const after = await counts(db);
    for (const [table, rows] of Object.entries(workload.stats.rows)) {
      expect({ table, count: after[table] }).toEqual({ table, count: loaded[table] + rows.inserted - rows.deleted });
    }
    const { rows } = workload.stats;
    expect(rows.opportunities.inserted + rows.proposals.inserted + rows.usage_records.inserted).toBeGreaterThan(0);
    expect(rows.opportunities.updated + rows.proposals.updated + rows.companies.updated).toBeGreaterThan(0);
    expect(rows.proposals.deleted + rows.contract_documents.deleted + rows.usage_records.deleted).toBeGreaterThan(0);
    // ~3 s at 60/s each; a loaded 2-core machine may fall behind but not to a trickle.
    expect(workload.stats.reads).toBeGreaterThan(60);
    expect(workload.rowsWritten).toBeGreaterThan(60);
    for (const phase of ['before', 'during']) {
      for (const kind of ['read', 'write'] as const) expect(workload.summary(phase, kind)?.count).toBeGreaterThan(0);
    }

    // Every appended event is in the store, and the newest one per stream carries the row as it
    // was right after the change (mapRow of the row whose updated_at it names).
    expect(workload.stats.eventsAppended).toBeGreaterThan(0);
    const events = await db.pool.query<{ aggregate_id: string; data: Record<string, unknown> }>(
      `SELECT DISTINCT ON (aggregate_id) aggregate_id::text, event_data AS data FROM event_store
        WHERE aggregate_type = 'Opportunity' ORDER BY aggregate_id, event_version DESC`,
    );
    const total = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM event_store`);
    expect(total.rows[0].n).toBe(workload.stats.eventsAppended);
    const entityOutbox = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM event_outbox WHERE topic = 'contracts.opportunities.events'`);
    expect(entityOutbox.rows[0].n).toBe(workload.stats.eventsAppended);
    const select = Object.keys(sourceColumns(ENTITY_SOURCES.opportunity)).map((c) => `"${c}"::text AS "${c}"`).join(', ');
    let unchangedSince = 0;
    for (const event of events.rows) {
      const row = (await db.pool.query<RawRow>(`SELECT ${select} FROM opportunities WHERE id = $1`, [event.aggregate_id])).rows[0];
      const current = mapRow(ENTITY_SOURCES.opportunity, row);
      if (current.updatedAt !== event.data.updatedAt) continue; // changed again by a plain update after the event
      unchangedSince++;
      expect(event.data).toEqual(current);
    }
    expect(unchangedSince).toBeGreaterThan(0);
  }, 120_000);

  it('refuses a rate outside (0, 1000] naming it', () => {
    expect(() => new MonolithWorkload(db.pool, { opportunities: OPPORTUNITIES, seed: SEED, writesPerSecond: 0, readsPerSecond: 5 })).toThrow(
      'writesPerSecond must be in (0, 1000], got 0',
    );
    expect(fixtureSizes(OPPORTUNITIES).opportunities).toBe(OPPORTUNITIES);
  });
});
