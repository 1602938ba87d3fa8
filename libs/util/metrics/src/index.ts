export * from './service-metrics';
export * from './exposition.parser';
