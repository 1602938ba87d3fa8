import type { Collection, WeaviateClient } from 'weaviate-client';
import type { ContractDocumentData, OpportunityData } from '@mch/contracts';
import type { BatchSink, ConsumedRecord, RejectedRecord, SinkResult } from '@mch/data-consumer-loop';
import type { Logger } from '@mch/util-logger';
import type { IndexCollectionNames } from '../collections/index-collections';
import { lineageOf, type IndexEvent } from '../mapping/index-event';
import {
  fromWeaviateProperties,
  opportunityProperties,
  toWeaviateProperties,
  withDerived,
  type OpportunityProperties,
} from '../mapping/opportunity.mapper';
import { mergeRequirements, type RequirementSource } from '../mapping/requirements.merge';
import { vectorInput } from '../vectors/content-hash';
import type { TextEmbedder } from '../vectors/text-embedder';
import { writeObjects, type BatchWriteOptions, type WriteObject } from './batch-writer';
import { deleteByIds, fetchByIds, fetchByPropertyIn, type StoredObject } from './index-state.reader';
import { documentObject, documentObjectId, requirementSourceOf, tombstoneObject, tombstoneObjectId } from './state-objects';
import { isNewer, latestPosition, newestPerRow, sameProperties } from './version-order';

export interface WeaviateIndexSinkOptions extends Omit<BatchWriteOptions, 'sleep' | 'onRetry' | 'onRequest'> {
  names: IndexCollectionNames;
  /** Computes vectors for vectorizer `none`; null when Weaviate vectorizes (text2vec-transformers). */
  embedder: TextEmbedder | null;
  /** Stored on every object; objects written under an older version are re-embedded. */
  embeddingsVersion: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface IndexSinkStats {
  opportunitiesWritten: number;
  opportunitiesDeleted: number;
  documentsWritten: number;
  documentsDeleted: number;
  /** Versions older than what the index holds (or than another version in the same batch). */
  skippedStale: number;
  /** Replays of the version the index holds, with nothing to change. */
  skippedUnchanged: number;
  vectorsComputed: number;
  /** Writes whose vector text and embeddings_version were unchanged: the stored vector was kept. */
  vectorsReused: number;
  objectRetries: number;
  rejected: number;
  /** Objects Weaviate stored although it reported them failed, deleted again by the sink. */
  halfWrittenRemoved: number;
  /** Slowest single Weaviate request, to keep batches far below the request timeout. */
  slowestRequestMs: number;
}

type Rejection = SinkResult<IndexEvent>['rejected'][number];
type Rec = ConsumedRecord<IndexEvent>;
type OpportunityRec = ConsumedRecord<IndexEvent & { entity: 'opportunity' }>;

interface OpportunityState {
  existing: Map<string, StoredObject>;
  sources: Map<string, RequirementSource[]>;
}

interface PlannedWrite {
  id: string;
  properties: OpportunityProperties;
  /** The records to dead-letter if Weaviate refuses the object. */
  causes: Rec[];
  /** The text feeding the vector and the embeddings version are unchanged: keep the stored vector. */
  keepVector: boolean;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function rejection(record: Rec, what: string, message: string): Rejection {
  const error: RejectedRecord['error'] = { code: 'WEAVIATE_REJECTED', message: `${what}: Weaviate rejected the object: ${message}` };
  return { record, error };
}

/**
 * Writes the opportunity and contract-document topics into Weaviate. Per batch: keep the newest
 * version of each row; read what the index holds for those rows (objects and tombstones); apply
 * only versions newer than that; store documents first, then rebuild every touched opportunity
 * (its own fields + the merged requirements of its documents) and write it with its own UUID as
 * object id. Replays are therefore no-ops, duplicates collapse, and an older version never
 * overwrites a newer one or resurrects a deleted row.
 */
export class WeaviateIndexSink implements BatchSink<IndexEvent> {
  readonly stats: IndexSinkStats = {
    opportunitiesWritten: 0,
    opportunitiesDeleted: 0,
    documentsWritten: 0,
    documentsDeleted: 0,
    skippedStale: 0,
    skippedUnchanged: 0,
    vectorsComputed: 0,
    vectorsReused: 0,
    objectRetries: 0,
    rejected: 0,
    halfWrittenRemoved: 0,
    slowestRequestMs: 0,
  };

