import type { Pool } from 'pg';
import { ENTITY_SOURCES, mapRow, sourceColumns, type RawRow } from '@mch/data-kafka-migration';
import {
  CONTRACT_DOCUMENTS_TABLE,
  FixtureContext,
  OPPORTUNITIES_TABLE,
  PROPOSALS_TABLE,
  USAGE_RECORDS_TABLE,
  type FixtureTable,
} from '@mch/monolith-fixture';

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The monolith tables the workload writes, by their unqualified names. */
export type WorkloadTable = 'opportunities' | 'proposals' | 'contract_documents' | 'companies' | 'usage_records';

/**
 * Inserts a generated row the way the application does (one INSERT, parameters), stamped with the
 * wall clock as a new row is. Generated rows beyond the loaded size have fresh ids, notice ids and
 * valid parents (the generator computes parents inside the loaded sizes).
 */
export async function insertGenerated<Row extends object>(pool: Pool, table: FixtureTable<Row>, row: Row): Promise<void> {
  const values = table.columns.map(({ name, kind }) => {
    const value = (row as Record<string, unknown>)[name];
    if (value === null || value === undefined) return null;
    return kind === 'json' ? JSON.stringify(value) : value;
  });
  const columns = table.columns.map((c) => quoteIdent(c.name)).join(', ');
  const params = table.columns.map((_, i) => `$${i + 1}`).join(', ');
  await pool.query(`INSERT INTO ${table.table} (${columns}) VALUES (${params})`, values);
}

/** Fresh rows for the workload's inserts: the fixture's generators at indexes past the loaded ones. */
export class GeneratedRows {
  private readonly next: { opportunities: number; proposals: number; contract_documents: number; usage_records: number };

  constructor(private readonly ctx: FixtureContext) {
    const s = ctx.sizes;
    // Indexes at or past the loaded size are ids no loaded row has (ids are a bijection of the index).
    this.next = { opportunities: s.opportunities, proposals: s.proposals, contract_documents: s.contractDocuments, usage_records: s.usageRecords };
  }

  opportunity() {
    const row = OPPORTUNITIES_TABLE.generate(this.ctx, this.next.opportunities++);
    return { table: OPPORTUNITIES_TABLE, row: { ...row, ...now() } };
  }

  proposal() {
    const row = PROPOSALS_TABLE.generate(this.ctx, this.next.proposals++);
    // A revision names the proposal before it, which the workload may have deleted meanwhile.
    return { table: PROPOSALS_TABLE, row: { ...row, parent_proposal_id: null, ...now() } };
  }

  contractDocument() {
    const row = CONTRACT_DOCUMENTS_TABLE.generate(this.ctx, this.next.contract_documents++);
    return { table: CONTRACT_DOCUMENTS_TABLE, row: { ...row, ...now() } };
  }

  usageRecord() {
    const row = USAGE_RECORDS_TABLE.generate(this.ctx, this.next.usage_records++);
    return { table: USAGE_RECORDS_TABLE, row: { ...row, created_at: new Date().toISOString() } };
  }
}

function now() {
  const at = new Date().toISOString();
  return { created_at: at, updated_at: at };
}

/** Columns of the opportunity as the migrator reads them (text), for the domain event's state. */
const OPPORTUNITY_RETURNING = Object.keys(sourceColumns(ENTITY_SOURCES.opportunity))
  .map((c) => `${quoteIdent(c)}::text AS ${quoteIdent(c)}`)
  .join(', ');

/**
 * The application's status change of an opportunity: the row is updated (updated_at = now()) and
 * its new state returned in the shape of the entity's events (`mapRow`), which the application at
 * the opportunity's cut-over also appends to the event store as the domain event's data.
 */
export async function changeOpportunityStatus(pool: Pool, id: string, status: string): Promise<Record<string, unknown> | null> {
  const result = await pool.query<RawRow>(
    `UPDATE opportunities SET status = $2::opportunity_status, updated_at = now() WHERE id = $1 RETURNING ${OPPORTUNITY_RETURNING}`,
    [id, status],
  );
  return result.rows[0] ? mapRow(ENTITY_SOURCES.opportunity, result.rows[0]) : null;
}
