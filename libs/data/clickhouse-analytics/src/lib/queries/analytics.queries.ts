import type { ClickHouseClient } from '@clickhouse/client';
import { API_USAGE_EVENTS, CONTRACT_DOCUMENT_EVENTS, OPPORTUNITY_EVENTS, PROPOSAL_EVENTS, type AnalyticsTable } from '../schema/analytics-tables';
import { decimalAtScale, latestStateSql, lossyRowsSql, totalsSql } from './latest-state.sql';

export interface EntityTotals {
  count: number;
  /** Exact sums as decimal text (scale of the column), null when every value is NULL. */
  sums: Record<string, string | null>;
}

/** The sums each table's totals report, with the scale to print them at. */
export const TOTAL_COLUMNS: Record<string, Record<string, number>> = {
  [OPPORTUNITY_EVENTS.name]: { award_amount: 2, estimated_value_max: 2 },
  [PROPOSAL_EVENTS.name]: { total_proposed_price: 2 },
  [CONTRACT_DOCUMENT_EVENTS.name]: { requirement_count: 0 },
  [API_USAGE_EVENTS.name]: { quantity: 0 },
};

async function rows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  return (await client.query({ query, format: 'JSONEachRow' })).json<T>();
}

export async function entityTotals(client: ClickHouseClient, table: AnalyticsTable): Promise<EntityTotals> {
  const columns = TOTAL_COLUMNS[table.name] ?? {};
  const [row] = await rows<Record<string, string | null>>(client, totalsSql(table, Object.keys(columns)));
  const sums: Record<string, string | null> = {};
  for (const [column, scale] of Object.entries(columns)) sums[column] = decimalAtScale(row[column] ?? null, scale);
  return { count: Number(row.count), sums };
}

/** Awarded opportunities and their award total per agency. */
export const AWARDS_BY_AGENCY_SQL = `SELECT agency, toString(count()) AS awards, toString(sum(award_amount)) AS total
FROM (${latestStateSql(OPPORTUNITY_EVENTS, ['agency', 'status', 'award_amount'])})
WHERE status = 'awarded' GROUP BY agency ORDER BY agency`;

/** Proposal pipeline: proposals and proposed value per status. */
export const PROPOSALS_BY_STATUS_SQL = `SELECT status, toString(count()) AS proposals, toString(sum(total_proposed_price)) AS total
FROM (${latestStateSql(PROPOSAL_EVENTS, ['status', 'total_proposed_price'])})
GROUP BY status ORDER BY status`;

/** OCR pipeline: documents and extracted requirements per status. */
export const DOCUMENTS_BY_OCR_STATUS_SQL = `SELECT ocr_status, toString(count()) AS documents, toString(sum(requirement_count)) AS requirements
FROM (${latestStateSql(CONTRACT_DOCUMENT_EVENTS, ['ocr_status', 'requirement_count'])})
GROUP BY ocr_status ORDER BY ocr_status`;

/** API usage: records and metered quantity per feature. */
export const USAGE_BY_FEATURE_SQL = `SELECT feature, toString(count()) AS records, toString(sum(quantity)) AS quantity
FROM (${latestStateSql(API_USAGE_EVENTS, ['feature', 'quantity'])})
GROUP BY feature ORDER BY feature`;

export const ANALYTICS_QUERIES = {
  awardsByAgency: AWARDS_BY_AGENCY_SQL,
  proposalsByStatus: PROPOSALS_BY_STATUS_SQL,
  documentsByOcrStatus: DOCUMENTS_BY_OCR_STATUS_SQL,
  usageByFeature: USAGE_BY_FEATURE_SQL,
} as const;

export async function runAnalyticsQuery(client: ClickHouseClient, name: keyof typeof ANALYTICS_QUERIES): Promise<Record<string, string>[]> {
  return rows<Record<string, string>>(client, ANALYTICS_QUERIES[name]);
}

export interface LossyRow {
  id: string;
  /** The columns whose typed value is not the source's. */
  lossyFields: string[];
  /** Column -> the source's original text. */
  rawValues: Record<string, string>;
}

/** The live entities of the table with flagged columns (see lossyRowsSql). */
export async function lossyRows(client: ClickHouseClient, table: AnalyticsTable): Promise<LossyRow[]> {
  const list = await rows<{ id: string; lossy_fields: string[]; raw_values: string }>(client, lossyRowsSql(table));
  return list.map((r) => ({ id: r.id, lossyFields: r.lossy_fields, rawValues: JSON.parse(r.raw_values) as Record<string, string> }));
}
