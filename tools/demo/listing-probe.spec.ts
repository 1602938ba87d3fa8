import { readFileSync } from 'node:fs';
import path from 'node:path';
import { kafkaMigratorConfigSchema } from '@mch/feature-kafka-migrator';
import { MONOLITH_LISTING_PROBE_SQL } from './listing-probe';

describe('the latency probe of the demo and the manifests', () => {
  const configEnv = readFileSync(path.resolve(__dirname, '../../k8s/base/mch-config.env'), 'utf8');
  const line = configEnv.split('\n').find((l) => l.startsWith('BACKFILL_LATENCY_PROBE_SQL='));

  it('is the same query in k8s/base/mch-config.env as in the demo', () => {
    expect(line?.slice('BACKFILL_LATENCY_PROBE_SQL='.length)).toBe(MONOLITH_LISTING_PROBE_SQL);
  });

  it("passes the kafka-migrator's own validation", () => {
    const parsed = kafkaMigratorConfigSchema.parse({ MIGRATION_RUN: 'r', BACKFILL_LATENCY_PROBE_SQL: MONOLITH_LISTING_PROBE_SQL });
    expect(parsed.BACKFILL_LATENCY_PROBE_SQL).toBe(MONOLITH_LISTING_PROBE_SQL);
  });
});
