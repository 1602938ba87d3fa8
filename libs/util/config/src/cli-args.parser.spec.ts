import { CliArgsError, parseCommandLine, rejectUnknownFlags } from './cli-args.parser';

class UsageError extends Error {}
const withUsage = (message: string) => new UsageError(`${message}\nusage: tool <command>`);

describe('parseCommandLine', () => {
  it('splits the command from its --flag value pairs', () => {
    expect(parseCommandLine(['snapshot', '--table', 'all', '--name', 'pre'])).toEqual({
      command: 'snapshot',
      options: { table: 'all', name: 'pre' },
    });
  });

  it('accepts a command without flags', () => {
    expect(parseCommandLine(['create-tables'])).toEqual({ command: 'create-tables', options: {} });
  });

  it('keeps values verbatim, including ones that start with a dash or are empty', () => {
    expect(
      parseCommandLine(['check', '--max-rate', '-1', '--entities', 'a,b', '--watermark', '']).options,
    ).toEqual({
      'max-rate': '-1',
      entities: 'a,b',
      watermark: '',
    });
  });

  it('lets a repeated flag take its last value', () => {
    expect(parseCommandLine(['history', '--limit', '5', '--limit', '7']).options).toEqual({ limit: '7' });
  });

  it('refuses an empty command line', () => {
    expect(() => parseCommandLine([])).toThrow(new CliArgsError('no command given'));
    expect(() => parseCommandLine([''])).toThrow('no command given');
  });

  it('names a flag that has no value', () => {
    expect(() => parseCommandLine(['restore', '--table', 'all', '--name'])).toThrow(
      new CliArgsError("expected --option value, got '--name'"),
    );
  });

  it('names a bare word where a flag belongs', () => {
    expect(() => parseCommandLine(['restore', 'all', '--name', 'pre'])).toThrow(
      "expected --option value, got 'all'",
    );
    expect(() => parseCommandLine(['restore', '-t', 'all'])).toThrow("expected --option value, got '-t'");
  });

  it('throws CliArgsError by default, and what the given failure builds otherwise', () => {
    expect(() => parseCommandLine(['x', '--y'])).toThrow(CliArgsError);
    let thrown: unknown;
    try {
      parseCommandLine(['x', '--y'], withUsage);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toBe("expected --option value, got '--y'\nusage: tool <command>");
  });
});

describe('rejectUnknownFlags', () => {
  it('accepts known flags, and no flags at all', () => {
    expect(() => rejectUnknownFlags({ entity: 'proposal', id: 'x' }, ['entity', 'id'])).not.toThrow();
    expect(() => rejectUnknownFlags({}, ['entity', 'id'])).not.toThrow();
  });

  it('names the first unknown flag', () => {
    expect(() => rejectUnknownFlags({ entity: 'proposal', idd: 'x', other: 'y' }, ['entity', 'id'])).toThrow(
      new CliArgsError('unknown option --idd'),
    );
  });

  it('throws what the given failure builds', () => {
    expect(() => rejectUnknownFlags({ limt: '5' }, ['limit'], withUsage)).toThrow(
      new UsageError('unknown option --limt\nusage: tool <command>'),
    );
  });
});
