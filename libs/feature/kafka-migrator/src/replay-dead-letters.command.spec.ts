import { ReplayUsageError, parseReplayArgs } from './replay-dead-letters.command';

const ID = '3f2b8c1d-4e5a-4b6c-8d7e-9f0a1b2c3d4e';

describe('kafka-migrator replay-dead-letters arguments', () => {
  it('reads every filter and a standalone --dry-run', () => {
    expect(parseReplayArgs(['--entity', 'opportunity', '--id', ID, '--reason', 'too large', '--stage', 'kafka-migrator', '--dry-run'])).toEqual({
      filter: { entity: 'opportunity', id: ID, reason: 'too large', stage: 'kafka-migrator' },
      dryRun: true,
    });
    expect(parseReplayArgs(['--dry-run', '--entity', 'company'])).toEqual({ filter: { entity: 'company' }, dryRun: true });
    expect(parseReplayArgs([])).toEqual({ filter: {}, dryRun: false });
  });

  it.each([
    [['--entity', 'invoice'], /--entity/],
    [['--id', 'not-a-uuid'], /--id/],
    [['--stage', 'somewhere'], /--stage/],
    [['--colour', 'red'], /unknown option --colour/],
    [['--reason'], /--reason needs a value/],
    [['entity'], /expected --option/],
  ])('refuses %j naming the option', (args, why) => {
    expect(() => parseReplayArgs(args)).toThrow(ReplayUsageError);
    expect(() => parseReplayArgs(args)).toThrow(why);
  });
});
