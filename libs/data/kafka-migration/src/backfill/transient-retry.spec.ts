import { createLogger } from '@mch/util-logger';
import { retryTransient, type TransientRetryPolicy } from './transient-retry';

const policy: TransientRetryPolicy = { retries: 3, firstDelayMs: 100, maxDelayMs: 250, freshAfterMs: 60_000 };
const terminated = () =>
  Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

function harness() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 't', level: 'info', sink: (line) => lines.push(JSON.parse(line)) });
  const slept: number[] = [];
  let clock = 0;
  return {
    lines,
    logger,
    slept,
    advance: (ms: number) => (clock += ms),
    sleep: async (ms: number) => void slept.push(ms),
    now: () => clock,
  };
}

describe('retryTransient', () => {
  it('runs the work again after a transient failure, waiting 1x, 2x, ... up to the cap, and logs each retry', async () => {
    const h = harness();
    let calls = 0;
    const result = await retryTransient(
      async () => {
        calls++;
        if (calls <= 3) throw terminated();
        return 'done';
      },
      policy,
      h.logger,
      { checkpoint: 'run:backfill:opportunity:0-of-1' },
      h.sleep,
      h.now,
    );
    expect(result).toBe('done');
    expect(calls).toBe(4);
    expect(h.slept).toEqual([100, 200, 250]);
    const warnings = h.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatchObject({
      msg: 'transient database failure; resuming from the checkpoint',
      checkpoint: 'run:backfill:opportunity:0-of-1',
      attempt: 1,
      of: 3,
      error: { code: '57P01' },
    });
  });

  it('gives up after the budget with the last error as it came', async () => {
    const h = harness();
    let calls = 0;
    await expect(
      retryTransient(
        async () => {
          calls++;
          throw terminated();
        },
        policy,
        h.logger,
        {},
        h.sleep,
        h.now,
      ),
    ).rejects.toMatchObject({ code: '57P01' });
    expect(calls).toBe(4);
  });

  it('never retries an error of the work itself', async () => {
    const h = harness();
    let calls = 0;
    const wrong = Object.assign(new Error('relation "nosuch" does not exist'), { code: '42P01' });
    await expect(
      retryTransient(
        async () => {
          calls++;
          throw wrong;
        },
        policy,
        h.logger,
        {},
        h.sleep,
        h.now,
      ),
    ).rejects.toBe(wrong);
    expect(calls).toBe(1);
    expect(h.slept).toEqual([]);
  });

  it('gives an attempt that ran long before failing the whole budget again', async () => {
    const h = harness();
    let calls = 0;
    const result = await retryTransient(
      async () => {
        calls++;
        // Every third attempt runs for two minutes (progress) before it fails too.
        if (calls % 3 === 0) h.advance(120_000);
        if (calls < 9) throw terminated();
        return calls;
      },
      policy,
      h.logger,
      {},
      h.sleep,
      h.now,
    );
    expect(result).toBe(9);
    // Without the reset the fourth failure in a row would be over the budget of three.
    expect(h.slept).toEqual([100, 200, 100, 200, 250, 100, 200, 250]);
  });
});
