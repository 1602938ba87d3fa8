import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { deadLetterTopicsOf } from '@mch/contracts';
import { createKafka } from '@mch/infra-kafka';
import { createPostgresPool } from '@mch/infra-postgres';
import { createMigratedDatabase, type MigratedDatabase } from '@mch/testing-stack';
import { kafkaEnvSchema, loadConfig } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { traceLineage } from '../lineage/lineage';
import { ConsistencyChecker, DEFAULT_CHECK_OPTIONS } from './consistency-check';

const logger = createLogger({ service: 'row-visibility-it', level: 'error', sink: () => undefined });

/**
 * The monolith's tables have row level security (opportunities: a plain role sees active ones only).
 * Read through such a role, the checker would compare a fraction of the table and could pass, and
 * lineage would call a present row absent. Both refuse instead, naming the table and the role.
 */
describe('checker and lineage under row level security (real PostgreSQL policies)', () => {
  let db: MigratedDatabase;
  let restricted: Pool;
  let kafka: Kafka;
  const role = `it_check_rls_${randomUUID().slice(0, 8)}`;
  const password = randomUUID();

  beforeAll(async () => {
    db = await createMigratedDatabase('check_rls_it', { load: { opportunities: 60, seed: 5 } });
    await db.pool.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await db.pool.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    restricted = createPostgresPool({ ...db.config, PGUSER: role, PGPASSWORD: password }, { applicationName: 'check-rls-it', max: 2 });
    kafka = createKafka(loadConfig(kafkaEnvSchema), { clientId: 'check-rls-it', logger });
  }, 120_000);

  afterAll(async () => {
    await restricted?.end();
    await db.pool.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}; DROP ROLE IF EXISTS ${role}`);
    await db.drop();
  });

  it('fails every pair as PostgreSQL unreadable (verdict unreadable) instead of comparing the rows the policy shows', async () => {
    const all = (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM opportunities`)).rows[0].n;
    const visible = (await restricted.query<{ n: number }>(`SELECT count(*)::int AS n FROM opportunities`)).rows[0].n;
    expect(visible).toBeLessThan(all);
    const report = await new ConsistencyChecker({ pool: restricted, kafka }).run({
      ...DEFAULT_CHECK_OPTIONS,
      entities: ['opportunity'],
      targets: ['kafka'],
      topicFor: () => `check-rls-it-${randomUUID()}`,
      deadLetterTopicsFor: (entity) => deadLetterTopicsOf(entity, `check-rls-it-${randomUUID()}.`),
      kafkaTimeoutMs: 5_000,
      logger,
    });
    expect(report.verdict).toBe('unreadable');
    expect(report.entities[0].pairs[0].error).toEqual({
      store: 'postgres',
      message: expect.stringContaining(
        `table opportunities has row level security and role ${role} does not bypass it: a consistency check would silently skip rows`,
      ),
    });
  }, 60_000);

  it('lineage reports the row-visibility refusal under its errors instead of calling the row absent', async () => {
    const hidden = (await db.pool.query<{ id: string }>(`SELECT id::text AS id FROM opportunities WHERE status <> 'active' LIMIT 1`)).rows[0].id;
    const report = await traceLineage({ pool: restricted }, 'opportunity', hidden);
    expect(report.postgres).toBeNull();
    expect(report.errors).toEqual([
      expect.objectContaining({ store: 'postgres', message: expect.stringContaining(`role ${role} does not bypass it: a lineage would silently skip rows`) }),
    ]);
  });
});
