/**
 * One statement: read the stream's version, insert the events at the next versions only when it
 * matches the expectation ($7: a number, 'any' or 'no_stream'), and insert one outbox row per
 * event carrying the canonical envelope. No rows back means the expectation did not hold.
 */
export const APPEND_SQL = `
WITH cur AS (
  SELECT COALESCE(max(event_version), 0)::int AS v FROM event_store WHERE aggregate_id = $1
), ins AS (
  INSERT INTO event_store (event_id, aggregate_id, aggregate_type, event_type, event_version, event_data, metadata,
                           correlation_id, causation_id, user_id)
  SELECT (d->>'event_id')::uuid, $1, $2, d->>'event_type', cur.v + e.ord::int, d->'data', d->'metadata', $3, $4, $5
    FROM cur, jsonb_array_elements($6::jsonb) WITH ORDINALITY AS e(d, ord)
   WHERE $7 = 'any' OR ($7 = 'no_stream' AND cur.v = 0) OR ($7 ~ '^[0-9]+$' AND cur.v = $7::int)
   ORDER BY e.ord
  RETURNING *
), outbox AS (
  INSERT INTO event_outbox (event_id, aggregate_id, aggregate_type, event_type, topic, payload, partition_key, headers,
                            correlation_id, causation_id)
  SELECT i.event_id, i.aggregate_id, i.aggregate_type, i.event_type, $8,
         jsonb_build_object(
           'eventId', i.event_id, 'eventType', i.event_type, 'aggregateId', i.aggregate_id,
           'aggregateType', i.aggregate_type, 'eventVersion', i.event_version,
           'timestamp', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'data', i.event_data,
           'metadata', jsonb_build_object(
             'correlationId', i.correlation_id, 'causationId', i.causation_id, 'source', 'event-store',
             'schemaVersion', '1.0', 'sourcePosition', i.global_position::text, 'operation', 'append',
             'userId', i.user_id)),
         i.aggregate_id::text,
         jsonb_strip_nulls(jsonb_build_object('event-version', i.event_version::text, 'user-id', i.user_id::text)),
         i.correlation_id, i.causation_id
    FROM ins i
   ORDER BY i.event_version
  RETURNING id
)
SELECT ins.event_id, ins.global_position, ins.aggregate_id, ins.aggregate_type, ins.event_type, ins.event_version,
       ins.event_data, ins.metadata, ins.correlation_id, ins.causation_id, ins.user_id,
       ins.transaction_id::text AS transaction_id, ins.created_at, cur.v AS previous_version,
       (SELECT count(*) FROM outbox) AS outbox_rows
  FROM ins, cur
 ORDER BY ins.event_version`;

/**
 * APPEND_SQL for many streams at once (group commit): $1 is a JSON array of appends, each
 * `{aggregate_id, aggregate_type, correlation_id, causation_id, user_id, expected, topic, events}`
 * with distinct aggregate ids. Each append's expectation is checked on its own: an append whose
 * stream moved returns no rows and the others are written. Events and their outbox rows take
 * positions in the array's order, and each row comes back with its append's index (`idx`).
 */
export const APPEND_BATCH_SQL = `
WITH req AS (
  SELECT r.ord::int AS idx, (r.a->>'aggregate_id')::uuid AS aggregate_id,
         r.a->>'aggregate_type' AS aggregate_type, (r.a->>'correlation_id')::uuid AS correlation_id,
         (r.a->>'causation_id')::uuid AS causation_id, (r.a->>'user_id')::uuid AS user_id,
         r.a->>'expected' AS expected, r.a->>'topic' AS topic, r.a->'events' AS events
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r(a, ord)
), cur AS (
  SELECT req.*, COALESCE((SELECT max(s.event_version) FROM event_store s WHERE s.aggregate_id = req.aggregate_id), 0)::int AS v
    FROM req
), ok AS (
  SELECT * FROM cur
   WHERE CASE WHEN expected = 'any' THEN true
              WHEN expected = 'no_stream' THEN v = 0
              WHEN expected ~ '^[0-9]+$' THEN v::numeric = expected::numeric
              ELSE false END
), ins AS (
  INSERT INTO event_store (event_id, aggregate_id, aggregate_type, event_type, event_version, event_data, metadata,
                           correlation_id, causation_id, user_id)
  SELECT (d->>'event_id')::uuid, ok.aggregate_id, ok.aggregate_type, d->>'event_type', ok.v + e.ord::int, d->'data',
         d->'metadata', ok.correlation_id, ok.causation_id, ok.user_id
    FROM ok, jsonb_array_elements(ok.events) WITH ORDINALITY AS e(d, ord)
   ORDER BY ok.idx, e.ord
  RETURNING *
), outbox AS (
  INSERT INTO event_outbox (event_id, aggregate_id, aggregate_type, event_type, topic, payload, partition_key, headers,
                            correlation_id, causation_id)
  SELECT i.event_id, i.aggregate_id, i.aggregate_type, i.event_type, ok.topic,
         jsonb_build_object(
           'eventId', i.event_id, 'eventType', i.event_type, 'aggregateId', i.aggregate_id,
           'aggregateType', i.aggregate_type, 'eventVersion', i.event_version,
           'timestamp', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'data', i.event_data,
           'metadata', jsonb_build_object(
             'correlationId', i.correlation_id, 'causationId', i.causation_id, 'source', 'event-store',
             'schemaVersion', '1.0', 'sourcePosition', i.global_position::text, 'operation', 'append',
             'userId', i.user_id)),
         i.aggregate_id::text,
         jsonb_strip_nulls(jsonb_build_object('event-version', i.event_version::text, 'user-id', i.user_id::text)),
         i.correlation_id, i.causation_id
    FROM ins i JOIN ok ON ok.aggregate_id = i.aggregate_id
   ORDER BY i.global_position
  RETURNING id
)
SELECT ok.idx, ins.event_id, ins.global_position, ins.aggregate_id, ins.aggregate_type, ins.event_type, ins.event_version,
       ins.event_data, ins.metadata, ins.correlation_id, ins.causation_id, ins.user_id,
       ins.transaction_id::text AS transaction_id, ins.created_at, ok.v AS previous_version,
       (SELECT count(*) FROM outbox) AS outbox_rows
  FROM ins JOIN ok ON ok.aggregate_id = ins.aggregate_id
 ORDER BY ins.global_position`;
