import { Module } from '@nestjs/common';
import { SearchController } from './search.controller';
import { WeaviateIndexerRunner } from './weaviate-indexer.runner';

/** The indexing loop as a hosted service and GET /search; the stores come from the service root module. */
@Module({ controllers: [SearchController], providers: [WeaviateIndexerRunner], exports: [WeaviateIndexerRunner] })
export class WeaviateIndexerModule {}
