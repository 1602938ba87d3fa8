import type { MigratedEntity } from '@mch/contracts';
import { ENTITY_SOURCES, mapRow, sourceColumns, type RawRow } from '@mch/data-kafka-migration';
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
});
