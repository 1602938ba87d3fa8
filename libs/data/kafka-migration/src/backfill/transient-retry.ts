import { isTransientPostgresError } from '@mch/infra-postgres';
import type { Logger } from '@mch/util-logger';

export interface TransientRetryPolicy {
  /** Retries after a transient failure before giving up (0: none; the Job's own retry is next). */
  retries: number;
  /** First wait; it doubles up to maxDelayMs. */
  firstDelayMs: number;
  maxDelayMs: number;
  /**
   * An attempt that ran this long before failing made progress: the next failure is a new incident
   * with the whole budget again, so a week-long backfill is not ended by its ninth failover.
   */
  freshAfterMs: number;
}

/** 1 s doubling to 30 s, eight times: about two minutes, a managed database's failover. */
export const DEFAULT_TRANSIENT_RETRY: TransientRetryPolicy = {
  retries: 8,
  firstDelayMs: 1_000,
  maxDelayMs: 30_000,
  freshAfterMs: 60_000,
};

/**
 * Runs resumable work (a backfill shard: it starts from its checkpoint) again after a transient
 * database failure, in the same process: a failover, a terminated connection or a starved pool no
 * longer fails the Job's pod and costs a new pod's start. Any other error, or the last failure of
 * the budget, is thrown as it came.
 */
export async function retryTransient<T>(
  work: () => Promise<T>,
  policy: TransientRetryPolicy,
  logger: Logger,
  context: Record<string, unknown>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => number = () => performance.now(),
): Promise<T> {
  let failures = 0;
  for (;;) {
    const started = now();
    try {
      return await work();
    } catch (error) {
      if (!isTransientPostgresError(error)) throw error;
      failures = now() - started >= policy.freshAfterMs ? 1 : failures + 1;
      if (failures > policy.retries) throw error;
      const delayMs = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (failures - 1));
      logger.warn('transient database failure; resuming from the checkpoint', {
        ...context,
        attempt: failures,
        of: policy.retries,
        retry_in_ms: delayMs,
        error: { message: (error as Error).message, code: (error as { code?: unknown }).code ?? null },
      });
      await sleep(delayMs);
    }
  }
}
