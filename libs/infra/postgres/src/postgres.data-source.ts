import { DataSource, type DataSourceOptions } from 'typeorm';
import type { PostgresConfig } from '@mch/util-config';

/** TypeORM runs the schema migrations; services use the pg pool for their hot paths. */
export function createPostgresDataSource(
  config: PostgresConfig,
  options: { applicationName: string; migrations?: DataSourceOptions['migrations'] },
): DataSource {
  return new DataSource({
    type: 'postgres',
    host: config.PGHOST,
    port: config.PGPORT,
    username: config.PGUSER,
    password: config.PGPASSWORD,
    database: config.PGDATABASE,
    applicationName: options.applicationName,
    migrations: options.migrations ?? [],
    migrationsTableName: 'mch_schema_migrations',
    synchronize: false,
    logging: false,
  });
}
