import type { Collection } from 'weaviate-client';
import type { Logger } from '@mch/util-logger';
import { VECTOR_NAME } from '../collections/collection-config';
import { OPPORTUNITY_VECTOR_SOURCES } from '../collections/opportunity.collection';
import { vectorInput, type VectorText } from '../vectors/content-hash';
import type { TextEmbedder } from '../vectors/text-embedder';
import { fetchByIds, type StoredObject } from './index-state.reader';

export interface ReembedOptions {
  embedder: TextEmbedder;
  /** The embeddings_version every object must carry afterwards. */
  version: number;
  /** The text a stored object's vector is computed from (default: the indexer's vectorInput). */
  textOf?: (properties: Record<string, unknown>) => string;
  /** Objects read and embedded per round. */
  batchSize?: number;
  /** Concurrent PATCH requests. */
  concurrency?: number;
  logger: Logger;
}

export interface ReembedStats {
  /** Objects older than `version` when the pass started. */
  stale: number;
  reembedded: number;
  /** Objects rewritten by the indexer while the pass embedded them, embedded again from their new text. */
  raced: number;
  /** Objects deleted while the pass embedded them. */
  vanished: number;
  ms: number;
}

const READ = [...OPPORTUNITY_VECTOR_SOURCES, 'contentHash'];
const MAX_ROUNDS_PER_OBJECT = 5;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** The text fields of a stored object (as Weaviate returns them), for either vector input. */
export function storedVectorText(properties: Record<string, unknown>): VectorText {
  return { title: str(properties.title), description: str(properties.description) || null, requirements: strings(properties.requirements) };
}

const storedText = (properties: Record<string, unknown>): string => vectorInput(storedVectorText(properties));

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 404;
}

/**
 * Re-embeds every object whose embeddings_version is older than `version` (after a model change
 * or a raised EMBEDDINGS_VERSION), in place: a PATCH sets only the vector and embeddings_version,
 * so a newer version the indexer writes meanwhile is never replaced by the older text read here.
 * Such a write does replace the text the new vector came from; the pass re-reads what it patched
 * and embeds again any object whose content hash moved. Objects already at `version` are never
 * read, so unchanged text is not re-embedded and a second run finds nothing. Resumable: what a
 * crash leaves behind is still older than `version` and is found by the next run.
 */
export async function reembedStale(collection: Collection, options: ReembedOptions): Promise<ReembedStats> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 128;
  const concurrency = options.concurrency ?? 8;
  const textOf = options.textOf ?? storedText;
  const filter = collection.filter.byProperty('embeddings_version').lessThan(options.version);
  const stale = (await collection.aggregate.overAll({ filters: filter })).totalCount;
  const stats: ReembedStats = { stale, reembedded: 0, raced: 0, vanished: 0, ms: 0 };
  if (stale === 0) return { ...stats, ms: Math.round(performance.now() - started) };
  options.logger.info('re-embedding stored vectors', { collection: collection.name, stale, embeddingsVersion: options.version, embedder: options.embedder.name });

  const patch = async (objects: [string, StoredObject][], round: number): Promise<void> => {
    const vectors = await options.embedder.embed(objects.map(([, o]) => textOf(o.properties)));
    const vanished = new Set<string>();
    for (let i = 0; i < objects.length; i += concurrency) {
      await Promise.all(
        objects.slice(i, i + concurrency).map(async ([id], k) => {
          try {
            await collection.data.update({ id, properties: { embeddings_version: options.version }, vectors: { [VECTOR_NAME]: vectors[i + k] } });
          } catch (error) {
            if (!isNotFound(error)) throw error;
            vanished.add(id);
          }
        }),
      );
    }
    stats.vanished += vanished.size;
    const now = await fetchByIds(collection, objects.map(([id]) => id).filter((id) => !vanished.has(id)), { returnProperties: READ });
    const moved = objects.flatMap(([id, before]): [string, StoredObject][] => {
      const after = now.get(id);
      return after && after.properties.contentHash !== before.properties.contentHash ? [[id, after]] : [];
    });
    stats.reembedded += objects.length - vanished.size - moved.length;
    if (moved.length === 0) return;
    stats.raced += moved.length;
    if (round >= MAX_ROUNDS_PER_OBJECT) {
      throw new Error(`re-embedding ${collection.name}: ${moved.length} objects kept changing over ${round} rounds (${moved[0][0]} ...)`);
    }
    await patch(moved, round + 1);
  };

  let last = performance.now();
  let patched = new Set<string>();
  for (;;) {
    const page = await collection.query.fetchObjects({ filters: filter, limit: batchSize, returnProperties: READ });
    if (page.objects.length === 0) break;
    // A patched object must leave the filter; one that does not would come back on the next page
    // (the first matching objects, in id order) and make this loop endless.
    const again = page.objects.find((o) => patched.has(o.uuid));
    if (again) throw new Error(`re-embedding ${collection.name}: object ${again.uuid} still has embeddings_version < ${options.version} after its update`);
    patched = new Set(page.objects.map((o) => o.uuid));
    await patch(page.objects.map((o) => [o.uuid, { properties: o.properties as Record<string, unknown> }]), 1);
    if (performance.now() - last > 10_000) {
      last = performance.now();
      const seconds = (last - started) / 1000;
      const rate = stats.reembedded / seconds;
      options.logger.info('re-embedding progress', {
        collection: collection.name,
        done: stats.reembedded,
        stale,
        perSecond: Math.round(rate),
        etaSeconds: rate > 0 ? Math.round(Math.max(0, stale - stats.reembedded) / rate) : null,
      });
    }
  }
  stats.ms = Math.round(performance.now() - started);
  options.logger.info('re-embedding done', { collection: collection.name, ...stats });
  return stats;
}
