export * from './load-config';
export * from './store-config.schemas';
