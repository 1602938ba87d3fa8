export * from './correlation.context';
