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
});
