import type { Command } from 'commander';
import { parseSearchParams, SearchParamError, semanticSearch, type SemanticHit } from '@mch/data-weaviate-index';
import { connectWeaviate } from '@mch/infra-weaviate';
import { describeExitCodes } from '@mch/util-cli';
import { loadConfigSections, weaviateEnvSchema, type Env } from '@mch/util-config';
import { createLogger } from '@mch/util-logger';
import { collectionNames, embedder, SERVICE_NAME } from './index-settings';
import { weaviateIndexerConfigSchema } from './weaviate-indexer.config';

/** Returned properties: enough to show a hit, never the lineage fields. */
export const SEARCH_PROPERTIES = {
  opportunities: ['title', 'agency', 'naicsCode', 'setAsideType', 'responseDeadline', 'noticeId'],
  documents: ['fileName', 'opportunityId', 'requirements'],
} as const;

/**
 * A semantic query over the index with the indexer's own settings: the module embeds the query
 * (text2vec-transformers), or the indexer's embedder does (transformers-client, feature hashing),
 * so the query lands in the same vector space as the stored objects.
 */
export async function searchIndex(params: Record<string, string | undefined>, env: Env = process.env): Promise<SemanticHit[]> {
  const request = parseSearchParams(params);
  const target = params.collection ?? 'opportunities';
  if (target !== 'opportunities' && target !== 'documents')
    throw new SearchParamError(`collection: opportunities or documents, got '${target}'`);
  const { app, weaviate } = loadConfigSections({ app: weaviateIndexerConfigSchema, weaviate: weaviateEnvSchema }, env);
  const names = collectionNames(app);
  const client = await connectWeaviate(weaviate);
  try {
    const collection = client.collections.get(target === 'opportunities' ? names.opportunity : names.contractDocument);
    return await semanticSearch(collection, request, embedder(app), [...SEARCH_PROPERTIES[target]]);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** `weaviate-indexer search <text> [--mode near|hybrid] [--agency ..] ...`: one JSON line of hits. */
export function registerSearchCommand(program: Command, env: NodeJS.ProcessEnv = process.env): void {
  const command = program
    .command('search')
    .description('nearText / hybrid search over the index (opportunities or documents), with filters')
    .argument('<text>', 'the query')
    .option('--collection <name>', 'opportunities or documents', 'opportunities')
    .option('--mode <mode>', 'near (vector only) or hybrid (BM25 + vector)', 'hybrid')
    .option('--alpha <0..1>', 'hybrid weight of the vector side', '0.75')
    .option('--limit <n>', 'hits, 1..100', '10')
    .option('--agency <agency>', 'only this agency')
    .option('--naics <code>', 'only this NAICS code')
    .option('--set-aside <code>', 'only this set-aside type')
    .option('--deadline-from <date>', 'response deadline on or after (ISO-8601)')
    .option('--deadline-to <date>', 'response deadline on or before (ISO-8601)')
    .action(async (text: string, o: Record<string, string | undefined>) => {
      const logger = createLogger({ service: SERVICE_NAME, level: env.LOG_LEVEL === 'debug' ? 'debug' : 'info' });
      try {
        const hits = await searchIndex(
          { q: text, collection: o.collection, mode: o.mode, alpha: o.alpha, limit: o.limit, agency: o.agency, naics: o.naics, setAside: o.setAside, deadlineFrom: o.deadlineFrom, deadlineTo: o.deadlineTo },
          env,
        );
        process.stdout.write(`${JSON.stringify({ command: 'search', hits })}\n`);
        process.exitCode = 0;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.error(`search failed: ${message}`, { command: 'search' });
        process.exitCode = error instanceof SearchParamError ? 2 : 1;
      }
    });
  describeExitCodes(command, { 0: 'hits printed', 1: 'failed', 2: 'bad parameter (named)' });
}
