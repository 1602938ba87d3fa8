import { writeFileSync } from 'node:fs';
import { ClickHouseRowSink } from '@mch/data-clickhouse-analytics';

/**
 * Fault injection for the crash test, loaded only by the test with `node -r <this file>`: the
 * service has no setting for it, so no production configuration can turn it on. The first batch
 * reaches ClickHouse, then the marker file named by MCH_TEST_PAUSE_AFTER_WRITE_FILE is written and
 * the write never returns, so that batch's offsets are never committed and a SIGKILL lands exactly
 * between the insert and the commit. This folder is not an entry point of the build.
 */
const markerFile = process.env.MCH_TEST_PAUSE_AFTER_WRITE_FILE;
if (!markerFile) throw new Error('pause-after-write preload needs MCH_TEST_PAUSE_AFTER_WRITE_FILE');

const write = ClickHouseRowSink.prototype.write;
ClickHouseRowSink.prototype.write = async function pausedWrite(this: ClickHouseRowSink, ...args: Parameters<typeof write>) {
  await write.apply(this, args);
  writeFileSync(markerFile, JSON.stringify({ written: args[0].length, pid: process.pid }));
  return new Promise<never>(() => undefined);
};
