import type { MigratedEntity } from '@mch/contracts';
import {
  analyticsTableFor,
  type AnalyticsTable,
  type ColumnSpec,
  type RowSource,
} from '@mch/data-clickhouse-analytics';
import type { FieldType } from '../hashing/canonical-value';
import { discoverCopiedFields } from './copied-fields';
import { profileOf, type HashProfile } from './hash-profile';

/** Column kinds whose stored value prints as the field type's canonical text (see clickhouse-canonical.sql). */
const COMPATIBLE: Record<ColumnSpec['kind']['type'], FieldType[]> = {
  uuid: ['uuid'],
  string: ['text'],
  decimal: ['numeric'],
  timestamp: ['timestamptz'],
  int32: ['int'],
  uint32: ['int'],
  uint8: ['bool'],
};

export interface ClickHouseProfile {
  table: AnalyticsTable;
  profile: HashProfile;
  /** Stored column name -> its definition, for the canonical SQL. */
  columns: Map<string, ColumnSpec>;
}

const SENTINEL_ENVELOPE: RowSource['envelope'] = {
  eventId: 'ffffffff-ffff-4fff-8fff-fffffffffff1',
  eventType: 'Sentinel',
  aggregateId: 'ffffffff-ffff-4fff-8fff-fffffffffff2',
  timestamp: '1999-12-31T23:59:59.999Z',
  metadata: {
    correlationId: 'ffffffff-ffff-4fff-8fff-fffffffffff3',
    sourcePosition: 'lsn:ffffffffffffffff',
    operation: 'snapshot',
  },
};

/** The mapped fields the entity's analytics table holds as plain copies, or null when it has no table. */
export function clickhouseProfile(entity: MigratedEntity): ClickHouseProfile | null {
  const table = analyticsTableFor(entity);
  if (!table) return null;
  const columns = new Map(table.columns.map((c) => [c.name, c]));
  const copies = discoverCopiedFields(entity, (data) => {
    const out: Record<string, unknown> = {};
    for (const column of table.columns) {
      try {
        out[column.name] = column.value({ envelope: SENTINEL_ENVELOPE, data });
      } catch {
        // A column that cannot take the sentinel (it derives something) is not a copy.
      }
    }
    return out;
  });
  const profile = profileOf(entity, copies);
  profile.fields = profile.fields.filter((f) =>
    COMPATIBLE[(columns.get(f.stored) as ColumnSpec).kind.type].includes(f.type),
  );
  return { table, profile, columns };
}
