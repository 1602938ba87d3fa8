import type { Pool } from 'pg';
import { FixtureContext, OPPORTUNITY_STATUSES, PROPOSAL_STATUSES, Prng, fixtureSizes, type FixtureTable } from '@mch/monolith-fixture';
import type { DomainEventSink } from './event-store.client';
import { LatencyRecorder, type LatencySummary } from './latency.recorder';
import { GeneratedRows, changeOpportunityStatus, insertGenerated, type WorkloadTable } from './monolith-writes';

export interface MonolithWorkloadOptions {
  /** The loaded fixture (same seed and size as `loadMonolith`): the workload reads and changes its rows. */
  opportunities: number;
  seed: number;
  writesPerSecond: number;
  readsPerSecond: number;
  /** Where the domain events of opportunity status changes go (the event store); none: no events. */
  events?: DomainEventSink;
}

type WriteOp =
  | 'insert opportunity' | 'update opportunity' | 'delete opportunity'
  | 'insert proposal' | 'update proposal' | 'delete proposal'
  | 'insert contract_document' | 'update contract_document' | 'delete contract_document'
  | 'update company'
  | 'insert usage_record' | 'delete usage_record'
  | 'domain event';

/** Relative weights: mostly updates and inserts, some deletes, as the application writes. */
const WRITE_MIX: readonly (readonly [WriteOp, number])[] = [
  ['insert opportunity', 8], ['update opportunity', 16], ['delete opportunity', 3],
  ['insert proposal', 8], ['update proposal', 10], ['delete proposal', 3],
  ['insert contract_document', 6], ['update contract_document', 8], ['delete contract_document', 4],
  ['update company', 5],
  ['insert usage_record', 12], ['delete usage_record', 3],
  ['domain event', 10],
];

type ReadOp = 'search opportunities' | 'opportunity detail' | 'company proposals' | 'user usage' | 'opportunity documents';
const READ_OPS: readonly ReadOp[] = ['search opportunities', 'opportunity detail', 'company proposals', 'user usage', 'opportunity documents'];

/** Rows changed per table and operation, as PostgreSQL reported them (rowCount), and the rest. */
export interface WorkloadStats {
  rows: Record<WorkloadTable, { inserted: number; updated: number; deleted: number }>;
  reads: number;
  eventsAppended: number;
  /** Operations that threw; the first few messages are kept. */
  failures: number;
  failureMessages: string[];
  /** Ticks that came more than a second late (the rate could not be held). */
  lateTicks: number;
}

/**
 * A steady monolith workload on the loaded fixture: one loop writes (inserts, updates, deletes
 * across opportunities, proposals, contract documents, companies and usage records, plus
 * opportunity status changes that also append their domain event to the event store), another
 * reads (the application's list and detail queries), each at a fixed rate. Every operation's
 * latency is recorded under the current phase ('before', 'during', ...) so the migration's
 * effect on the monolith can be read off. Framework-free; the caller owns the pool.
 */
