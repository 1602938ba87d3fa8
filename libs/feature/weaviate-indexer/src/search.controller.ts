import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { WeaviateClient } from 'weaviate-client';
import { parseSearchParams, SearchParamError, semanticSearch, type SemanticHit } from '@mch/data-weaviate-index';
import { WEAVIATE_CLIENT } from '@mch/infra-weaviate';
import { SERVICE_CONFIG, type LoadedServiceConfig } from '@mch/nest-bootstrap';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { collectionNames, embedder } from './index-settings';
import { SEARCH_PROPERTIES } from './search.command';
import type { WeaviateIndexerConfig } from './weaviate-indexer.config';

/**
 * GET /search?q=..&mode=near|hybrid&collection=opportunities|documents&agency=..&naics=..
 * &setAside=..&deadlineFrom=..&deadlineTo=..&limit=..&alpha=..: the CLI's `search` over HTTP
 * (behind the service's API token like every route). A bad parameter is a 400 naming it.
 */
@Controller()
export class SearchController {
  private readonly config: WeaviateIndexerConfig;
  private readonly embedder;

  constructor(
    @Inject(WEAVIATE_CLIENT) private readonly client: WeaviateClient,
    @Inject(SERVICE_CONFIG) serviceConfig: LoadedServiceConfig,
  ) {
    this.config = serviceConfig.app as WeaviateIndexerConfig;
    this.embedder = embedder(this.config);
  }

  @Get('search')
  async search(@Query() query: Record<string, string | undefined>): Promise<{ hits: SemanticHit[] }> {
    const target = query.collection ?? 'opportunities';
    try {
      if (target !== 'opportunities' && target !== 'documents')
        throw new SearchParamError(`collection: opportunities or documents, got '${target}'`);
      const request = parseSearchParams(query);
      const names = collectionNames(this.config);
      const collection = this.client.collections.get(target === 'opportunities' ? names.opportunity : names.contractDocument);
      return { hits: await semanticSearch(collection, request, this.embedder, [...SEARCH_PROPERTIES[target]]) };
    } catch (error) {
      if (error instanceof SearchParamError)
        throw new DomainException(ErrorCode.ValidationFailed, error.message, { entity: 'search', field: error.message.split(':')[0] });
      throw error;
    }
  }
}
