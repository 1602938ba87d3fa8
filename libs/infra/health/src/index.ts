export * from './store-name';
export * from './health.module';
export * from './store.health';
export * from './with-timeout';
export * from './service-readiness';
