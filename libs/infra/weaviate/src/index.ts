export * from './weaviate.client';
export * from './weaviate.module';
