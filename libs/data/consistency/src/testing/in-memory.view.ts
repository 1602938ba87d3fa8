import type { CanonicalText } from '../hashing/canonical-value';
import { rowHash } from '../hashing/row-hash';
import type { HashProfile } from '../profiles/hash-profile';
import { ClientSideRows } from '../stores/client-side.rows';
import type { ContentView, RowHash, SegmentSummary, StoreName } from '../stores/content-view';

/** A store held in memory, for unit tests of the comparison logic; counts the queries it answers. */
export class InMemoryView implements ContentView {
  readonly queries = { summarize: 0, rowHashes: 0, canonicalRows: 0 };
  private readonly rows: ClientSideRows;

  constructor(
    readonly store: StoreName,
    readonly profile: HashProfile,
    private readonly data: ReadonlyMap<string, { fields: CanonicalText[]; changedAt?: Date | null }>,
  ) {
    this.rows = new ClientSideRows(new Map([...data].map(([id, row]) => [id, rowHash(row.fields)])));
  }

  async summarize(length: number, within: readonly string[] | null): Promise<Map<string, SegmentSummary>> {
    this.queries.summarize++;
    return this.rows.summarize(length, within);
  }

  async rowHashes(prefixes: readonly string[]): Promise<Map<string, RowHash>> {
    this.queries.rowHashes++;
    const out = this.rows.rowHashes(prefixes);
    for (const [id, row] of out) row.changedAt = this.data.get(id)?.changedAt ?? null;
    return out;
  }

  async canonicalRows(ids: readonly string[]): Promise<Map<string, CanonicalText[]>> {
    this.queries.canonicalRows++;
    const out = new Map<string, CanonicalText[]>();
    for (const id of ids) {
      const row = this.data.get(id);
      if (row) out.set(id, row.fields);
    }
    return out;
  }
}