  constructor(
    private readonly client: WeaviateClient,
    private readonly options: WeaviateIndexSinkOptions,
    private readonly logger: Logger,
  ) {}

  async write(records: Rec[]): Promise<SinkResult<IndexEvent>> {
    const started = performance.now();
    const { newest, superseded } = newestPerRow(records);
    this.stats.skippedStale += superseded;
    const events = [...newest.values()];
    const opportunities = events.filter((r): r is OpportunityRec => r.value.entity === 'opportunity');
    // Independent reads in parallel: what the index holds for the batch's rows and opportunities.
    const [tombstones, state] = await Promise.all([
      this.tombstonePositions(events),
      this.opportunityState(opportunities.map((r) => r.value.aggregateId)),
    ]);
    const rejected: Rejection[] = [];
    const touched = await this.applyDocuments(
      events.filter((r) => r.value.entity === 'contract_document'),
      tombstones,
      rejected,
    );
    if (touched.size > 0) {
      // Requirement sources changed just now: read them (and any opportunity not read yet) again.
      const more = await this.opportunityState([...touched.keys()]);
      for (const [id, object] of more.existing) state.existing.set(id, object);
      for (const id of touched.keys()) state.sources.set(id, more.sources.get(id) ?? []);
    }
    await this.applyOpportunities(opportunities, touched, tombstones, state, rejected);
    this.stats.rejected += rejected.length;
    this.logger.debug('weaviate batch written', { records: records.length, rejected: rejected.length, ms: Math.round(performance.now() - started) });
    return { rejected };
  }

  private collection(name: string): Collection {
    return this.client.collections.use(name);
  }

  private writeOptions(): BatchWriteOptions {
    return {
      ...this.options,
      onRetry: (info) => {
        this.stats.objectRetries += info.objects;
        this.logger.warn('weaviate objects failed transiently; retrying', info);
      },
      onRequest: ({ ms }) => {
        this.stats.slowestRequestMs = Math.max(this.stats.slowestRequestMs, ms);
      },
    };
  }

  private async tombstonePositions(events: Rec[]): Promise<Map<string, string>> {
    const stored = await fetchByIds(
      this.collection(this.options.names.tombstone),
      events.map((r) => tombstoneObjectId(r.value.entity, r.value.aggregateId)),
      { returnProperties: ['sourcePosition'] },
    );
    const out = new Map<string, string>();
    for (const [id, object] of stored) {
      const position = str(object.properties.sourcePosition);
      if (position) out.set(id, position);
    }
    return out;
  }

  private skip(incoming: string, stored: string | null): void {
    if (incoming === stored) this.stats.skippedUnchanged++;
    else this.stats.skippedStale++;
  }

  /** Stores newer document versions; returns, per opportunity id, the document records that changed it. */
  private async applyDocuments(docs: Rec[], tombstones: Map<string, string>, rejected: Rejection[]): Promise<Map<string, Rec[]>> {
    const touched = new Map<string, Rec[]>();
    if (docs.length === 0) return touched;
    const collection = this.collection(this.options.names.contractDocument);
    const existing = await fetchByIds(collection, docs.map((r) => documentObjectId(r.value.aggregateId)), {
      returnProperties: ['opportunityId', 'sourcePosition'],
    });
    const upserts: { record: Rec; object: WriteObject }[] = [];
    const deletes: Rec[] = [];
    for (const record of docs) {
      const event = record.value;
      const stored = existing.get(documentObjectId(event.aggregateId));
      const storedPosition = latestPosition(str(stored?.properties.sourcePosition), tombstones.get(tombstoneObjectId(event.entity, event.aggregateId)));
      if (!isNewer(event.position, storedPosition)) {
        this.skip(event.position, storedPosition);
        continue;
      }
      const data = event.data as ContractDocumentData | null;
      // A document can move to another opportunity: both lose or gain its requirements.
      for (const opportunityId of new Set([str(stored?.properties.opportunityId), data?.opportunityId ?? null])) {
        if (!opportunityId) continue;
        const list = touched.get(opportunityId);
        if (list) list.push(record);
        else touched.set(opportunityId, [record]);
      }
      if (data === null) deletes.push(record);
      else upserts.push({ record, object: documentObject(event, data) });
    }
    const failures = await writeObjects(collection.data, upserts.map((u) => u.object), collection.name, this.writeOptions());
    for (const [index, message] of failures) {
      rejected.push(rejection(upserts[index].record, `contract_document ${upserts[index].record.value.aggregateId}`, message));
    }
    this.stats.documentsWritten += upserts.length - failures.size;
    await this.applyDeletes(collection, deletes, (r) => documentObjectId(r.value.aggregateId), rejected);
    this.stats.documentsDeleted += deletes.length;
    return touched;
  }

