import type { Pool } from 'pg';

/**
 * sum() of the amounts Decimal(18, 2) can hold: ClickHouse stores NaN, ±Infinity and amounts of
 * 10^16 or more as NULL (flagged, original text in raw_values), so its sum leaves them out, while
 * PostgreSQL's sum would be NaN or Infinity. (In PostgreSQL NaN equals NaN and sorts above every
 * number, so the range test alone would keep it.)
 */
const representableSum = (column: string) => `sum(${column}) FILTER (WHERE ${column} <> 'NaN' AND ${column} > -1e16 AND ${column} < 1e16)::text AS ${column}`;

/** The source's truth for each analytics table: row count and exact sums (numeric as text) of what ClickHouse can hold. */
export const POSTGRES_TOTALS_SQL: Record<string, string> = {
  opportunity_events: `SELECT count(*)::int AS count, ${representableSum('award_amount')}, ${representableSum('estimated_value_max')} FROM opportunities`,
  proposal_events: `SELECT count(*)::int AS count, ${representableSum('total_proposed_price')} FROM proposals`,
  // Requirements as the kafka-migrator derives them: the non-blank strings of the JSON list.
  contract_document_events: `SELECT count(*)::int AS count,
      coalesce(sum((SELECT count(*) FROM jsonb_array_elements(CASE WHEN jsonb_typeof(extracted_requirements) = 'array' THEN extracted_requirements ELSE '[]' END) e
                     WHERE jsonb_typeof(e) = 'string' AND btrim(e #>> '{}') <> '')), 0)::text AS requirement_count
    FROM contract_documents`,
  api_usage_events: `SELECT count(*)::int AS count, sum(quantity)::text AS quantity FROM usage_records`,
};

export async function postgresTotals(pool: Pool, table: string): Promise<{ count: number; sums: Record<string, string | null> }> {
  const { rows } = await pool.query<Record<string, string | number | null>>(POSTGRES_TOTALS_SQL[table]);
  const { count, ...sums } = rows[0];
  return { count: Number(count), sums: sums as Record<string, string | null> };
}
