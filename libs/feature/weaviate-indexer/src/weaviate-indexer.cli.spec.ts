import { createLogger } from '@mch/util-logger';
import { isCliCommand, runCli } from './weaviate-indexer.cli';

function capture() {
  const lines: string[] = [];
  return { logger: createLogger({ service: 'cli-test', sink: (l) => lines.push(l) }), lines };
}

// Bad usage is rejected before anything is sent: the client connects lazily.
const env = { WEAVIATE_HOST: '127.0.0.1', WEAVIATE_HTTP_PORT: '1', WEAVIATE_GRPC_PORT: '2' };

describe('weaviate-indexer CLI', () => {
  it('knows its commands', () => {
    expect(['backup', 'restore', 'delete-run'].every(isCliCommand)).toBe(true);
    expect(isCliCommand('reindex')).toBe(false);
  });

  it('exits 2 with the usage when delete-run gets both selectors or none', async () => {
    const { logger, lines } = capture();
    expect(await runCli('delete-run', ['--migration-run', 'a', '--migration-id', 'b'], logger, env)).toBe(2);
    expect(await runCli('delete-run', [], logger, env)).toBe(2);
    expect(lines.join('\n')).toMatch(/delete-run needs exactly one of --migration-run and --migration-id/);
    expect(lines.join('\n')).toMatch(/usage: weaviate-indexer/);
  });

  it('exits 2 on an unknown flag and on a missing backup id', async () => {
    const { logger, lines } = capture();
    expect(await runCli('backup', ['--name', 'x'], logger, env)).toBe(2);
    expect(await runCli('restore', [], logger, env)).toBe(2);
    expect(lines.join('\n')).toMatch(/restore needs --id <backup-id>/);
  });

  it('exits 2 naming the variable when the Weaviate settings are missing', async () => {
    const { logger, lines } = capture();
    expect(await runCli('backup', ['--id', 'x'], logger, {})).toBe(2);
    expect(lines.join('\n')).toMatch(/WEAVIATE_HOST is missing/);
  });
});
