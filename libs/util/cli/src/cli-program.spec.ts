import { spawn } from 'node:child_process';
import path from 'node:path';
import { Option } from 'commander';
import { createCliProgram, defaultAction, describeExitCodes, jsonOption, optionWords, passThroughCommand, runCliProgram } from './cli-program';

function program() {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  const ran: unknown[] = [];
  const p = createCliProgram({ name: 'tool', description: 'a tool', exitCodes: { 0: 'done', 2: 'bad usage' } }, io);
  defaultAction(p, () => void ran.push('service'));
  const check = p
    .command('check')
    .description('compare the stores')
    .option('--lag-seconds <n>', 'in-flight lag')
    .addOption(new Option('--dry-run', 'count only'))
    .addOption(jsonOption())
    .action((options: Record<string, unknown>, command) => void ran.push(optionWords(options, command)));
  describeExitCodes(check, { 1: 'inconsistent' });
  passThroughCommand(p, 'rollback', 'roll back', 'usage: rollback plan|apply', (args) => void ran.push(['rollback', ...args]), io);
  return { p, out, err, ran };
}

describe('createCliProgram / runCliProgram', () => {
  beforeEach(() => (process.exitCode = undefined));
  afterAll(() => (process.exitCode = undefined));

  it('runs the default action without a command, a command with its flags as words', async () => {
    const t = program();
    await runCliProgram(t.p, []);
    expect(t.ran).toEqual(['service']);
    const u = program();
    await runCliProgram(u.p, ['check', '--lag-seconds', '-5', '--dry-run', '--json']);
    expect(u.ran).toEqual([['--lag-seconds', '-5', '--dry-run']]);
    expect(process.exitCode).toBeUndefined();
  });

  it.each([
    [['check', '--colour', 'red'], /unknown option '--colour'/],
    [['bogus'], /unknown command 'bogus'/],
    [['check', '--lag-seconds'], /option '--lag-seconds <n>' argument missing/],
  ])('refuses %j naming it, exit 2, without running anything', async (argv, message) => {
    const t = program();
    await runCliProgram(t.p, argv);
    expect(process.exitCode).toBe(2);
    expect(t.err.join('')).toMatch(message);
    expect(t.ran).toEqual([]);
  });

  it('--help of the program and of a command lists commands, flags and exit codes, exit 0', async () => {
    const t = program();
    await runCliProgram(t.p, ['--help']);
    expect(process.exitCode).toBe(0);
    expect(t.out.join('')).toMatch(/check \[options\]\s+compare the stores/);
    expect(t.out.join('')).toMatch(/Exit codes:\n {2}0 {3}done\n {2}2 {3}bad usage/);
    const u = program();
    await runCliProgram(u.p, ['check', '--help']);
    const help = u.out.join('');
    expect(help).toMatch(/--lag-seconds <n>\s+in-flight lag/);
    expect(help).toMatch(/--json\s+print the result as one JSON line on stdout/);
    expect(help).toMatch(/0 {3}done\n {2}1 {3}inconsistent\n {2}2 {3}bad usage/);
    expect(u.ran).toEqual([]);
  });

  it('passes a pass-through command its words unchanged, and prints its own usage for --help', async () => {
    const t = program();
    await runCliProgram(t.p, ['rollback', 'plan', '--to', 'x', '--force', 'true']);
    expect(t.ran).toEqual([['rollback', 'plan', '--to', 'x', '--force', 'true']]);
    const u = program();
    await runCliProgram(u.p, ['rollback', '--help']);
    expect(u.out.join('')).toBe('usage: rollback plan|apply\n');
    expect(u.ran).toEqual([]);
  });

  it('with no usage of its own, passes --help through to the command\'s parser', async () => {
    const t = program();
    const seen: string[][] = [];
    passThroughCommand(t.p, 'points', 'restore points', null, (args) => void seen.push(args));
    await runCliProgram(t.p, ['points', 'plan', '--help']);
    expect(seen).toEqual([['plan', '--help']]);
    expect(t.out.join('')).toBe('');
  });
});

describe('a reader that closes the pipe (main.js --help | head)', () => {
  const register = path.resolve(__dirname, '../../../../tools/scripts/register.js');
  // The child waits for a line on stdin, so its help is written after the reader has gone.
  const child = `
    const { createCliProgram, runCliProgram } = require(${JSON.stringify(path.join(__dirname, 'cli-program.ts'))});
    process.stdin.once('data', async () => {
      const p = createCliProgram({ name: 'tool', description: 'a tool', exitCodes: { 0: 'done' } });
      p.command('check').description('compare the stores').action(() => undefined);
      await runCliProgram(p, ['--help']);
      process.stdin.destroy();
    });`;

  it('exits with the command\'s own code, no EPIPE stack trace', async () => {
    const proc = spawn(process.execPath, ['-r', register, '-e', child], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.destroy();
    proc.stdin.write('go\n');
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    expect(stderr).not.toMatch(/EPIPE/);
    expect(code).toBe(0);
  }, 30_000);
});
