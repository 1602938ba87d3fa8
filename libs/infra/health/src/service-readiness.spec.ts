import { readinessDetails } from './service-readiness';

describe('readinessDetails', () => {
  it('adds the reason and the operator action to the details when the service says why it is down', () => {
    expect(
      readinessDetails({
        ready: false,
        details: { capture: 'stopped', slot: 'mch_cdc_x' },
        reason: 'replication_slot_lost',
        action: 'kafka-migrator resnapshot',
      }),
    ).toEqual({
      capture: 'stopped',
      slot: 'mch_cdc_x',
      reason: 'replication_slot_lost',
      action: 'kafka-migrator resnapshot',
    });
  });

  it('keeps the details alone while ready or starting', () => {
    expect(readinessDetails({ ready: true, details: { capture: 'logical' } })).toEqual({
      capture: 'logical',
    });
    expect(readinessDetails({ ready: false, details: { capture: 'starting' } })).toEqual({
      capture: 'starting',
    });
  });
});
