export * from './postgres.client';
export * from './postgres.data-source';
export * from './postgres.module';
export * from './postgres.tls';
export * from './row-visibility.guard';
export * from './transient-error';
export * from './transaction';
