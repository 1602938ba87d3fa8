export * from './weaviate.client';
export * from './weaviate.module';
export * from './weaviate-rest';
export * from './weaviate.tls';
