import { ENTITY_EVENTS, compareSourcePositions, formatSourcePosition } from './entity-events';

describe('entity events', () => {
  it('names snapshot events as the monolith team did and changes by operation', () => {
    expect(ENTITY_EVENTS.opportunity.eventTypes).toEqual({
      snapshot: 'OpportunityMigrated',
      insert: 'OpportunityCreated',
      update: 'OpportunityUpdated',
      delete: 'OpportunityDeleted',
    });
  });

  it('formats positions so that text order is numeric order', () => {
    const small = formatSourcePosition('lsn', 0x9ffn);
    const large = formatSourcePosition('lsn', 0x1000n);
    expect(compareSourcePositions(small, large)).toBe(-1);
    expect(small).toBe('lsn:00000000000009ff');
  });

  it('validates opportunity data, naming a bad amount', () => {
    const result = ENTITY_EVENTS.opportunity.data.safeParse({ awardAmount: 'NaN' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.some((i) => i.path[0] === 'awardAmount')).toBe(true);
  });
});
