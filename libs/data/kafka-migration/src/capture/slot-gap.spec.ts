import { ReplicationSlotLostError, slotLoss } from './slot-gap';

describe('slotLoss', () => {
  it('is missing when pg_replication_slots has no row, invalidated when wal_status is lost', () => {
    expect(slotLoss({ exists: false, walStatus: null })).toBe('missing');
    expect(slotLoss({ exists: true, walStatus: 'lost' })).toBe('invalidated');
  });

  it('is no loss while the slot still delivers (reserved, extended, or unreserved but not yet removed)', () => {
    for (const walStatus of ['reserved', 'extended', 'unreserved', null])
      expect(slotLoss({ exists: true, walStatus })).toBeNull();
  });
});

describe('ReplicationSlotLostError', () => {
  it('names the slot, the run, the recorded gap and the recovery command', () => {
    const error = new ReplicationSlotLostError({
      slot: 'mch_cdc_run_a',
      run: 'run-a',
      reason: 'invalidated',
      detectedAt: '2026-12-04T22:00:00.000Z',
      lastConfirmedLsn: '0/1A2B3C',
    });
    expect(error.message).toContain('replication slot mch_cdc_run_a of migration run run-a was invalidated');
    expect(error.message).toContain("wal_status 'lost'");
    expect(error.message).toContain('changes after 0/1A2B3C were not captured');
    expect(error.message).toContain("data_migration_state 'run-a:capture'");
    expect(error.message).toContain("'kafka-migrator resnapshot'");
    expect(error.toJSON()).toMatchObject({
      code: 'PRECONDITION_FAILED',
      details: { id: 'mch_cdc_run_a', reason: 'invalidated', run: 'run-a' },
    });
  });
});
