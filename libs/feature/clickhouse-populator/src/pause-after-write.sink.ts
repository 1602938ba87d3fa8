import { writeFileSync } from 'node:fs';
import type { BatchSink, ConsumedRecord, SinkResult } from '@mch/data-consumer-loop';

/**
 * Test-only fault injection (enabled by CLICKHOUSE_POPULATOR_PAUSE_AFTER_WRITE_FILE): lets the
 * first batch reach ClickHouse, writes a marker file, then never returns, so the offsets of that
 * batch are never committed and a SIGKILL hits the window between insert and commit.
 */
export class PauseAfterWriteSink<T> implements BatchSink<T> {
  constructor(
    private readonly inner: BatchSink<T>,
    private readonly markerFile: string,
  ) {}

  async write(records: ConsumedRecord<T>[]): Promise<SinkResult<T>> {
    await this.inner.write(records);
    writeFileSync(this.markerFile, JSON.stringify({ written: records.length, pid: process.pid }));
    return new Promise<never>(() => undefined);
  }
}
