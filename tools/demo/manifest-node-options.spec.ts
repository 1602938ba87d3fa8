import { manifestNodeOptions } from './manifest-node-options';

describe('manifestNodeOptions', () => {
  it('reads the heap cap each workload the demo runs gets in its manifest', () => {
    for (const file of ['jobs/kafka-migrator-backfill.yaml', 'kafka-migrator-cdc.yaml', 'event-store.yaml', 'clickhouse-populator.yaml', 'weaviate-indexer.yaml', 'consistency-checker.yaml', 'jobs/consistency-checker.yaml', 'jobs/schema-migrate.yaml']) {
      expect(manifestNodeOptions(file)).toMatch(/^--max-old-space-size=\d+ --max-semi-space-size=\d+$/);
    }
  });

  it('names the file when no container sets NODE_OPTIONS', () => {
    expect(() => manifestNodeOptions('namespace.yaml')).toThrow(/k8s\/base\/namespace.yaml: no container sets NODE_OPTIONS/);
  });
});
