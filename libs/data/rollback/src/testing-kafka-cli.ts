import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Kafka's own kafka-consumer-groups.sh (its main class, run with the stack's jars), for specs to compare with. */
export async function kafkaConsumerGroups(args: string[]): Promise<string> {
  const libs = join(process.env['MCH_CACHE_DIR'] ?? join(homedir(), '.cache', 'medcontracthub'), 'kafka-4.4.0', 'libs');
  const brokers = process.env['KAFKA_BROKERS'];
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: source the stack env first');
  const { stdout } = await run(
    'java',
    ['-Xmx256m', '-cp', `${libs}/*`, 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', '--bootstrap-server', brokers.split(',')[0], ...args],
    { timeout: 60_000 },
  );
  return stdout;
}

/** Rows of a table the tool prints (header line first), as objects keyed by the header. */
export function parseToolTable(stdout: string): Record<string, string>[] {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const headerAt = lines.findIndex((l) => l.startsWith('GROUP'));
  if (headerAt < 0) throw new Error(`no table in tool output: ${stdout}`);
  const header = lines[headerAt].split(/\s+/);
  return lines.slice(headerAt + 1).map((l) => Object.fromEntries(l.split(/\s+/).map((cell, i) => [header[i], cell])));
}
