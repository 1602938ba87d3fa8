// How each target holds the sample monolith's edge rows: exact, or flagged as its docs describe
// (typed value clamped or NULL, the original text kept, the field named), or absent.
import type { ClickHouseClient } from '@clickhouse/client';
import type { WeaviateClient } from 'weaviate-client';
import { ENTITY_TOPICS, type MigratedEntity } from '@mch/contracts';
import { analyticsTableFor, lossyRows } from '@mch/data-clickhouse-analytics';
import { documentObjectId, type IndexCollectionNames } from '@mch/data-weaviate-index';
import type { EdgeCase } from '@mch/monolith-fixture';

const ENTITY_OF_TABLE = Object.fromEntries(
  (Object.keys(ENTITY_TOPICS) as MigratedEntity[]).map((e) => [ENTITY_TOPICS[e].table, e]),
) as Record<string, MigratedEntity>;

export interface EdgeHolding {
  edge: EdgeCase;
  /** Per target the entity goes to: 'exact', 'flagged <fields>', or 'ABSENT'. */
  targets: Record<string, string>;
}

export interface EdgeStores {
  /** Keys on the entity topic (this migration's events). */
  kafkaKeys: (entity: MigratedEntity) => Promise<ReadonlySet<string>>;
  clickhouse: ClickHouseClient;
  weaviate: WeaviateClient;
  collections: IndexCollectionNames;
}

async function clickhouseHolding(client: ClickHouseClient, entity: MigratedEntity, ids: readonly string[]): Promise<Map<string, string>> {
  const table = analyticsTableFor(entity);
  const out = new Map<string, string>();
  if (!table) return out;
  const safe = ids.filter((id) => /^[0-9a-f-]{36}$/.test(id));
  // The legacy server has no query parameters; the ids are checked UUID literals.
  const present = await client.query({
    query: `SELECT DISTINCT toString(${table.idColumn}) AS id FROM ${table.name} WHERE toString(${table.idColumn}) IN (${safe.map((id) => `'${id}'`).join(', ')})`,
    format: 'JSONEachRow',
  });
  for (const row of await present.json<{ id: string }>()) out.set(row.id, 'exact');
  for (const lossy of await lossyRows(client, table)) {
    if (out.has(lossy.id)) out.set(lossy.id, `flagged ${lossy.lossyFields.join(',')}`);
  }
  return out;
}

async function weaviateHolding(stores: EdgeStores, entity: MigratedEntity, id: string): Promise<string | null> {
  const object =
    entity === 'opportunity'
      ? await stores.weaviate.collections.use(stores.collections.opportunity).query.fetchObjectById(id, { returnProperties: ['lossyFields'] })
      : await stores.weaviate.collections
          .use(stores.collections.contractDocument)
          .query.fetchObjectById(documentObjectId(id), { returnProperties: ['lossyFields'] });
  if (!object) return null;
  const lossy = (object.properties as { lossyFields?: string[] | null }).lossyFields ?? [];
  return lossy.length === 0 ? 'exact' : `flagged ${lossy.join(',')}`;
}

/** Where each edge row is, per target store its entity goes to. */
export async function edgeHoldings(stores: EdgeStores, edges: readonly EdgeCase[]): Promise<EdgeHolding[]> {
  const byEntity = new Map<MigratedEntity, EdgeCase[]>();
  for (const edge of edges) {
    const entity = ENTITY_OF_TABLE[edge.table] as MigratedEntity;
    byEntity.set(entity, [...(byEntity.get(entity) ?? []), edge]);
  }
  const out: EdgeHolding[] = [];
  for (const [entity, list] of byEntity) {
    const keys = await stores.kafkaKeys(entity);
    const clickhouse = analyticsTableFor(entity) ? await clickhouseHolding(stores.clickhouse, entity, list.map((e) => e.id)) : null;
    for (const edge of list) {
      // Kafka events carry the source's exact text (the event contract); the postgres/kafka pair checks it.
      const targets: Record<string, string> = { kafka: keys.has(edge.id) ? 'exact' : 'ABSENT' };
      if (clickhouse) targets.clickhouse = clickhouse.get(edge.id) ?? 'ABSENT';
      if (entity === 'opportunity' || entity === 'contract_document') targets.weaviate = (await weaviateHolding(stores, entity, edge.id)) ?? 'ABSENT';
      out.push({ edge, targets });
    }
  }
  return out;
}

/** The demo's lines: which edge rows were included and how each target holds them. */
export function renderEdgeHoldings(holdings: readonly EdgeHolding[]): string[] {
  const perTable = new Map<string, number>();
  for (const h of holdings) perTable.set(h.edge.table, (perTable.get(h.edge.table) ?? 0) + 1);
  const absent = holdings.flatMap((h) => Object.entries(h.targets).filter(([, v]) => v === 'ABSENT').map(([t]) => `${h.edge.label} ${t}`));
  const flagged = holdings.reduce((n, h) => n + Object.values(h.targets).filter((v) => v.startsWith('flagged')).length, 0);
  const width = Math.max(...holdings.map((h) => h.edge.label.length));
  return [
    `   edge rows included: ${holdings.length} (${[...perTable].map(([t, n]) => `${t} ${n}`).join(', ')}); ` +
      `held ${absent.length === 0 ? 'by every target they belong to' : `NOT by: ${absent.join('; ')}`}, ${flagged} flagged values as documented (docs/clickhouse.md, docs/weaviate.md)`,
    ...holdings.map(
      (h) =>
        `   ${h.edge.label.padEnd(width)}  ${Object.entries(h.targets)
          .map(([t, v]) => `${t}: ${v}`)
          .join(' | ')}`,
    ),
  ];
}
