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
export { catalogSnapshot, type CatalogSnapshotOptions } from './lib/catalog-snapshot';
export { createMigratedDatabase, testPostgresConfig, type MigratedDatabase } from './lib/migrated-database';
export { readWholeTopic, type TopicMessage } from './lib/topic-reader';
export { freePort } from './lib/free-port';
