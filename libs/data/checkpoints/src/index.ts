export * from './checkpoint.store';
