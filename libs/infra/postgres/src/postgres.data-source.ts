import type { TlsOptions } from 'node:tls';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { PostgresConfig } from '@mch/util-config';
import { postgresSslOptions } from './postgres.tls';

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
    // TypeORM hands `ssl` to pg unchanged; its type is TlsOptions, pg's is ConnectionOptions.
    ssl: postgresSslOptions(config) as boolean | TlsOptions,
    applicationName: options.applicationName,
    migrations: options.migrations ?? [],
    migrationsTableName: 'mch_schema_migrations',
    synchronize: false,
    logging: false,
  });
}
