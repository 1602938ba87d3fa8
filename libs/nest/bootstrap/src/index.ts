export * from './bootstrap-service';
export * from './correlation.middleware';
export * from './domain-exception.filter';
export * from './json-nest.logger';
export * from './service-config';
export * from './service-root.module';
