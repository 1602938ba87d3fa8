import { createLogger } from '@mch/util-logger';
import { checkOptionsFrom } from './check-options';
import { consistencyCheckerConfigSchema } from './consistency-checker.config';

const logger = createLogger({ service: 'test', sink: () => undefined });

describe('consistency checker configuration', () => {
  it("defaults to a content check of every entity against every target with the plan's thresholds", () => {
    const config = consistencyCheckerConfigSchema.parse({});
    const options = checkOptionsFrom(config, logger, new Date('2026-03-01T00:00:00Z'));
    expect(options).toMatchObject({
      mode: 'content',
      entities: ['opportunity', 'proposal', 'contract_document', 'company', 'usage_record'],
      targets: ['kafka', 'clickhouse', 'weaviate'],
      thresholds: { maxDiscrepancies: 100, maxDiscrepancyRate: 0.0001 },
      inFlightLagMs: 60_000,
      eventStore: { from: null, to: null, table: 'event_store', failOnPositionGaps: false },
    });
    expect(options.topicFor('opportunity')).toBe('contracts.opportunities.events');
  });

  it('reads lists, prefixes, windows and watermarks, and names what is wrong', () => {
    const config = consistencyCheckerConfigSchema.parse({
      CONSISTENCY_ENTITIES: 'opportunity, contract_document',
      CONSISTENCY_TARGETS: 'clickhouse',
      CONSISTENCY_TOPIC_PREFIX: 'staging.',
      CONSISTENCY_EVENT_STORE: '24',
      CONSISTENCY_WATERMARK: '2026-02-28T12:00:00Z',
    });
    const options = checkOptionsFrom(config, logger, new Date('2026-03-01T00:00:00Z'));
    expect(options).toMatchObject({
      entities: ['opportunity', 'contract_document'],
      targets: ['clickhouse'],
      watermark: new Date('2026-02-28T12:00:00Z'),
    });
    expect(options.eventStore?.from).toEqual(new Date('2026-02-28T00:00:00Z'));
    expect(options.topicFor('contract_document')).toBe('staging.contracts.documents.events');
    expect(
      checkOptionsFrom(consistencyCheckerConfigSchema.parse({ CONSISTENCY_EVENT_STORE: 'none' }), logger)
        .eventStore,
    ).toBeNull();
    const bad = consistencyCheckerConfigSchema.safeParse({ CONSISTENCY_TARGETS: 'kafka,elasticsearch' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].message).toBe(
      "'elasticsearch' is not a target store (known: kafka, clickhouse, weaviate)",
    );
    expect(consistencyCheckerConfigSchema.safeParse({ CONSISTENCY_MAX_DISCREPANCY_RATE: '2' }).success).toBe(
      false,
    );
  });
});
