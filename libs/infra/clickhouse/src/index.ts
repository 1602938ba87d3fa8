export * from './clickhouse.client';
export * from './clickhouse.module';
