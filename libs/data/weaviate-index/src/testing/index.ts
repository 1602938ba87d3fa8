export * from './monolith-events';
export * from './consumed-records';
export * from './sample-data';
export * from './weaviate-test-support';
export * from './kafka-test-support';
export * from './indexer-test-stores';
