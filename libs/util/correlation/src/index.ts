export * from './correlation.context';
export * from './correlation.propagation';
