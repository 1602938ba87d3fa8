import { kafkaMigratorConfigSchema } from './kafka-migrator.config';

describe('kafkaMigratorConfigSchema', () => {
  it('takes the shard from the Indexed Job completion index and derives a stable migration id', () => {
    const a = kafkaMigratorConfigSchema.parse({ MIGRATION_RUN: 'prod-2026-11', SHARD_COUNT: '4', JOB_COMPLETION_INDEX: '3' });
    const b = kafkaMigratorConfigSchema.parse({ MIGRATION_RUN: 'prod-2026-11' });
    expect(a.shardIndex).toBe(3);
    expect(a.migrationId).toBe(b.migrationId);
    expect(a.ENTITIES).toContain('opportunity');
  });

  it('refuses an unknown entity and a shard outside the count, naming the variable', () => {
    const entities = kafkaMigratorConfigSchema.safeParse({ MIGRATION_RUN: 'r', ENTITIES: 'opportunity,invoices' });
    expect(entities.error?.issues[0]).toMatchObject({ path: ['ENTITIES'], message: expect.stringContaining('unknown entities invoices') });
    const shard = kafkaMigratorConfigSchema.safeParse({ MIGRATION_RUN: 'r', SHARD_COUNT: '2', SHARD_INDEX: '2' });
    expect(shard.error?.issues[0].path).toEqual(['SHARD_INDEX']);
  });

  it('takes one SELECT as the latency probe and refuses anything else, naming the variable', () => {
    const listing = "SELECT id FROM opportunities WHERE status = 'active' AND agency = 'DEFENSE HEALTH AGENCY' ORDER BY response_deadline LIMIT 20";
    expect(kafkaMigratorConfigSchema.parse({ MIGRATION_RUN: 'r', BACKFILL_LATENCY_PROBE_SQL: listing }).BACKFILL_LATENCY_PROBE_SQL).toBe(listing);
    expect(kafkaMigratorConfigSchema.parse({ MIGRATION_RUN: 'r', BACKFILL_LATENCY_PROBE_SQL: 'with t as (select 1) select * from t' }).BACKFILL_LATENCY_PROBE_SQL).toBeDefined();
    for (const bad of ['DELETE FROM opportunities', 'SELECT 1; DROP TABLE opportunities', 'VACUUM opportunities']) {
      const parsed = kafkaMigratorConfigSchema.safeParse({ MIGRATION_RUN: 'r', BACKFILL_LATENCY_PROBE_SQL: bad });
      expect(parsed.error?.issues[0]).toMatchObject({ path: ['BACKFILL_LATENCY_PROBE_SQL'], message: expect.stringContaining('one SELECT') });
    }
  });
});
