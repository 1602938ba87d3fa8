import { spawn } from 'node:child_process';
import path from 'node:path';

const register = path.resolve(__dirname, '../scripts/register.js');
const cleanupModule = JSON.stringify(path.resolve(__dirname, 'interrupt-cleanup.ts'));

/** A process that registers cleanups, says so, and waits to be stopped; its stdout and how it ended. */
async function stopped(script: string, signals: NodeJS.Signals[]): Promise<{ out: string; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, ['-r', register, '-e', `const { onInterrupt } = require(${cleanupModule}); ${script}; process.stdout.write('ready\\n'); setTimeout(() => {}, 30000)`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve) => child.stdout?.on('data', () => out.includes('ready') && resolve()));
  const ended = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  for (const [i, signal] of signals.entries()) {
    // Signals of one kind sent together may arrive as one: the next waits until a cleanup has begun.
    if (i > 0) await new Promise<void>((resolve) => (out.includes('cleaning') ? resolve() : child.stdout?.on('data', () => out.includes('cleaning') && resolve())));
    child.kill(signal);
  }
  const signal = await ended;
  return { out, signal };
}

describe('onInterrupt', () => {
  it('on SIGTERM runs every cleanup, newest first and each awaited, then ends by the same signal', async () => {
    const result = await stopped(
      `onInterrupt(async () => { await new Promise((r) => setTimeout(r, 200)); process.stdout.write('services stopped\\n'); });
       onInterrupt(() => { process.stdout.write('priority restored\\n'); })`,
      ['SIGTERM'],
    );
    expect(result.signal).toBe('SIGTERM');
    expect(result.out.split('\n').filter((l) => l && l !== 'ready')).toEqual(['priority restored', 'services stopped']);
  }, 30_000);

  it('skips a cleanup its normal path already ran and unregistered', async () => {
    const result = await stopped(
      `const done = onInterrupt(() => { process.stdout.write('ran twice\\n'); }); done();
       onInterrupt(() => { process.stdout.write('still registered\\n'); })`,
      ['SIGINT'],
    );
    expect(result.signal).toBe('SIGINT');
    expect(result.out).not.toMatch(/ran twice/);
    expect(result.out).toMatch(/still registered/);
  }, 30_000);

  it('a second signal while a cleanup hangs stops the process at once', async () => {
    const result = await stopped(`onInterrupt(() => { process.stdout.write('cleaning\\n'); return new Promise(() => {}); })`, ['SIGINT', 'SIGINT']);
    expect(result.signal).toBe('SIGKILL');
  }, 30_000);
});
