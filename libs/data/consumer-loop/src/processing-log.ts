import type { Pool } from 'pg';

export type ProcessingStatus = 'succeeded' | 'failed' | 'skipped' | 'dead_lettered' | 'retried';

export interface ProcessingLogEntry {
  entityId: string;
  entityType: string;
  action: string;
  status: ProcessingStatus;
  correlationId?: string | null;
  causationId?: string | null;
  migrationId?: string | null;
  processingTimeMs?: number | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  metadata?: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const asUuid = (value: string | null | undefined) => (value && UUID.test(value) ? value : null);

/** Writes rows of `service_processing_log` for one service, many per statement. */
export class ProcessingLog {
  constructor(
    private readonly pool: Pool,
    private readonly serviceName: string,
  ) {}

  async record(entries: readonly ProcessingLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = entries.map((e) => ({
      entity_id: e.entityId,
      entity_type: e.entityType,
      service_name: this.serviceName,
      action: e.action,
      status: e.status,
      correlation_id: asUuid(e.correlationId),
      causation_id: asUuid(e.causationId),
      migration_id: asUuid(e.migrationId),
      processing_time_ms: e.processingTimeMs ?? null,
      error_code: e.errorCode ?? null,
      error_message: e.errorMessage ?? null,
      metadata: e.metadata ?? {},
    }));
    await this.pool.query(
      `INSERT INTO service_processing_log (entity_id, entity_type, service_name, action, status, correlation_id, causation_id,
                                           migration_id, processing_time_ms, error_code, error_message, metadata)
       SELECT entity_id, entity_type, service_name, action, status, correlation_id, causation_id, migration_id,
              processing_time_ms, error_code, error_message, metadata
         FROM jsonb_to_recordset($1::jsonb) AS r(entity_id text, entity_type text, service_name text, action text, status text,
              correlation_id uuid, causation_id uuid, migration_id uuid, processing_time_ms int, error_code text,
              error_message text, metadata jsonb)`,
      [JSON.stringify(rows)],
    );
  }
}
