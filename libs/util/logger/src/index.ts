export * from './json-logger';
export * from './process-warnings';
