import { Module } from '@nestjs/common';
import { WeaviateIndexerRunner } from './weaviate-indexer.runner';

/** The indexing loop as a hosted service; the stores come from the service root module. */
@Module({ providers: [WeaviateIndexerRunner], exports: [WeaviateIndexerRunner] })
export class WeaviateIndexerModule {}
