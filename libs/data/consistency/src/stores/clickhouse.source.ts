import type { ClickHouseClient } from '@clickhouse/client';
import { quoteIdentifier, type AnalyticsCapabilities } from '@mch/data-clickhouse-analytics';
import type { CanonicalText } from '../hashing/canonical-value';
import type { ClickHouseProfile } from '../profiles/clickhouse-profile';
import {
  chCanonicalFields,
  chHashHex,
  chHashUInt64,
  chRowEncoding,
  chSegment,
  chSegmentFilter,
} from '../sql/clickhouse-canonical.sql';
import type { ContentView, RowHash, SegmentSummary } from './content-view';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The analytics table's live rows: per id, the version with the greatest source position, unless
 * it is a delete. Exact before merges (argMax over source_position; copies of a version are
 * identical), so nothing depends on OPTIMIZE or FINAL. Hashes are computed per stored version
 * inside ClickHouse and only the winning version's hash travels, never the rows.
 */
export class ClickHouseEntitySource implements ContentView {
  readonly store = 'clickhouse' as const;
  readonly profile;
  private readonly id: string;
  private readonly table: string;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly caps: AnalyticsCapabilities,
    private readonly p: ClickHouseProfile,
  ) {
    this.profile = p.profile;
    this.id = quoteIdentifier(p.table.idColumn);
    this.table = quoteIdentifier(p.table.name);
  }

  private async rows<T>(query: string): Promise<T[]> {
    return (await this.client.query({ query, format: 'JSONEachRow' })).json<T>();
  }

  /** Latest version per id of the rows passing `where`, carrying `values` (a tuple) next to is_deleted. */
  private latest(values: string[], where: string): string {
    return `SELECT ${this.id} AS id, argMax(tuple(is_deleted${values.map((v) => `, ${v}`).join('')}), source_position) AS latest
              FROM ${this.table} ${where ? `WHERE ${where}` : ''} GROUP BY ${this.id}`;
  }

  async count(): Promise<number> {
    const [row] = await this.rows<{ n: string }>(
      `SELECT count() AS n FROM (SELECT argMax(is_deleted, source_position) AS d FROM ${this.table} GROUP BY ${this.id}) WHERE d = 0`,
    );
    return Number(row.n);
  }

  /**
   * The first level is asked for in 16 parts (one per leading hex digit, two at a time): each
   * request hashes a sixteenth of the rows, so none nears the client's request timeout on a large
   * table, and ClickHouse groups a sixteenth of the ids at once.
   */
  async summarize(length: number, within: readonly string[] | null): Promise<Map<string, SegmentSummary>> {
    if (within === null && length >= 1) {
      const parts = [...'0123456789abcdef'];
      const out = new Map<string, SegmentSummary>();
      let next = 0;
      await Promise.all(
        [0, 1].map(async () => {
          while (next < parts.length)
            for (const [k, v] of await this.summarizeWithin(length, [parts[next++]])) out.set(k, v);
        }),
      );
      return out;
    }
    return this.summarizeWithin(length, within);
  }

  private async summarizeWithin(
    length: number,
    within: readonly string[] | null,
  ): Promise<Map<string, SegmentSummary>> {
    if (within !== null && within.length === 0) return new Map();
    const where = within === null ? '' : chSegmentFilter(this.id, within);
    const rows = await this.rows<{ seg: string; n: string; s: string }>(
      `SELECT ${chSegment('id', length)} AS seg, count() AS n, toString(sum(tupleElement(latest, 2))) AS s
         FROM (${this.latest([chHashUInt64(chRowEncoding(this.p, this.caps))], where)})
        WHERE tupleElement(latest, 1) = 0 GROUP BY seg`,
    );
    return new Map(rows.map((r) => [r.seg, { count: Number(r.n), sum: BigInt(r.s) }]));
  }

  async rowHashes(prefixes: readonly string[]): Promise<Map<string, RowHash>> {
    if (prefixes.length === 0) return new Map();
    const rows = await this.rows<{ id: string; h: string }>(
      `SELECT toString(id) AS id, tupleElement(latest, 2) AS h
         FROM (${this.latest([chHashHex(chRowEncoding(this.p, this.caps))], chSegmentFilter(this.id, prefixes))})
        WHERE tupleElement(latest, 1) = 0`,
    );
    return new Map(rows.map((r) => [r.id, { hash: r.h }]));
  }

  async canonicalRows(ids: readonly string[]): Promise<Map<string, CanonicalText[]>> {
    if (ids.length === 0) return new Map();
    for (const id of ids) if (!UUID.test(id)) throw new Error(`'${id}' is not a UUID`);
    const fields = chCanonicalFields(this.p, this.caps);
    const rows = await this.rows<{ id: string; latest: (string | number | null)[] }>(
      `SELECT toString(id) AS id, latest FROM (${this.latest(fields, `${this.id} IN (${ids.map((id) => `toUUID('${id}')`).join(', ')})`)})
        WHERE tupleElement(latest, 1) = 0`,
    );
    return new Map(rows.map((r) => [r.id, r.latest.slice(1).map((v) => (v === null ? null : String(v)))]));
  }
}
