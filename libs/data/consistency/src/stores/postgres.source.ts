import type { Pool } from 'pg';
import type { MigratedEntity } from '@mch/contracts';
import { ENTITY_SOURCES } from '@mch/data-kafka-migration';
import type { CanonicalText } from '../hashing/canonical-value';
import { assertSegmentPrefixes, toUnsignedSum } from '../hashing/row-hash';
import type { HashProfile } from '../profiles/hash-profile';
import {
  canonicalAlias,
  pgCanonicalField,
  pgChangedAt,
  pgHashBigint,
  pgHashHex,
  pgRowEncoding,
  pgSegment,
  quoteIdent,
} from '../sql/postgres-canonical.sql';
import { byLength, type ContentView, type RowHash, type SegmentSummary } from './content-view';

const ID = 'c."__id"';

/**
 * The source side: the entity's table in PostgreSQL, hashed inside the database. Canonical field
 * texts are computed once per row in an inner select (OFFSET 0 keeps PostgreSQL from inlining it
 * and recomputing each text for every profile that uses it); the hashes of all profiles come out
 * of one scan, so comparing against three stores costs one pass over the table.
 */
export class PostgresEntitySource {
  private readonly table: string;
  private readonly fields = new Map<string, string>();
  private readonly topLevel = new Map<number, Promise<Map<string, SegmentSummary[]>>>();

  constructor(
    private readonly pool: Pool,
    readonly entity: MigratedEntity,
    private readonly profiles: readonly HashProfile[],
  ) {
    this.table = ENTITY_SOURCES[entity].table;
    for (const profile of profiles)
      for (const f of profile.fields) this.fields.set(f.field, pgCanonicalField(entity, f.field, f.type));
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*)::bigint AS n FROM ${quoteIdent(this.table)}`,
    );
    return Number(rows[0].n);
  }

  view(profile: HashProfile): ContentView {
    const index = this.profiles.indexOf(profile);
    if (index < 0) throw new Error(`profile not registered with the ${this.entity} source`);
    return {
      store: 'postgres',
      profile,
      summarize: async (length, within) => {
        if (within !== null) return this.summarize([profile], length, within).then((all) => pick(all, 0));
        let shared = this.topLevel.get(length);
        if (!shared) {
          shared = this.summarize(this.profiles, length, null);
          this.topLevel.set(length, shared);
        }
        return pick(await shared, index);
      },
      rowHashes: (prefixes) => this.rowHashes(profile, prefixes),
      canonicalRows: (ids) => this.canonicalRows(profile, ids),
    };
  }

  /** The inner select: id, change time and the canonical texts the profiles need, for rows of the given segments or ids. */
  private inner(profiles: readonly HashProfile[], filter: string): string {
    const needed = new Set(profiles.flatMap((p) => p.fields.map((f) => f.field)));
    const columns = [...needed].map((field) => `${this.fields.get(field)} AS ${canonicalAlias(field)}`);
    return `SELECT t.id AS "__id", ${pgChangedAt(this.entity)} AS "__changed"${columns.map((c) => `, ${c}`).join('')}
              FROM ${quoteIdent(this.table)} t ${filter} OFFSET 0`;
  }

  private async summarize(
    profiles: readonly HashProfile[],
    length: number,
    within: readonly string[] | null,
  ): Promise<Map<string, SegmentSummary[]>> {
    const params: unknown[] = [];
    let filter = '';
    if (within !== null) {
      if (within.length === 0) return new Map();
      assertSegmentPrefixes(within);
      const groups = [...byLength(within)].map(([len, list]) => {
        params.push(list);
        return `${pgSegment('t.id', len)} = ANY($${params.length}::text[])`;
      });
      filter = `WHERE ${groups.join(' OR ')}`;
    }
    const sums = profiles.map((p, i) => `sum(${pgHashBigint(pgRowEncoding(p))})::text AS s${i}`);
    const { rows } = await this.pool.query<Record<string, string>>(
      `SELECT ${pgSegment(ID, length)} AS seg, count(*)::bigint AS n, ${sums.join(', ')}
         FROM (${this.inner(profiles, filter)}) c GROUP BY 1`,
      params,
    );
    return new Map(
      rows.map((r) => [
        r.seg,
        profiles.map((_, i) => ({ count: Number(r.n), sum: toUnsignedSum(BigInt(r[`s${i}`])) })),
      ]),
    );
  }

  private async rowHashes(profile: HashProfile, prefixes: readonly string[]): Promise<Map<string, RowHash>> {
    if (prefixes.length === 0) return new Map();
    assertSegmentPrefixes(prefixes);
    const params: unknown[] = [];
    const groups = [...byLength(prefixes)].map(([len, list]) => {
      params.push(list);
      return `${pgSegment('t.id', len)} = ANY($${params.length}::text[])`;
    });
    const { rows } = await this.pool.query<{ id: string; h: string; changed: Date | null }>(
      `SELECT ${ID}::text AS id, ${pgHashHex(pgRowEncoding(profile))} AS h, c."__changed" AS changed
         FROM (${this.inner([profile], `WHERE ${groups.join(' OR ')}`)}) c`,
      params,
    );
    return new Map(rows.map((r) => [r.id, { hash: r.h, changedAt: r.changed }]));
  }

  private async canonicalRows(
    profile: HashProfile,
    ids: readonly string[],
  ): Promise<Map<string, CanonicalText[]>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<Record<string, string | null>>(
      `SELECT ${ID}::text AS "__id"${profile.fields.map((f) => `, c.${canonicalAlias(f.field)}`).join('')}
         FROM (${this.inner([profile], 'WHERE t.id = ANY($1::uuid[])')}) c`,
      [ids],
    );
    return new Map(rows.map((r) => [String(r.__id), profile.fields.map((f) => r[`f_${f.field}`])]));
  }

  /** When each of these rows last changed (absent ids: the row is not in the table). */
  async changedAt(ids: readonly string[]): Promise<Map<string, Date | null>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<{ id: string; changed: Date | null }>(
      `SELECT t.id::text AS id, ${pgChangedAt(this.entity)} AS changed FROM ${quoteIdent(this.table)} t WHERE t.id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.changed]));
  }
}

function pick(all: Map<string, SegmentSummary[]>, index: number): Map<string, SegmentSummary> {
  return new Map([...all].map(([seg, list]) => [seg, list[index]]));
}
