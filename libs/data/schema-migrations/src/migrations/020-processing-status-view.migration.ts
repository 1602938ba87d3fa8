import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runOnline } from '../online-ddl';
import { lockDownView } from '../new-table-security.sql';

/**
 * Replaces the tracking columns migration 017 put on the monolith's hot tables by a view over
 * `service_processing_log` that answers the same questions (docs/tracking.md has the measurement).
 *
 * Kept in the rows, each processed event would rewrite a whole monolith row (a new heap tuple, an
 * entry in each of its indexes, the row's WAL), and logical replication would stream every such
 * update back into the entity topics as a change of the row, which the services would process and
 * mark again. The log is append-only in a table capture does not publish.
 *
 * Nothing wrote the columns (017 added them empty), so dropping them loses no data; dropping is a
 * catalog change (no rewrite) behind the short lock_timeout, and `down` adds them back as 017 did.
 */
export class ProcessingStatusView1764000000020 implements MigrationInterface {
  name = 'ProcessingStatusView1764000000020';
  transaction = false;

  async up(runner: QueryRunner): Promise<void> {
    await runOnline(runner, [PROCESSING_STATUS_VIEW, ...lockDownView('entity_processing_status')]);
    await runOnline(runner, [
      `ALTER TABLE opportunities
         DROP COLUMN IF EXISTS processed_by_services,
         DROP COLUMN IF EXISTS last_sync_to_kafka,
         DROP COLUMN IF EXISTS embedding_version`,
    ]);
    await runOnline(runner, [
      `ALTER TABLE proposals
         DROP COLUMN IF EXISTS event_stream_position,
         DROP COLUMN IF EXISTS analytics_synced`,
    ]);
    await runOnline(runner, [
      `ALTER TABLE contract_documents
         DROP COLUMN IF EXISTS ocr_service_version,
         DROP COLUMN IF EXISTS processing_correlation_id`,
    ]);
  }

  async down(runner: QueryRunner): Promise<void> {
    // The same definitions as 017 (constant defaults: catalog only, no rewrite).
    await runOnline(runner, [
      `ALTER TABLE IF EXISTS opportunities
         ADD COLUMN IF NOT EXISTS processed_by_services jsonb DEFAULT '{}',
         ADD COLUMN IF NOT EXISTS last_sync_to_kafka timestamptz,
         ADD COLUMN IF NOT EXISTS embedding_version integer DEFAULT 0`,
    ]);
    await runOnline(runner, [
      `ALTER TABLE IF EXISTS proposals
         ADD COLUMN IF NOT EXISTS event_stream_position bigint,
         ADD COLUMN IF NOT EXISTS analytics_synced boolean DEFAULT false`,
    ]);
    await runOnline(runner, [
      `ALTER TABLE IF EXISTS contract_documents
         ADD COLUMN IF NOT EXISTS ocr_service_version varchar(20),
         ADD COLUMN IF NOT EXISTS processing_correlation_id uuid`,
    ]);
    await runOnline(runner, [`DROP VIEW IF EXISTS entity_processing_status`]);
  }
}

/**
 * One row per entity a service logged anything about. Columns answer what 017's columns were for:
 * - processed_by_services: {service: time of its last success}, as the jsonb column was meant;
 * - last_sync_to_kafka: the kafka-migrator's last success;
 * - embedding_version: the weaviate-indexer's highest `metadata.embeddingVersion` (0 when none);
 * - analytics_synced: whether the clickhouse-populator succeeded;
 * - event_stream_position: the highest `metadata.sourcePosition` any service processed (text
 *   positions compare in order: lsn:/seq: and 16 hex digits);
 * - service_versions: {service: `metadata.serviceVersion` of its last success} (ocr_service_version
 *   is `service_versions->>'ocr-service'`);
 * - processing_correlation_id: the correlation id of the newest entry;
 * - failed_services: {service: time of its last failure or dead letter}.
 * Filters on entity_type and entity_id reach the log's (entity_id, service_name) index through the
 * grouping, so one entity costs an index scan, not a scan of the log.
 */
const PROCESSING_STATUS_VIEW = `
CREATE OR REPLACE VIEW entity_processing_status AS
WITH per_service AS (
  SELECT entity_type, entity_id, service_name,
         max(created_at) FILTER (WHERE status = 'succeeded') AS succeeded_at,
         max(created_at) FILTER (WHERE status IN ('failed', 'dead_lettered')) AS failed_at,
         max(CASE WHEN metadata->>'embeddingVersion' ~ '^[0-9]{1,9}$' THEN (metadata->>'embeddingVersion')::int END)
           FILTER (WHERE status = 'succeeded') AS embedding_version,
         max(metadata->>'sourcePosition') FILTER (WHERE status = 'succeeded') AS source_position,
         (array_agg(metadata->>'serviceVersion' ORDER BY created_at DESC) FILTER (WHERE status = 'succeeded'))[1] AS service_version,
         (array_agg(correlation_id ORDER BY created_at DESC))[1] AS correlation_id,
         max(created_at) AS last_at
    FROM service_processing_log
   GROUP BY entity_type, entity_id, service_name
)
SELECT entity_type,
       entity_id,
       coalesce(jsonb_object_agg(service_name, succeeded_at) FILTER (WHERE succeeded_at IS NOT NULL), '{}'::jsonb) AS processed_by_services,
       max(succeeded_at) FILTER (WHERE service_name = 'kafka-migrator') AS last_sync_to_kafka,
       coalesce(max(embedding_version) FILTER (WHERE service_name = 'weaviate-indexer'), 0) AS embedding_version,
       coalesce(bool_or(succeeded_at IS NOT NULL) FILTER (WHERE service_name = 'clickhouse-populator'), false) AS analytics_synced,
       max(source_position) AS event_stream_position,
       coalesce(jsonb_object_agg(service_name, service_version) FILTER (WHERE service_version IS NOT NULL), '{}'::jsonb) AS service_versions,
       (array_agg(correlation_id ORDER BY last_at DESC))[1] AS processing_correlation_id,
       coalesce(jsonb_object_agg(service_name, failed_at) FILTER (WHERE failed_at IS NOT NULL), '{}'::jsonb) AS failed_services,
       max(last_at) AS last_processed_at
  FROM per_service
 GROUP BY entity_type, entity_id`;
