import type { ChangeOperation, MigratedEntity } from '@mch/contracts';
import type { RawRow } from '../mapping/row-mapper';

/** One version of one row, from the backfill or from change capture. */
export interface ChangeRecord {
  entity: MigratedEntity;
  operation: ChangeOperation;
  key: string;
  /** Column text values; null for a delete. */
  row: RawRow | null;
  /** Orders every version of the row (see formatSourcePosition). */
  position: string;
}

export interface MigrationRunInfo {
  migrationId: string;
  migrationRun: string;
  correlationId: string;
  /** Prepended to every topic name: isolated environments (demo, tests); empty in production. */
  topicPrefix?: string;
}
