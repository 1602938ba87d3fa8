import { LEGACY_CAPABILITIES, OPPORTUNITY_EVENTS, insertColumnNames } from '@mch/data-clickhouse-analytics';
import { kafkaEngineDdl, opportunityViewColumns } from './kafka-engine.ddl';

const options = {
  database: 'peer',
  brokers: '127.0.0.1:19092',
  topic: 'bench.clickhouse.x',
  group: 'g1',
  consumers: 2,
};

describe('Kafka-engine peer DDL', () => {
  it('selects every column the populator inserts, in its order, plus ingested_at', () => {
    const names = opportunityViewColumns(LEGACY_CAPABILITIES).map((e) => e.split(' AS ').at(-1));
    expect(names).toEqual([...insertColumnNames(OPPORTUNITY_EVENTS, LEGACY_CAPABILITIES), 'ingested_at']);
  });

  it('keeps a NULL decimal NULL and converts a neutral value in the branch ClickHouse also evaluates', () => {
    const award = opportunityViewColumns(LEGACY_CAPABILITIES).find((e) => e.endsWith(' AS award_amount'));
    expect(award).toBe(
      "if(isNull(`data.awardAmount`), NULL, toDecimal64(ifNull(`data.awardAmount`, '0'), 2)) AS award_amount",
    );
  });

  it('splits a timestamp into seconds and milliseconds as the 18.16 table holds it', () => {
    const columns = opportunityViewColumns(LEGACY_CAPABILITIES);
    expect(columns).toContain(
      "if(isNull(`data.createdAt`), NULL, parseDateTimeBestEffort(ifNull(`data.createdAt`, '1970-01-01T00:00:00Z'))) AS created_at",
    );
    expect(columns).toContain(
      "toUInt16OrZero(substring(ifNull(`data.createdAt`, ''), 21, 3)) AS created_at_ms",
    );
  });

  it('reads the topic as JSONEachRow with the given consumers into the target', () => {
    const ddl = kafkaEngineDdl(options, LEGACY_CAPABILITIES, 'opportunity_events');
    expect(ddl.kafkaTable).toContain("kafka_topic_list = 'bench.clickhouse.x'");
    expect(ddl.kafkaTable).toContain("kafka_format = 'JSONEachRow', kafka_num_consumers = 2");
    expect(ddl.kafkaTable).toContain('`data.awardAmount` Nullable(String)');
    expect(ddl.view).toMatch(
      /^CREATE MATERIALIZED VIEW peer\.opportunity_kafka_mv TO peer\.opportunity_events AS SELECT /,
    );
  });

  it('refuses a topic name that would break out of the quoted setting', () => {
    expect(() =>
      kafkaEngineDdl(
        { ...options, topic: "x', kafka_format = 'CSV" },
        LEGACY_CAPABILITIES,
        'opportunity_events',
      ),
    ).toThrow("kafka engine topic 'x', kafka_format = 'CSV' may hold only letters, digits and . : , - _");
  });

  it('refuses the DateTime64 shape it does not build', () => {
    expect(() => opportunityViewColumns({ ...LEGACY_CAPABILITIES, dateTime64: true })).toThrow(
      '18.16 table shape',
    );
  });
});
