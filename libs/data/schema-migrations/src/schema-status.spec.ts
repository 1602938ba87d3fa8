import { migrationLabel, missingMigrationsMessage, schemaMigrationNames } from './schema-status';

describe('schema migration names in the refusal', () => {
  it('labels each migration as its file is numbered', () => {
    expect(schemaMigrationNames().map(migrationLabel)).toEqual([
      '016_event_sourcing_infrastructure',
      '017_microservices_tracking',
      '018_migration_state',
      '019_consistency_check_runs',
      '020_processing_status_view',
    ]);
  });

  it('names the missing ones and the command that applies them', () => {
    expect(
      missingMigrationsMessage(['MigrationState1764000000018', 'ConsistencyCheckRuns1764000000019']),
    ).toBe("schema migrations missing: 018_migration_state, 019_consistency_check_runs; run 'migrate up'");
  });
});
