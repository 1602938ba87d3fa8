export * from './load-config';
export * from './store-config.schemas';
export * from './api-token.schema';
export * from './cli-args.parser';
export * from './tls-settings';
