import type { PostgresConfig } from '@mch/util-config';
import { stackPgConfig } from './stack-pg-config';

/** The settings of a test database in the shape the project's config loader produces. */
export function testPostgresConfig(database: string): PostgresConfig {
  const stack = stackPgConfig();
  return {
    PGHOST: stack.host,
    PGPORT: stack.port,
    PGUSER: stack.user,
    PGPASSWORD: stack.password,
    PGDATABASE: database,
    PG_POOL_MAX: 10,
  };
}
