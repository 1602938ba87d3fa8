export * from './caught-up.watcher';
export * from './index-settings';
export * from './run-weaviate-indexer';
export * from './weaviate-indexer.cli';
export * from './weaviate-indexer.config';
export * from './weaviate-indexer.module';
export * from './weaviate-indexer.runner';
export * from './search.command';
