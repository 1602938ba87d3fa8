import type { Pool } from 'pg';

/**
 * The monolith's traffic during a migration: inserts, updates and deletes in all five migrated
 * tables, several per transaction, until stopped. The values cycle through the same edge cases
 * as the fixture's edge rows (BC, year 0001/2106/9999, infinity, NaN, the largest numerics, emoji,
 * microseconds), so change capture carries them too, not only the backfill. Change times stay
 * `now()`: the row is compared once the check's cutoff has passed it.
 */
const TIMESTAMPS = [
  '-infinity',
  'infinity',
  '0044-03-15 12:00:00+00 BC',
  '0001-01-01 00:00:00+00',
  '1969-12-31 23:59:59.999999+00',
  '2106-02-08 00:00:00+00',
  '9999-12-31 23:59:59.999999+00',
  '2026-06-30 12:34:56.123456+00',
];
const AMOUNTS = ['NaN', '9999999999999.99', '-9999999999999.99', '0.01', null];
const TITLES = ['Exam gloves 🧤 lot 7', 'Infusion pumps 👩🏽‍⚕️ (ZWJ)', 'Ø 4.5 mm screws ±0.05', 'Plain title'];

export interface LiveWriterStats {
  transactions: number;
  inserted: number;
  updated: number;
  deleted: number;
  errors: string[];
}

export interface LiveWriter {
  readonly stats: LiveWriterStats;
  /** Stops after the transaction in progress; resolves once it has committed. */
  stop(): Promise<LiveWriterStats>;
}

/** `keep`: ids the writer never updates or deletes (the fixture's edge rows keep their edge values). */
export function startLiveWriter(pool: Pool, tag: string, keep: readonly string[], pauseMs = 100): LiveWriter {
  const stats: LiveWriterStats = { transactions: 0, inserted: 0, updated: 0, deleted: 0, errors: [] };
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i += 1) {
      const ts = TIMESTAMPS[i % TIMESTAMPS.length] as string;
      const amount = AMOUNTS[i % AMOUNTS.length] ?? null;
      const title = `${TITLES[i % TITLES.length]} ${tag}-${i}`;
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const opp = await client.query<{ id: string }>(
          `INSERT INTO opportunities (notice_id, title, description, agency, posted_date, response_deadline, archive_date, award_amount, created_at, updated_at)
           VALUES ($1, $2, $3, 'VETERANS AFFAIRS, DEPARTMENT OF', $4, $4, $4, $5, now(), now()) RETURNING id::text AS id`,
          [`${tag}-${i}`, title, `Written live ${i} 🚚`, ts, amount],
        );
        const oppId = opp.rows[0]?.id as string;
        await client.query(
          `UPDATE opportunities SET title = $1, award_amount = $2, award_date = $3, updated_at = now()
            WHERE id = (SELECT id FROM opportunities WHERE id <> ALL($5::uuid[]) ORDER BY id OFFSET $4 LIMIT 1)`,
          [title, amount, ts, (i * 7) % 50, keep],
        );
        const company = await client.query<{ id: string }>(
          `INSERT INTO companies (name, sam_registration_date, sam_expiration_date, naics_codes, created_at, updated_at)
           VALUES ($1, $2, $2, ARRAY['339112', $1], now(), now()) RETURNING id::text AS id`,
          [title, ts],
        );
        const user = await client.query<{ id: string }>(
          `SELECT id::text AS id FROM auth.users ORDER BY id OFFSET $1 LIMIT 1`,
          [i % 5],
        );
        const userId = user.rows[0]?.id as string;
        await client.query(
          `INSERT INTO proposals (opportunity_id, company_id, created_by, title, total_proposed_price, submission_deadline, tags, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, ARRAY[$4, ''], now(), now())`,
          [oppId, company.rows[0]?.id, userId, title, amount, ts],
        );
        await client.query(
          `UPDATE proposals SET total_proposed_price = $1, submitted_at = $2, updated_at = now()
            WHERE id = (SELECT id FROM proposals WHERE id <> ALL($4::uuid[]) ORDER BY id OFFSET $3 LIMIT 1)`,
          [amount, ts, (i * 3) % 20, keep],
        );
        await client.query(
          `INSERT INTO contract_documents (opportunity_id, company_id, file_name, file_url, file_type, file_size, processed_at, extracted_requirements, created_at, updated_at)
           VALUES ($1, $2, $3, 'https://files.example/' || $4, 'application/pdf', $5, $6, $7::jsonb, now(), now())`,
          [
            oppId,
            company.rows[0]?.id,
            `${title}.pdf`,
            i,
            i % 2 === 0 ? 2_147_483_647 : -2_147_483_648,
            ts,
            JSON.stringify([`Requirement ${i} ✅`, title]),
          ],
        );
        await client.query(
          `UPDATE contract_documents SET processed_at = $1, ocr_status = 'completed', updated_at = now()
            WHERE id = (SELECT id FROM contract_documents WHERE id <> ALL($3::uuid[]) ORDER BY id OFFSET $2 LIMIT 1)`,
          [ts, (i * 5) % 30, keep],
        );
        await client.query(
          `INSERT INTO usage_records (user_id, feature, quantity, metadata, created_at) VALUES ($1, 'export', $2, $3::jsonb, now())`,
          [
            userId,
            i % 2 === 0 ? 2_147_483_647 : -2_147_483_648,
            JSON.stringify({ endpoint: `/api/🧪/${i}` }),
          ],
        );
        const deleted = await client.query(
          `DELETE FROM usage_records WHERE id = (SELECT id FROM usage_records WHERE feature <> 'export' AND id <> ALL($2::uuid[]) ORDER BY id OFFSET $1 LIMIT 1)`,
          [i % 10, keep],
        );
        await client.query('COMMIT');
        stats.transactions += 1;
        stats.inserted += 5;
        stats.updated += 3;
        stats.deleted += deleted.rowCount ?? 0;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        stats.errors.push((error as Error).message);
      } finally {
        client.release();
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    stats,
    stop: async () => {
      running = false;
      await loop;
      return stats;
    },
  };
}
