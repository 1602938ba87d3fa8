import { OPPORTUNITY_EVENTS } from '../schema/analytics-tables';
import { decimalAtScale, latestStateSql } from './latest-state.sql';

describe('latestStateSql', () => {
  it('takes every column from the greatest version in one tuple and drops deleted ids', () => {
    const sql = latestStateSql(OPPORTUNITY_EVENTS, ['award_amount']);
    expect(sql).toContain('argMax(tuple(is_deleted, `award_amount`), source_position) AS latest');
    expect(sql).toContain('GROUP BY `opportunity_id`');
    expect(sql).toContain('WHERE tupleElement(latest, 1) = 0');
  });

  it('refuses a column the table does not have', () => {
    expect(() => latestStateSql(OPPORTUNITY_EVENTS, ['nope'])).toThrow('opportunity_events has no column nope');
  });

  it('prints decimals at a fixed scale whichever server produced them', () => {
    expect(decimalAtScale('12.3', 2)).toBe('12.30');
    expect(decimalAtScale('100', 2)).toBe('100.00');
    expect(decimalAtScale(null, 2)).toBeNull();
  });
});
