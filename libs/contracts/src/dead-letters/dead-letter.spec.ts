import {
  DeadLetterStage,
  STAGE_FEEDS,
  consumerDeadLetter,
  deadLetterHeaders,
  deadLetterTopicsOf,
  deadLetterValue,
  parseDeadLetter,
  truncateDeadLetterRow,
} from './dead-letter';

const ID = '0b7e6f2a-9c1d-4e5f-8a6b-3c2d1e0f9a8b';
const RUN = '7d0c9e3b-1a2f-5b4c-8d6e-0f1a2b3c4d5e';

describe('dead-letter contract', () => {
  it('reads back a version-2 consumer dead letter with the original message byte for byte', () => {
    const value = '{"aggregateId":"' + ID + '","bad":true,"metadata":{"migrationId":"' + RUN + '"}}';
    const input = consumerDeadLetter({
      stage: DeadLetterStage.ClickHousePopulator,
      service: 'clickhouse-populator',
      original: { topic: 'it.x.contracts.opportunities.events', partition: 3, offset: '17', key: ID.toUpperCase(), value, headers: { 'event-id': 'e' }, exact: true },
      entity: null,
      id: ID.toUpperCase(),
      reason: { code: 'VALIDATION_FAILED', message: 'eventType is missing', field: 'eventType' },
    });
    const letter = parseDeadLetter(deadLetterValue(input));
    expect(letter).toMatchObject({
      deadLetterVersion: 2,
      stage: 'clickhouse-populator',
      entity: 'opportunity',
      id: ID,
      migrationId: RUN,
      reason: { code: 'VALIDATION_FAILED', field: 'eventType' },
      original: { topic: 'it.x.contracts.opportunities.events', partition: 3, offset: '17', value, headers: { 'event-id': 'e' } },
      source: null,
    });
  });

  it('keeps the version-1 fields in a version-2 value for older readers', () => {
    const value = JSON.parse(
      deadLetterValue({
        stage: DeadLetterStage.KafkaMigrator,
        service: 'kafka-migrator',
        entity: 'opportunity',
        id: ID,
        migrationId: RUN,
        migrationRun: 'r',
        correlationId: RUN,
        reason: { code: 'MESSAGE_TOO_LARGE', message: 'too big', limit: 1000 },
        original: null,
        source: { table: 'opportunities', operation: 'snapshot', position: 'lsn:0000000000000001', row: { id: ID }, rowDigest: 'd' },
      }),
    ) as Record<string, unknown>;
    expect(value).toMatchObject({
      error: { code: 'MESSAGE_TOO_LARGE', limit: 1000 },
      service: 'kafka-migrator',
      migrationId: RUN,
      originalTopic: null,
      event: { entity: 'opportunity', key: ID, operation: 'snapshot', position: 'lsn:0000000000000001', row: { id: ID } },
    });
  });

  it('reads the three version-1 shapes, recovering stage, entity, id and run', () => {
    const migrator = parseDeadLetter(
      JSON.stringify({
        originalTopic: 'contracts.opportunities.events',
        event: { entity: 'opportunity', key: ID, operation: 'update', position: 'lsn:0000000000000002', row: { id: ID } },
        error: { code: 'MAPPING_FAILED', message: 'x', field: 'title' },
        service: 'kafka-migrator',
        migrationId: RUN,
        timestamp: 't',
      }),
      { key: ID },
    );
    expect(migrator).toMatchObject({ stage: 'kafka-migrator', entity: 'opportunity', id: ID, migrationId: RUN, source: { operation: 'update', position: 'lsn:0000000000000002' } });

    const consumer = parseDeadLetter(
      JSON.stringify({ originalTopic: 'contracts.documents.events', partition: 1, offset: '5', event: 'not json', error: { code: 'DECODE_FAILED', message: 'y' }, service: 'weaviate-indexer' }),
      { key: ID, headers: { 'migration-id': RUN, 'dlq-error-code': 'DECODE_FAILED', 'event-id': 'e' } },
    );
    expect(consumer).toMatchObject({
      stage: 'weaviate-indexer',
      entity: 'contract_document',
      id: ID,
      migrationId: RUN,
      original: { topic: 'contracts.documents.events', partition: 1, offset: '5', value: 'not json', headers: { 'migration-id': RUN, 'event-id': 'e' } },
    });
    expect(consumer?.original?.headers).not.toHaveProperty('dlq-error-code');

    const historical = parseDeadLetter(
      JSON.stringify({ originalTopic: null, source: { table: 'proposals', mode: 'historical-load' }, event: JSON.stringify({ id: ID }), error: { code: 'E', message: 'z' }, service: 'clickhouse-populator' }),
      { key: ID, headers: { 'aggregate-type': 'Proposal' } },
    );
    expect(historical).toMatchObject({ stage: 'clickhouse-historical-load', entity: 'proposal', id: ID, source: { table: 'proposals', row: { id: ID } } });
  });

  it('returns null for values that are not dead letters', () => {
    expect(parseDeadLetter(null)).toBeNull();
    expect(parseDeadLetter('not json')).toBeNull();
    expect(parseDeadLetter('{"eventId":"x"}')).toBeNull();
  });

  it('names both dead-letter topics under a prefix, one without', () => {
    expect(deadLetterTopicsOf('opportunity')).toEqual(['dlq.contracts.opportunities.events']);
    expect(deadLetterTopicsOf('opportunity', 'p.')).toEqual(['p.dlq.contracts.opportunities.events', 'dlq.p.contracts.opportunities.events']);
  });

  it('a migrator refusal explains every downstream store, a consumer refusal only its own', () => {
    expect(STAGE_FEEDS['kafka-migrator']).toEqual(['kafka', 'clickhouse', 'weaviate']);
    expect(STAGE_FEEDS['clickhouse-populator']).toEqual(['clickhouse']);
    expect(STAGE_FEEDS['weaviate-indexer']).toEqual(['weaviate']);
  });

  it('headers name the stage, code and run; long row values are cut and say so', () => {
    expect(
      deadLetterHeaders({ stage: 'weaviate-indexer', reason: { code: 'C', message: '' }, migrationId: RUN, correlationId: null, entity: 'company' }),
    ).toEqual({ 'dlq-error-code': 'C', 'dlq-stage': 'weaviate-indexer', 'migration-id': RUN, 'aggregate-type': 'Company' });
    expect(truncateDeadLetterRow({ a: 'x'.repeat(2_500), b: null })).toEqual({ a: `${'x'.repeat(2_000)}...[2500 chars]`, b: null });
  });
});
