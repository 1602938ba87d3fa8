import { deadLetterTopic } from '@mch/contracts';
import { loadConfig } from '@mch/util-config';
import { clickhousePopulatorConfigSchema } from './clickhouse-populator.config';
import { parseCliArgs } from './populator.cli';
import { populatorTopics } from './populator-topics';

describe('clickhouse-populator configuration', () => {
  it('defaults to every entity with a table, one group, batches of 30,000 rows or 1 s', () => {
    expect(loadConfig(clickhousePopulatorConfigSchema, {})).toEqual({
      CLICKHOUSE_POPULATOR_ENTITIES: ['opportunity', 'proposal', 'contract_document', 'usage_record'],
      CLICKHOUSE_POPULATOR_GROUP_ID: 'clickhouse-populator',
      CLICKHOUSE_POPULATOR_TOPIC_PREFIX: '',
      CLICKHOUSE_POPULATOR_BATCH_ROWS: 30_000,
      CLICKHOUSE_POPULATOR_BATCH_WAIT_MS: 1_000,
      CLICKHOUSE_POPULATOR_FETCH_MAX_BYTES: 8 * 1_048_576,
      CLICKHOUSE_POPULATOR_FETCH_MAX_BYTES_PER_PARTITION: 1_048_576,
      CLICKHOUSE_POPULATOR_MAX_WRITE_ATTEMPTS: 5,
      CLICKHOUSE_POPULATOR_FROM_BEGINNING: true,
      CLICKHOUSE_POPULATOR_LOG_SUCCEEDED: false,
    });
  });

  it('names the variable and the entity that has no analytics table', () => {
    expect(() => loadConfig(clickhousePopulatorConfigSchema, { CLICKHOUSE_POPULATOR_ENTITIES: 'opportunity,company' })).toThrow(
      "CLICKHOUSE_POPULATOR_ENTITIES is invalid: 'company' has no analytics table",
    );
    expect(() => loadConfig(clickhousePopulatorConfigSchema, { CLICKHOUSE_POPULATOR_BATCH_ROWS: '0' })).toThrow('CLICKHOUSE_POPULATOR_BATCH_ROWS is invalid');
    expect(() => loadConfig(clickhousePopulatorConfigSchema, { CLICKHOUSE_POPULATOR_FETCH_MAX_BYTES: '1000' })).toThrow('CLICKHOUSE_POPULATOR_FETCH_MAX_BYTES is invalid');
  });

  it('maps entity topics to tables, and dead letters to the contract topic names', () => {
    const plain = populatorTopics(['opportunity', 'usage_record'], '');
    expect(plain.topics).toEqual([
      { topic: 'contracts.opportunities.events', deadLetter: deadLetterTopic('opportunity'), partitions: 10 },
      { topic: 'contracts.api-usage.events', deadLetter: deadLetterTopic('usage_record'), partitions: 10 },
    ]);
    expect(plain.tableOfTopic.get('contracts.api-usage.events')?.name).toBe('api_usage_events');
    expect(populatorTopics(['proposal'], 'it-1.').topics[0]).toEqual({ topic: 'it-1.contracts.proposals.events', deadLetter: 'dlq.it-1.contracts.proposals.events', partitions: 5 });
  });

  it('parses CLI options and refuses a dangling flag with the usage text', () => {
    expect(parseCliArgs(['snapshot', '--table', 'all', '--name', 'pre'])).toEqual({ command: 'snapshot', options: { table: 'all', name: 'pre' } });
    expect(() => parseCliArgs(['restore', '--table'])).toThrow("expected --option value, got '--table'");
    expect(() => parseCliArgs([])).toThrow('no command given');
  });
});
