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
    const result = ENTITY_EVENTS.opportunity.data.safeParse({ awardAmount: 'nan' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.some((i) => i.path[0] === 'awardAmount')).toBe(true);
  });

  it('accepts every exact form of timestamps and amounts, and still refuses malformed ones', () => {
    const fields = (patch: Record<string, unknown>) => {
      const result = ENTITY_EVENTS.opportunity.data.safeParse(patch);
      return new Set(result.error?.issues.map((i) => String(i.path[0])) ?? []);
    };
    for (const value of [
      '2026-01-02T03:04:05.678Z',
      '1969-12-31T23:59:59.999999Z',
      '0000-01-01T00:00:00.000Z',
      '-000043-03-15T00:00:00.000Z',
      '+294276-12-31T23:59:59.999999Z',
      '2024-02-29T00:00:00.000Z',
      '2026-01-02T03:04:05+02:00',
      'infinity',
      '-infinity',
    ])
      expect([value, fields({ postedDate: value }).has('postedDate')]).toEqual([value, false]);
    for (const value of [
      'Infinity',
      '2026-02-29T00:00:00.000Z',
      '2026-04-31T00:00:00Z',
      '-000000-01-01T00:00:00Z',
      '10000-01-01T00:00:00Z',
      '2026-01-02 03:04:05+00',
      '2026-01-02T03:04:05',
      '2026-13-02T03:04:05Z',
    ])
      expect([value, fields({ postedDate: value }).has('postedDate')]).toEqual([value, true]);
    for (const value of ['1234.50', '-0.5', '7', 'NaN', 'Infinity', '-Infinity'])
      expect([value, fields({ awardAmount: value }).has('awardAmount')]).toEqual([value, false]);
    for (const value of ['1e5', '+1', 'infinity', '1.', '.5', ''])
      expect([value, fields({ awardAmount: value }).has('awardAmount')]).toEqual([value, true]);
  });
});
