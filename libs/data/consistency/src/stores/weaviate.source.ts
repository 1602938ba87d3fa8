import type { Collection, WeaviateClient } from 'weaviate-client';
import { withRawValues } from '@mch/data-weaviate-index';
import { listObjectsAfter } from '@mch/infra-weaviate';
import { canonicalStored } from '../profiles/hash-profile';
import type { WeaviateEntityView } from '../profiles/weaviate-profile';
import type { CanonicalText } from '../hashing/canonical-value';
import { rowHash } from '../hashing/row-hash';
import { ClientSideRows } from './client-side.rows';
import type { ContentView, RowHash, SegmentSummary } from './content-view';

const IDS_PER_QUERY = 1_000;

const uuidText = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/** Lower bounds of `count` equal slices of the id space; the first is open (null). */
export function sliceBounds(count: number): (string | null)[] {
  const space = 1n << 128n;
  return Array.from({ length: count }, (_, i) =>
    i === 0 ? null : uuidText(((space * BigInt(i)) / BigInt(count)).toString(16).padStart(32, '0')),
  );
}

/** The id just before `id`, so a cursor "after" it starts at `id`. */
export function previousUuid(id: string): string {
  return uuidText((BigInt(`0x${id.replace(/-/g, '')}`) - 1n).toString(16).padStart(32, '0'));
}

/**
 * A stored object's canonical texts. A property the index flagged in `lossyFields` (a date
 * Weaviate cannot order, sub-millisecond digits, a lone surrogate) holds a nearest value; its
 * original is in `rawValues`, and that original is what is compared with PostgreSQL.
 */
export function canonicalObject(view: WeaviateEntityView, properties: Record<string, unknown>): CanonicalText[] {
  return canonicalStored(view.profile, withRawValues(properties));
}

/**
 * The entity's Weaviate collection, read page by page with the REST cursor (`after` the last
 * object id) and hashed here: a page is one JSON.parse, where the gRPC client decodes each
 * property value in JavaScript (about 6x the client CPU). Samples are read over gRPC by id.
 */
export class WeaviateEntitySource implements ContentView {
  readonly store = 'weaviate' as const;
  readonly profile;
  private rows?: ClientSideRows;

  constructor(
    private readonly client: WeaviateClient,
    readonly view: WeaviateEntityView,
    private readonly pageSize: number,
    private readonly slices = 4,
  ) {
    this.profile = view.profile;
  }

  private collection(): Collection {
    return this.client.collections.use(this.view.collection);
  }

  private properties(): string[] {
    return [
      ...new Set([
        ...this.profile.fields.map((f) => f.stored),
        ...(this.view.keyProperty ? [this.view.keyProperty] : []),
        'rawValues',
      ]),
    ];
  }

  private keyOf(object: { uuid: string; properties: Record<string, unknown> }): string {
    return (
      this.view.keyProperty ? String(object.properties[this.view.keyProperty]) : object.uuid
    ).toLowerCase();
  }

  /** Every object's count through Weaviate's aggregate (a count-only check reads nothing else). */
  async count(): Promise<number> {
    return (await this.collection().aggregate.overAll()).totalCount;
  }

  /**
   * Reads every object with `slices` cursors at once, each over its own range of object ids (the
   * cursor walks ids in byte order, the order of their hex text), so the server and the client's
   * decoding work in parallel instead of one page after another.
   */
  async load(): Promise<void> {
    const hashes = new Map<string, string>();
    const bounds = sliceBounds(this.slices);
    await Promise.all(bounds.map((lower, i) => this.readSlice(lower, bounds[i + 1] ?? null, hashes)));
    this.rows = new ClientSideRows(hashes);
  }

  private async readSlice(
    lower: string | null,
    upper: string | null,
    hashes: Map<string, string>,
  ): Promise<void> {
    let after = lower === null ? null : previousUuid(lower);
    for (;;) {
      const page = await listObjectsAfter(this.client, this.view.collection, this.pageSize, after);
      for (const object of page) {
        if (upper !== null && object.id >= upper) return;
        hashes.set(
          this.keyOf({ uuid: object.id, properties: object.properties }),
          rowHash(canonicalObject(this.view, object.properties)),
        );
      }
      if (page.length < this.pageSize) return;
      after = page[page.length - 1].id;
    }
  }

  loadedCount(): number {
    return this.loaded().size;
  }

  private loaded(): ClientSideRows {
    if (!this.rows) throw new Error(`${this.view.collection} has not been read yet`);
    return this.rows;
  }

  async summarize(length: number, within: readonly string[] | null): Promise<Map<string, SegmentSummary>> {
    return this.loaded().summarize(length, within);
  }

  async rowHashes(prefixes: readonly string[]): Promise<Map<string, RowHash>> {
    return this.loaded().rowHashes(prefixes);
  }

  async canonicalRows(ids: readonly string[]): Promise<Map<string, CanonicalText[]>> {
    const collection = this.collection();
    const out = new Map<string, CanonicalText[]>();
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const group = ids.slice(i, i + IDS_PER_QUERY);
      const filters = this.view.keyProperty
        ? collection.filter.byProperty(this.view.keyProperty).containsAny(group)
        : collection.filter.byId().containsAny(group);
      const page = await collection.query.fetchObjects({
        filters,
        limit: group.length,
        returnProperties: this.properties(),
      });
      for (const object of page.objects) {
        const properties = object.properties as Record<string, unknown>;
        out.set(this.keyOf({ uuid: object.uuid, properties }), canonicalObject(this.view, properties));
      }
    }
    return out;
  }
}
