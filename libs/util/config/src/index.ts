export * from './load-config';
export * from './store-config.schemas';
export * from './cli-args.parser';
