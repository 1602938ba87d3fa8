// The database helpers live in @mch/testing-database (which the specs of the libs below this one,
// such as the schema migrations and the monolith fixture, use without a cycle); re-exported here so
// every other spec keeps one import.
export {
  STACK_PG_VARIABLES,
  StackConfigError,
  stackPgConfig,
  type StackPgConfig,
  createTestDatabase,
  testDatabaseName,
  type TestDatabase,
  type TestDatabaseOptions,
  testPostgresConfig,
  catalogSnapshot,
  type CatalogSnapshotOptions,
} from '@mch/testing-database';
export { createMigratedDatabase, type MigratedDatabase } from './lib/migrated-database';
export { readWholeTopic, type TopicMessage } from './lib/topic-reader';
export { freePort } from './lib/free-port';
export {
  WORKSPACE_ROOT,
  TEST_API_TOKEN,
  bearer,
  startService,
  httpStatus,
  waitFor,
  waitReady,
  runEntry,
  type EntryResult,
  type ServiceProcess,
} from './lib/service-process';
export { startLiveWriter, type LiveWriter, type LiveWriterStats } from './lib/live-writer';
