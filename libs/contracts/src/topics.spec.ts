import { ENTITY_TOPICS, MigratedEntity, deadLetterTopic } from './topics';

describe('topics', () => {
  it('gives every migrated entity its own topic and source table', () => {
    const entities = Object.values(MigratedEntity);
    expect(Object.keys(ENTITY_TOPICS).sort()).toEqual([...entities].sort());
    expect(new Set(entities.map((e) => ENTITY_TOPICS[e].name)).size).toBe(entities.length);
  });

  it('keeps the monolith team topic names consumers already read', () => {
    expect(ENTITY_TOPICS.opportunity.name).toBe('contracts.opportunities.events');
    expect(ENTITY_TOPICS.usage_record.name).toBe('contracts.api-usage.events');
  });

  it('derives a dead-letter topic per entity topic', () => {
    expect(deadLetterTopic('proposal')).toBe('dlq.contracts.proposals.events');
  });
});
