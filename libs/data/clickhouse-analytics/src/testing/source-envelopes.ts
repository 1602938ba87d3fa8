import type { Pool } from 'pg';
import { ENTITY_SOURCES, buildMessage, readChunk, shardRange, type MigrationRunInfo, type OutgoingMessage } from '@mch/data-kafka-migration';
import type { ChangeOperation, MigratedEntity } from '@mch/contracts';

/**
 * The kafka-migrator's messages for every current row of an entity: read in key order with its
 * backfill reader and wrapped by its envelope builder, so tests consume exactly what it produces.
 */
export async function sourceEnvelopes(pool: Pool, entity: MigratedEntity, run: MigrationRunInfo, chunk = 5_000): Promise<OutgoingMessage[]> {
  const out: OutgoingMessage[] = [];
  let after: string | null = null;
  for (;;) {
    const { rows, position } = await readChunk(pool, ENTITY_SOURCES[entity], shardRange(0, 1), after, chunk, 'logical');
    for (const row of rows) out.push(buildMessage({ entity, operation: 'snapshot', key: String(row.id), row, position }, run));
    if (rows.length < chunk) return out;
    after = String(rows[rows.length - 1].id);
  }
}

/** Another version of a row (an update or delete seen by change capture) at a later position. */
export async function changeEnvelope(
  pool: Pool,
  entity: MigratedEntity,
  id: string,
  operation: Exclude<ChangeOperation, 'snapshot'>,
  position: string,
  run: MigrationRunInfo,
): Promise<OutgoingMessage> {
  if (operation === 'delete') return buildMessage({ entity, operation, key: id, row: null, position }, run);
  const before = await readChunk(pool, ENTITY_SOURCES[entity], shardRange(0, 1), previousUuid(id), 1, 'logical');
  if (before.rows[0]?.id !== id) throw new Error(`${entity} ${id} not found`);
  return buildMessage({ entity, operation, key: id, row: before.rows[0], position }, run);
}

/** The UUID just before `id`, so a keyset read "after" it starts at `id`. */
function previousUuid(id: string): string {
  const value = BigInt(`0x${id.replace(/-/g, '')}`) - 1n;
  const hex = value.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
