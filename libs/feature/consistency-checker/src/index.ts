export * from './consistency-checker.config';
export * from './check-options';
export * from './consistency.metrics';
export * from './consistency-run.service';
export * from './consistency.controller';
export * from './consistency-checker.module';
export * from './consistency.cli';
export * from './rollback.command';
