import { Filters, type Collection, type FilterValue } from 'weaviate-client';
import type { TextEmbedder } from '../vectors/text-embedder';

export interface SemanticSearchFilters {
  agency?: string;
  naicsCode?: string;
  setAsideType?: string;
  /** responseDeadline >= from (inclusive) */
  deadlineFrom?: Date;
  /** responseDeadline <= to (inclusive) */
  deadlineTo?: Date;
}

export interface SemanticSearchRequest {
  query: string;
  /** `near`: vector only (nearText/nearVector); `hybrid`: BM25 fused with the vector, weighted by alpha. */
  mode: 'near' | 'hybrid';
  /** Hybrid weight of the vector side: 0 = BM25 only, 1 = vector only. */
  alpha: number;
  limit: number;
  filters: SemanticSearchFilters;
}

export interface SemanticHit {
  id: string;
  /** Cosine distance (near) or fused score (hybrid). */
  distance?: number;
  score?: number;
  properties: Record<string, unknown>;
}

/** A search parameter out of range: the message names it and the limit (HTTP 400, CLI exit 2). */
export class SearchParamError extends Error {}

/**
 * Reads search parameters from a query string or CLI flags (all strings), naming any bad one.
 * Filters only apply to collections that have the property (opportunities have all of them).
 */
export function parseSearchParams(params: Record<string, string | undefined>): SemanticSearchRequest {
  const query = (params.q ?? params.query ?? '').trim();
  if (!query) throw new SearchParamError('q: a non-empty query text is required');
  if (query.length > 2_000) throw new SearchParamError(`q: at most 2000 characters, got ${query.length}`);
  const mode = params.mode ?? 'hybrid';
  if (mode !== 'near' && mode !== 'hybrid') throw new SearchParamError(`mode: near or hybrid, got '${mode}'`);
  const limit = Number(params.limit ?? 10);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new SearchParamError(`limit: an integer 1..100, got '${params.limit}'`);
  const alpha = Number(params.alpha ?? 0.75);
  if (!Number.isFinite(alpha) || alpha < 0 || alpha > 1) throw new SearchParamError(`alpha: a number 0..1, got '${params.alpha}'`);
  const date = (name: 'deadlineFrom' | 'deadlineTo') => {
    const raw = params[name];
    if (raw === undefined || raw === '') return undefined;
    const d = new Date(raw);
    if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(d.getTime()))
      throw new SearchParamError(`${name}: an ISO-8601 date (YYYY-MM-DD or a timestamp), got '${raw}'`);
    return d;
  };
  const filters: SemanticSearchFilters = {
    agency: params.agency || undefined,
    naicsCode: params.naics || params.naicsCode || undefined,
    setAsideType: params.setAside || params.setAsideType || undefined,
    deadlineFrom: date('deadlineFrom'),
    deadlineTo: date('deadlineTo'),
  };
  if (filters.deadlineFrom && filters.deadlineTo && filters.deadlineFrom > filters.deadlineTo)
    throw new SearchParamError('deadlineFrom: must not be after deadlineTo');
  return { query, mode, alpha, limit, filters };
}

function buildFilters(collection: Collection, f: SemanticSearchFilters): FilterValue | undefined {
  const parts: FilterValue[] = [];
  if (f.agency) parts.push(collection.filter.byProperty('agency').equal(f.agency));
  if (f.naicsCode) parts.push(collection.filter.byProperty('naicsCode').equal(f.naicsCode));
  if (f.setAsideType) parts.push(collection.filter.byProperty('setAsideType').equal(f.setAsideType));
  if (f.deadlineFrom) parts.push(collection.filter.byProperty('responseDeadline').greaterOrEqual(f.deadlineFrom));
  if (f.deadlineTo) parts.push(collection.filter.byProperty('responseDeadline').lessOrEqual(f.deadlineTo));
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : Filters.and(...parts);
}

/**
 * nearText / hybrid over an opportunity or document collection. With `embedder` null the
 * collection's module embeds the query (text2vec-transformers); otherwise the query is embedded
 * client-side by the same embedder that wrote the vectors (never feature hashing for a model
 * collection: the vector spaces would not match).
 */
export async function semanticSearch(
  collection: Collection,
  request: SemanticSearchRequest,
  embedder: TextEmbedder | null,
  returnProperties?: string[],
): Promise<SemanticHit[]> {
  const filters = buildFilters(collection, request.filters);
  const vector = embedder ? (await embedder.embed([request.query]))[0] : undefined;
  const common = { limit: request.limit, filters, returnProperties } as const;
  const result =
    request.mode === 'hybrid'
      ? await collection.query.hybrid(request.query, {
          ...common,
          alpha: request.alpha,
          ...(vector ? { vector } : {}),
          returnMetadata: ['score'],
        })
      : vector
        ? await collection.query.nearVector(vector, { ...common, returnMetadata: ['distance'] })
        : await collection.query.nearText(request.query, { ...common, returnMetadata: ['distance'] });
  return result.objects.map((o) => ({
    id: o.uuid,
    distance: o.metadata?.distance,
    score: o.metadata?.score,
    properties: o.properties as Record<string, unknown>,
  }));
}