  /** Deletes first, tombstone second: a crash in between replays the delete instead of skipping it. */
  private async applyDeletes(collection: Collection, deletes: Rec[], objectId: (r: Rec) => string, rejected: Rejection[]): Promise<void> {
    if (deletes.length === 0) return;
    await deleteByIds(collection, deletes.map(objectId));
    const tombstones = this.collection(this.options.names.tombstone);
    const failures = await writeObjects(tombstones.data, deletes.map((r) => tombstoneObject(r.value)), tombstones.name, this.writeOptions());
    for (const [index, message] of failures) {
      rejected.push(rejection(deletes[index], `${deletes[index].value.entity} ${deletes[index].value.aggregateId} (tombstone)`, message));
    }
  }

  private async requirementSources(opportunityIds: string[]): Promise<Map<string, RequirementSource[]>> {
    const documents = await fetchByPropertyIn(this.collection(this.options.names.contractDocument), 'opportunityId', opportunityIds, [
      'documentId',
      'opportunityId',
      'documentCreatedAt',
      'requirements',
    ]);
    const grouped = Map.groupBy(documents, (document) => String(document.properties.opportunityId));
    return new Map([...grouped].map(([opportunityId, list]) => [opportunityId, list.map((document) => requirementSourceOf(document.properties))]));
  }

  /** The stored objects of some opportunities and the requirement sources of their documents. */
  private async opportunityState(ids: string[]): Promise<OpportunityState> {
    if (ids.length === 0) return { existing: new Map(), sources: new Map() };
    const [existing, sources] = await Promise.all([
      fetchByIds(this.collection(this.options.names.opportunity), ids),
      this.requirementSources(ids),
    ]);
    return { existing, sources };
  }

  private async applyOpportunities(
    opportunities: OpportunityRec[],
    touched: Map<string, Rec[]>,
    tombstones: Map<string, string>,
    state: OpportunityState,
    rejected: Rejection[],
  ): Promise<void> {
    const incoming = new Map(opportunities.map((r) => [r.value.aggregateId, r]));
    const ids = [...new Set([...incoming.keys(), ...touched.keys()])];
    if (ids.length === 0) return;
    const collection = this.collection(this.options.names.opportunity);
    const { existing, sources } = state;
    const writes: PlannedWrite[] = [];
    const deletes: Rec[] = [];
    for (const id of ids) {
      const raw = existing.get(id);
      const stored = raw ? fromWeaviateProperties(raw.properties) : null;
      const storedPosition = latestPosition(stored?.sourcePosition, tombstones.get(tombstoneObjectId('opportunity', id)));
      const record = incoming.get(id);
      const requirements = mergeRequirements(sources.get(id) ?? []);
      let next: OpportunityProperties | null = null;
      let causes: Rec[] = [];
      if (record && isNewer(record.value.position, storedPosition) && record.value.deleted) {
        deletes.push(record);
        continue;
      }
      if (record && !record.value.deleted && (isNewer(record.value.position, storedPosition) || record.value.position === stored?.sourcePosition)) {
        const version = { position: record.value.position, lineage: lineageOf(record.value), embeddingsVersion: this.options.embeddingsVersion };
        next = opportunityProperties(record.value.data as OpportunityData, requirements, version);
        causes = [record, ...(touched.get(id) ?? [])];
      } else {
        if (record) this.skip(record.value.position, storedPosition);
        // Only its documents changed: rebuild from the stored version, keeping that version's lineage.
        if (stored && touched.has(id)) {
          next = withDerived(stored, requirements, this.options.embeddingsVersion);
          causes = touched.get(id) ?? [];
        }
      }
      if (!next) continue;
      if (stored && sameProperties({ ...next }, { ...stored })) {
        if (record && record.value.position === stored.sourcePosition) this.stats.skippedUnchanged++;
        continue;
      }
      const keepVector = stored !== null && stored.contentHash === next.contentHash && stored.embeddings_version === next.embeddings_version;
      writes.push({ id, properties: next, causes, keepVector });
    }
    await this.writeOpportunities(collection, writes, rejected);
    await this.applyDeletes(collection, deletes, (r) => r.value.aggregateId, rejected);
    this.stats.opportunitiesDeleted += deletes.length;
  }

