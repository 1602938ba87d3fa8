import { CLI_USAGE, ExitCode, exitCodeOf } from './consistency.cli';

describe('the check exit code, for the Job and the Argo analysis', () => {
  it('tells consistent, dead-lettered, inconsistent and unreadable apart', () => {
    expect(exitCodeOf({ verdict: 'consistent' })).toBe(0);
    expect(exitCodeOf({ verdict: 'dead-lettered' })).toBe(4);
    expect(exitCodeOf({ verdict: 'inconsistent' })).toBe(1);
    expect(exitCodeOf({ verdict: 'unreadable' })).toBe(3);
    expect(new Set(Object.values(ExitCode)).size).toBe(Object.values(ExitCode).length);
  });

  it('documents every code in the CLI help', () => {
    for (const code of Object.values(ExitCode)) expect(CLI_USAGE).toMatch(new RegExp(`\\b${code} `));
    expect(CLI_USAGE).toContain('4 consistent except dead-lettered rows');
  });
});
