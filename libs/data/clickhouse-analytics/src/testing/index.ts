// Test helpers for integration specs (imported as @mch/data-clickhouse-analytics/testing); never by production code.
export * from './clickhouse-test-database';
export * from './source-envelopes';
export * from './postgres-totals';
export * from './event-factory';
export * from './chdb-runner';
export * from './edge-values';
