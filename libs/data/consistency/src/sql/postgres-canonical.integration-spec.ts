import type { MigratedEntity } from '@mch/contracts';
import { ENTITY_SOURCES, fromPgText, mapRow, sourceColumns, type RawRow } from '@mch/data-kafka-migration';
import { canonicalText } from '../hashing/canonical-value';
import { pgCanonicalColumn } from './postgres-canonical.sql';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { fullProfile, hashMapped } from '../profiles/hash-profile';
import { PostgresEntitySource } from '../stores/postgres.source';

const ENTITIES: MigratedEntity[] = [
  'opportunity',
  'proposal',
  'contract_document',
  'company',
  'usage_record',
];
const ALL_SEGMENTS = [...'0123456789abcdef'];

describe('row hashes computed inside PostgreSQL (real PostgreSQL, fixture data)', () => {
  let db: MigratedDatabase;

  beforeAll(async () => {
    db = await createMigratedDatabase('consistency_pg_canon', { load: { opportunities: 400, seed: 23 } });
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it.each(ENTITIES)(
    '%s: the SQL hash of every row equals the hash of mapRow() output, derived fields included',
    async (entity) => {
      const source = ENTITY_SOURCES[entity];
      const select = Object.keys(sourceColumns(source))
        .map((c) => `"${c}"::text AS "${c}"`)
        .join(', ');
      const raw = await db.pool.query<RawRow>(`SELECT ${select} FROM "${source.table}"`);
      expect(raw.rows.length).toBeGreaterThan(0);
      const profile = fullProfile(entity);
      const expected = new Map(raw.rows.map((r) => [String(r.id), hashMapped(profile, mapRow(source, r))]));
      const computed = await new PostgresEntitySource(db.pool, entity, [profile])
        .view(profile)
        .rowHashes(ALL_SEGMENTS);
      expect(new Map([...computed].map(([id, row]) => [id, row.hash]))).toEqual(expected);
    },
  );

  it('derived fields with every shape mapRow accepts hash the same in SQL (requirements as strings, objects, nested, blank)', async () => {
    const shapes = [
      '["Provide ISO 13485 certificate", "  ", "Deliver within 30 days"]',
      '[{"text": "Sterile packaging"}, {"requirement": "FDA 510(k) clearance"}, {"text": null, "requirement": "Fallback"}, {"text": 5}, 7, null]',
      '{"requirements": ["Nested list item", "\\u00a0\\u2003"]}',
      '{"other": 1}',
      'null',
      '"just text"',
    ];
    const ids = (
      await db.pool.query<{ id: string }>(
        `SELECT id::text AS id FROM contract_documents ORDER BY id LIMIT ${shapes.length}`,
      )
    ).rows.map((r) => r.id);
    for (const [i, shape] of shapes.entries())
      await db.pool.query(`UPDATE contract_documents SET extracted_requirements = $2::jsonb WHERE id = $1`, [
        ids[i],
        shape,
      ]);
    await db.pool.query(
      `UPDATE opportunities SET sam_raw_data = '[1, 2]'::jsonb WHERE id = (SELECT id FROM opportunities ORDER BY id LIMIT 1)`,
    );
    await db.pool.query(
      `UPDATE opportunities SET sam_raw_data = '{"type": "", "baseType": 3}'::jsonb WHERE id = (SELECT id FROM opportunities ORDER BY id OFFSET 1 LIMIT 1)`,
    );
    for (const entity of ['contract_document', 'opportunity'] as const) {
      const source = ENTITY_SOURCES[entity];
      const select = Object.keys(sourceColumns(source))
        .map((c) => `"${c}"::text AS "${c}"`)
        .join(', ');
      const raw = await db.pool.query<RawRow>(`SELECT ${select} FROM "${source.table}"`);
      const profile = fullProfile(entity);
      const expected = new Map(raw.rows.map((r) => [String(r.id), hashMapped(profile, mapRow(source, r))]));
      const computed = await new PostgresEntitySource(db.pool, entity, [profile])
        .view(profile)
        .rowHashes(ALL_SEGMENTS);
      expect(new Map([...computed].map(([id, row]) => [id, row.hash]))).toEqual(expected);
    }
  });

  it('timestamps and numerics PostgreSQL generates, in any session time zone and in text or jsonb form, convert to the same exact text in JS (fromPgText) as in SQL', async () => {
    const client = await db.pool.connect();
    try {
      await client.query(`SELECT setseed(0.42)`);
      await client.query(`CREATE TEMP TABLE edge_values AS
        SELECT c, n FROM unnest(
          ARRAY['0001-01-01 00:00:00+00', '1969-12-31 23:59:59.999999+00', '2106-02-08 00:00:00+00', '9999-12-31 23:59:59.999999+00',
                '0044-03-15 00:00:00+00 BC', '0001-12-31 23:59:59.5+00 BC', '4713-01-01 00:00:00+00 BC', '294276-12-31 23:59:59.999999+00',
                'infinity', '-infinity', '2026-01-02 03:04:05.0001+00', '2026-01-02 03:04:05.120+00']::timestamptz[],
          ARRAY['NaN', 'Infinity', '-Infinity', '0', '-0.50', '1234.50', '100', '0.000001', '12345678901234567890.12345678901234567890', NULL, '7', '-1']::numeric[]) AS u(c, n)
        UNION ALL
        SELECT timestamptz '4713-01-01 00:00:00+00 BC' + make_interval(days => floor(random() * 109000000)::int)
                 + make_interval(secs => floor(random() * 86400000000) / 1e6),
               round((random() * 2e6 - 1e6)::numeric, (floor(random() * 6))::int)
          FROM generate_series(1, 3000)`);
      const ctx = { entity: 'opportunity', id: 'edge', field: 'c' };
      let compared = 0;
      for (const zone of ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Europe/Amsterdam', 'Pacific/Kiritimati']) {
        await client.query(`SET TimeZone = '${zone}'`);
        const { rows } = await client.query<{ text: string; json: string; sql: string; n: string | null; nsql: string | null }>(
          `SELECT t.c::text AS text, to_jsonb(t.c) #>> '{}' AS json, ${pgCanonicalColumn('timestamptz', 'c')} AS sql,
                  t.n::text AS n, ${pgCanonicalColumn('numeric', 'n')} AS nsql
             FROM edge_values t`,
        );
        const wrong = rows.filter(
          (r) =>
            fromPgText('timestamptz', r.text, ctx) !== r.sql ||
            fromPgText('timestamptz', r.json, ctx) !== r.sql ||
            canonicalText('timestamptz', fromPgText('timestamptz', r.text, ctx)) !== r.sql ||
            canonicalText('numeric', fromPgText('numeric', r.n, ctx)) !== r.nsql,
        );
        expect([zone, wrong.slice(0, 3)]).toEqual([zone, []]);
        compared += rows.length;
      }
      expect(compared).toBe(5 * 3_012);
      // The text is Date's own wherever Date can hold the value.
      const { rows } = await client.query<{ sql: string }>(`SELECT ${pgCanonicalColumn('timestamptz', 'c')} AS sql FROM edge_values t WHERE isfinite(t.c) AND t.c < '275000-01-01' AND to_char(t.c AT TIME ZONE 'UTC', 'US') LIKE '%000'`);
      for (const r of rows) expect(new Date(r.sql).toISOString()).toBe(r.sql);
    } finally {
      await client.query(`DROP TABLE IF EXISTS edge_values`);
      client.release();
    }
  });

  it('edge rows of the monolith hash the same in SQL as mapRow() output (NaN, BC and far years, ±infinity, microseconds)', async () => {
    const ids = (await db.pool.query<{ id: string }>(`SELECT id::text AS id FROM opportunities ORDER BY id LIMIT 4`)).rows.map((r) => r.id);
    const edits = [
      `award_amount = 'NaN', posted_date = '0044-03-15 00:00:00+00 BC', response_deadline = 'infinity'`,
      `posted_date = '-infinity', response_deadline = '294276-12-31 23:59:59.999999+00', archive_date = '0001-01-01 00:00:00+00'`,
      `posted_date = '1969-12-31 23:59:59.999999+00', response_deadline = '9999-12-31 23:59:59.999999+00', award_date = '2106-02-08 00:00:00+00'`,
      `created_at = '2026-01-02 03:04:05.000001+00', updated_at = 'infinity'`,
    ];
    for (const [i, edit] of edits.entries()) await db.pool.query(`UPDATE opportunities SET ${edit} WHERE id = $1`, [ids[i]]);
    const source = ENTITY_SOURCES.opportunity;
    const select = Object.keys(sourceColumns(source))
      .map((c) => `"${c}"::text AS "${c}"`)
      .join(', ');
    const raw = await db.pool.query<RawRow>(`SELECT ${select} FROM opportunities WHERE id = ANY($1::uuid[])`, [ids]);
    const profile = fullProfile('opportunity');
    const expected = new Map(raw.rows.map((r) => [String(r.id), hashMapped(profile, mapRow(source, r))]));
    const computed = await new PostgresEntitySource(db.pool, 'opportunity', [profile]).view(profile).rowHashes(ALL_SEGMENTS);
    expect(new Map([...computed].filter(([id]) => ids.includes(id)).map(([id, row]) => [id, row.hash]))).toEqual(expected);
    expect(expected.size).toBe(4);

    // jsonb numbers a double would change (usage_record.metadata) hash as PostgreSQL prints them.
    const usage = (await db.pool.query<{ id: string }>(`SELECT id::text AS id FROM usage_records ORDER BY id LIMIT 1`)).rows[0].id;
    await db.pool.query(`UPDATE usage_records SET metadata = $2::jsonb WHERE id = $1`, [
      usage,
      `{"rate": 1.50, "tokens": 12345678901234567890123, "tiny": 0.0000001, "list": [1.0, 2, 0.1]}`,
    ]);
    const usageSource = ENTITY_SOURCES.usage_record;
    const usageSelect = Object.keys(sourceColumns(usageSource))
      .map((c) => `"${c}"::text AS "${c}"`)
      .join(', ');
    const usageRaw = await db.pool.query<RawRow>(`SELECT ${usageSelect} FROM usage_records WHERE id = $1`, [usage]);
    const usageProfile = fullProfile('usage_record');
    const usageHashes = await new PostgresEntitySource(db.pool, 'usage_record', [usageProfile]).view(usageProfile).rowHashes(ALL_SEGMENTS);
    expect(usageHashes.get(usage)?.hash).toBe(hashMapped(usageProfile, mapRow(usageSource, usageRaw.rows[0])));
  });
});
