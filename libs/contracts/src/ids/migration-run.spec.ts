import { migrationIdOfRun, resolveMigrationId } from './migration-run';
import { MIGRATION_EVENT_NAMESPACE, uuidV5 } from './uuid-v5';

describe('migration run id', () => {
  it('is the UUID v5 of the run name in the migration namespace, the same every time', () => {
    expect(migrationIdOfRun('prod-2026-01')).toBe(uuidV5('prod-2026-01', MIGRATION_EVENT_NAMESPACE));
    expect(migrationIdOfRun('prod-2026-01')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(migrationIdOfRun('staging-2026-01')).not.toBe(migrationIdOfRun('prod-2026-01'));
  });

  it('refuses a run name that is not lower-case letters, digits and dashes, naming the variable', () => {
    expect(() => migrationIdOfRun('Prod 2026')).toThrow(
      /MIGRATION_RUN 'Prod 2026' must be lower-case letters, digits and dashes/,
    );
  });

  it('takes an explicit MIGRATION_ID over the run name, and has none without either', () => {
    const explicit = '0b7c7b1e-4f6a-4c5d-8e9f-0a1b2c3d4e5f';
    expect(resolveMigrationId({ MIGRATION_ID: explicit, MIGRATION_RUN: 'prod-2026-01' })).toBe(explicit);
    expect(resolveMigrationId({ MIGRATION_RUN: 'prod-2026-01' })).toBe(migrationIdOfRun('prod-2026-01'));
    expect(resolveMigrationId({})).toBeUndefined();
    expect(resolveMigrationId({ MIGRATION_RUN: ' ' })).toBeUndefined();
  });
});
