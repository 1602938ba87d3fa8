export * from './clickhouse-populator.config';
export * from './clickhouse-populator.module';
export * from './populator.runner';
export * from './exit-on-failure';
export * from './populator-topics';
export * from './historical-dead-letters';
export * from './populator.cli';
