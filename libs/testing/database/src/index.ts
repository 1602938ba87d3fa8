export {
  STACK_PG_VARIABLES,
  StackConfigError,
  stackPgConfig,
  type StackPgConfig,
} from './lib/stack-pg-config';
export {
  createTestDatabase,
  testDatabaseName,
  type TestDatabase,
  type TestDatabaseOptions,
} from './lib/test-database';
export { testPostgresConfig } from './lib/test-postgres-config';
export { catalogSnapshot, type CatalogSnapshotOptions } from './lib/catalog-snapshot';