  /**
   * Vectors per request, for `writeObjects`: the stored vector where the text feeding it and the
   * embeddings version are unchanged (fetched up front, a rare path), otherwise embedded when the
   * request is about to be sent. Undefined when Weaviate vectorizes itself.
   */
  private async vectorSource(collection: Collection, writes: PlannedWrite[]): Promise<BatchWriteOptions['vectorsFor']> {
    const embedder = this.options.embedder;
    if (!embedder) return undefined;
    const keep = writes.filter((w) => w.keepVector).map((w) => w.id);
    const stored = keep.length > 0 ? await fetchByIds(collection, keep, { returnProperties: [], includeVector: true }) : new Map();
    const vectors = new Map<number, number[]>();
    writes.forEach((w, i) => {
      const vector = w.keepVector ? stored.get(w.id)?.vector : undefined;
      if (vector) vectors.set(i, vector);
    });
    this.stats.vectorsReused += vectors.size;
    return async (indices) => {
      const missing = indices.filter((i) => !vectors.has(i));
      if (missing.length > 0) {
        const computed = await embedder.embed(missing.map((i) => vectorInput(writes[i].properties)));
        missing.forEach((i, k) => vectors.set(i, computed[k]));
        this.stats.vectorsComputed += missing.length;
      }
      return indices.map((i) => vectors.get(i));
    };
  }

  private async writeOpportunities(collection: Collection, writes: PlannedWrite[], rejected: Rejection[]): Promise<void> {
    if (writes.length === 0) return;
    const objects: WriteObject[] = writes.map((w) => ({ id: w.id, properties: toWeaviateProperties(w.properties) }));
    const vectorsFor = await this.vectorSource(collection, writes);
    const failures = await writeObjects(collection.data, objects, collection.name, { ...this.writeOptions(), vectorsFor });
    if (failures.size > 0) await this.removeHalfWritten(collection, [...failures.keys()].map((i) => writes[i]));
    for (const [index, message] of failures) {
      const write = writes[index];
      for (const cause of write.causes) {
        const via = cause.value.entity === 'opportunity' ? '' : ` (requirements from contract_document ${cause.value.aggregateId})`;
        rejected.push(rejection(cause, `opportunity ${write.id}${via}`, message));
      }
      this.logger.error('weaviate rejected an opportunity', { id: write.id, error: message });
    }
    this.stats.opportunitiesWritten += writes.length - failures.size;
  }

  /**
   * Weaviate can report an object as failed after storing it (a vector-index error comes after
   * the object store write): such an object carries the new version without a usable vector,
   * and a replay would take it for up to date. Delete it so the dead-lettered version can be
   * re-applied; an object whose previous version is intact is left alone.
   */
  private async removeHalfWritten(collection: Collection, failed: PlannedWrite[]): Promise<void> {
    const stored = await fetchByIds(collection, failed.map((w) => w.id));
    const broken = failed.filter((w) => {
      const now = stored.get(w.id);
      return now !== undefined && sameProperties({ ...fromWeaviateProperties(now.properties) }, { ...w.properties });
    });
    if (broken.length === 0) return;
    await deleteByIds(collection, broken.map((w) => w.id));
    this.stats.halfWrittenRemoved += broken.length;
    this.logger.warn('removed half-written objects after per-object errors', { ids: broken.map((w) => w.id) });
  }
}