export class MonolithWorkload {
  readonly latency = new LatencyRecorder();
  readonly stats: WorkloadStats;
  private phase = 'before';
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly ctx: FixtureContext;
  private readonly rows: GeneratedRows;
  private readonly rng: Prng;
  /** Ids the workload inserted and has not deleted: what its deletes of new rows pick from. */
  private readonly inserted: Record<'opportunities' | 'proposals' | 'contract_documents' | 'usage_records', string[]> = {
    opportunities: [], proposals: [], contract_documents: [], usage_records: [],
  };
  private agencies: string[] = [];
  private events: DomainEventSink | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly options: MonolithWorkloadOptions,
  ) {
    for (const [name, rate] of [['writesPerSecond', options.writesPerSecond], ['readsPerSecond', options.readsPerSecond]] as const) {
      if (!(rate > 0 && rate <= 1_000)) throw new RangeError(`${name} must be in (0, 1000], got ${rate}`);
    }
    this.events = options.events;
    this.ctx = new FixtureContext(options.seed, fixtureSizes(options.opportunities));
    this.rows = new GeneratedRows(this.ctx);
    this.rng = new Prng().reseed(options.seed, 0x5eed);
    const table = () => ({ inserted: 0, updated: 0, deleted: 0 });
    this.stats = {
      rows: { opportunities: table(), proposals: table(), contract_documents: table(), companies: table(), usage_records: table() },
      reads: 0, eventsAppended: 0, failures: 0, failureMessages: [], lateTicks: 0,
    };
  }

  get currentPhase(): string {
    return this.phase;
  }

  /** Domain events from now on go here (none: opportunity status changes stop appending them). */
  setEvents(sink: DomainEventSink | undefined): void {
    this.events = sink;
  }

  /** Later operations are recorded under this phase. */
  setPhase(phase: string): void {
    this.phase = phase;
  }

  async start(phase = 'before'): Promise<void> {
    if (this.running) return;
    this.phase = phase;
    const agencies = await this.pool.query<{ agency: string }>(`SELECT DISTINCT agency FROM opportunities WHERE agency IS NOT NULL LIMIT 50`);
    this.agencies = agencies.rows.map((r) => r.agency);
    this.running = true;
    this.loops = [this.loop(this.options.writesPerSecond, () => this.write()), this.loop(this.options.readsPerSecond, () => this.read())];
  }

  /** Stops both loops after their current operation; resolves once nothing is in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  summary(phase: string, kind: 'read' | 'write' | 'event'): LatencySummary | null {
    return this.latency.summary(phase, kind);
  }

  get rowsWritten(): number {
    return Object.values(this.stats.rows).reduce((n, t) => n + t.inserted + t.updated + t.deleted, 0);
  }

  private async loop(perSecond: number, op: () => Promise<void>): Promise<void> {
    const interval = 1_000 / perSecond;
    let next = Date.now();
    while (this.running) {
      try {
        await op();
      } catch (error) {
        this.stats.failures++;
        if (this.stats.failureMessages.length < 5) this.stats.failureMessages.push(error instanceof Error ? error.message : String(error));
      }
      next += interval;
      const wait = next - Date.now();
      // More than a second behind: start over from now rather than burst to catch up.
      if (wait < -1_000) {
        this.stats.lateTicks++;
        next = Date.now();
      } else if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private async timed<T>(kind: 'read' | 'write' | 'event', work: () => Promise<T>): Promise<T> {
    const phase = this.phase;
    const started = performance.now();
    const result = await work();
    this.latency.record(phase, kind, performance.now() - started);
    return result;
  }

  private originalId(stream: 'opportunities' | 'proposals' | 'contract_documents' | 'usage_records' | 'companies' | 'users'): string {
    const size = { opportunities: this.ctx.sizes.opportunities, proposals: this.ctx.sizes.proposals, contract_documents: this.ctx.sizes.contractDocuments,
      usage_records: this.ctx.sizes.usageRecords, companies: this.ctx.sizes.companies, users: this.ctx.sizes.users }[stream];
    return this.ctx.id(stream, this.rng.int(0, size - 1));
  }

  private async insert(table: WorkloadTable & keyof MonolithWorkload['inserted'], made: { table: FixtureTable<object>; row: object }): Promise<void> {
    await this.timed('write', () => insertGenerated(this.pool, made.table, made.row));
    this.inserted[table].push((made.row as { id: string }).id);
    this.stats.rows[table].inserted++;
  }

  private async update(table: WorkloadTable, sql: string, params: unknown[]): Promise<void> {
    const result = await this.timed('write', () => this.pool.query(sql, params));
    this.stats.rows[table].updated += result.rowCount ?? 0;
  }

  /** Deletes one of the workload's own rows, or (probability `original`) a loaded one. */
  private async remove(table: WorkloadTable & keyof MonolithWorkload['inserted'], original: number): Promise<void> {
    const own = this.inserted[table];
    const pickOwn = own.length > 0 && !this.rng.chance(original);
    if (!pickOwn && original === 0) return;
    const id = pickOwn ? own.splice(this.rng.int(0, own.length - 1), 1)[0] : this.originalId(table);
    // A loaded proposal may be the parent of a revision (no cascade): the application deletes only leaves.
    const leafOnly = table === 'proposals' ? ' AND NOT EXISTS (SELECT 1 FROM proposals r WHERE r.parent_proposal_id = $1)' : '';
    const result = await this.timed('write', () => this.pool.query(`DELETE FROM ${table} WHERE id = $1${leafOnly}`, [id]));
    this.stats.rows[table].deleted += result.rowCount ?? 0;
  }

  private async write(): Promise<void> {
    const mix = this.events ? WRITE_MIX : WRITE_MIX.filter(([op]) => op !== 'domain event');
    const op = this.rng.weighted(mix);
    switch (op) {
      case 'insert opportunity': return this.insert('opportunities', this.rows.opportunity() as never);
      case 'insert proposal': return this.insert('proposals', this.rows.proposal() as never);
      case 'insert contract_document': return this.insert('contract_documents', this.rows.contractDocument() as never);
      case 'insert usage_record': return this.insert('usage_records', this.rows.usageRecord() as never);
      case 'update opportunity':
        return this.update('opportunities', `UPDATE opportunities SET title = title || ' (amended)', sync_version = sync_version + 1, updated_at = now() WHERE id = $1`, [this.originalId('opportunities')]);
      case 'update proposal':
        return this.update('proposals', `UPDATE proposals SET status = $2::proposal_status, updated_at = now() WHERE id = $1`, [this.originalId('proposals'), this.rng.pick(PROPOSAL_STATUSES)]);
      case 'update contract_document':
        return this.update('contract_documents', `UPDATE contract_documents SET ocr_status = 'completed', processed_at = now(), updated_at = now() WHERE id = $1`, [this.originalId('contract_documents')]);
      case 'update company':
        return this.update('companies', `UPDATE companies SET phone = $2, updated_at = now() WHERE id = $1`, [this.originalId('companies'), `555-01${String(this.rng.int(0, 99)).padStart(2, '0')}`]);
      // Opportunities are deleted only among the workload's own (loaded ones have saved_opportunities pointing at them).
      case 'delete opportunity': return this.remove('opportunities', 0);
      case 'delete proposal': return this.remove('proposals', 0.5);
      case 'delete contract_document': return this.remove('contract_documents', 0.5);
      case 'delete usage_record': return this.remove('usage_records', 0.5);
      case 'domain event': return this.domainEvent();
    }
  }

  /**
   * An opportunity's status change at its cut-over: the application updates the row, then appends
   * the domain event carrying the new state to the event store, which relays it to the entity topic.
   */
  private async domainEvent(): Promise<void> {
    const id = this.originalId('opportunities');
    const events = this.events;
    if (!events) return;
    const state = await this.timed('write', () => changeOpportunityStatus(this.pool, id, this.rng.pick(OPPORTUNITY_STATUSES)));
    if (!state) return;
    this.stats.rows.opportunities.updated++;
    await this.timed('event', () => events.append({ aggregateId: id, aggregateType: 'Opportunity', eventType: 'OpportunityStatusChanged', data: state }));
    this.stats.eventsAppended++;
  }

  private async read(): Promise<void> {
    const op = this.rng.pick(READ_OPS);
    const [sql, params] = this.readQuery(op);
    await this.timed('read', () => this.pool.query(sql, params));
    this.stats.reads++;
  }

  private readQuery(op: ReadOp): [string, unknown[]] {
    switch (op) {
      case 'search opportunities':
        return [`SELECT id, title, agency, naics_code, response_deadline FROM opportunities WHERE status = 'active' AND agency = $1 ORDER BY response_deadline LIMIT 20`, [this.rng.pick(this.agencies.length > 0 ? this.agencies : [''])]];
      case 'opportunity detail':
        return [`SELECT * FROM opportunities WHERE id = $1`, [this.originalId('opportunities')]];
      case 'company proposals':
        return [`SELECT id, title, status, updated_at FROM proposals WHERE company_id = $1 ORDER BY updated_at DESC LIMIT 20`, [this.originalId('companies')]];
      case 'user usage':
        return [`SELECT feature, sum(quantity) AS total FROM usage_records WHERE user_id = $1 GROUP BY feature`, [this.originalId('users')]];
      case 'opportunity documents':
        return [`SELECT id, file_name, ocr_status FROM contract_documents WHERE opportunity_id = $1`, [this.originalId('opportunities')]];
    }
  }
}
