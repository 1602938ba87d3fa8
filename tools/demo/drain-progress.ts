/**
 * Waiting for a backlog (consumer lag) to reach zero: at 10^6 rows the indexer drains for many
 * minutes, so a fixed deadline either fails a healthy run or waits forever on a stuck one. The
 * wait fails only when the backlog stops shrinking (no new low for `stallMs`), and reports the
 * rate and the time left as it goes.
 */
export class DrainProgress {
  private readonly started: { at: number; backlog: number | null } = { at: 0, backlog: null };
  private low = Number.POSITIVE_INFINITY;
  private lowAt = 0;

  constructor(
    private readonly stallMs: number,
    now: number,
  ) {
    this.started.at = now;
    this.lowAt = now;
  }

  /** Records a reading (null: not known yet); returns whether the backlog is gone, or throws once it stalled. */
  observe(backlog: number | null, now: number): boolean {
    if (backlog !== null) {
      this.started.backlog ??= backlog;
      if (backlog === 0) return true;
      if (backlog < this.low) {
        this.low = backlog;
        this.lowAt = now;
      }
    }
    if (now - this.lowAt > this.stallMs) {
      throw new Error(`the backlog stopped shrinking: ${Number.isFinite(this.low) ? this.low : 'unknown'} left, no progress for ${Math.round(this.stallMs / 1000)} s`);
    }
    return false;
  }

  /** "N left, R/s, about S s to go" from the first reading to the lowest. */
  describe(now: number): string {
    const first = this.started.backlog;
    if (first === null || !Number.isFinite(this.low)) return 'no reading yet';
    const seconds = (now - this.started.at) / 1000;
    const rate = seconds > 0 ? (first - this.low) / seconds : 0;
    const eta = rate > 0 ? `about ${Math.ceil(this.low / rate)} s to go` : 'rate not known yet';
    return `${this.low.toLocaleString('en-US')} left, ${Math.round(rate).toLocaleString('en-US')}/s, ${eta}`;
  }
}
