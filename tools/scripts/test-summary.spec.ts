// eslint-disable-next-line @typescript-eslint/no-require-imports
const { summarize } = require('./test-summary') as { summarize: (input: SummaryInput) => SummaryResult };

interface SummaryInput {
  reports: Map<string, string | undefined>;
  expected?: string[];
  failedChecks?: string[];
  runners?: { name: string; rc: string | number }[];
  timedOut?: string[];
  openHandles?: Map<string, string[]>;
  cwd?: string;
}
interface SummaryResult {
  passed: number;
  failed: number;
  skipped: number;
  text: string;
}

type Status = 'passed' | 'failed' | 'pending' | 'todo';
function report(tests: { name: string; status: Status }[]): string {
  const count = (s: Status) => tests.filter((t) => t.status === s).length;
  return JSON.stringify({
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('pending'),
    numTodoTests: count('todo'),
    numRuntimeErrorTestSuites: 0,
    testResults: [
      {
        name: '/repo/libs/x/src/x.spec.ts',
        status: count('failed') > 0 ? 'failed' : 'passed',
        message: '',
        assertionResults: tests.map((t) => ({ fullName: t.name, status: t.status, failureMessages: t.status === 'failed' ? ['expected 1, got 2'] : [] })),
      },
    ],
  });
}
const lastLine = (text: string) => text.trim().split('\n').at(-1);

describe('test summary', () => {
  it('counts a project whose report is missing as a failure of that project, even when others failed', () => {
    const result = summarize({
      reports: new Map([['a.unit', report([{ name: 'breaks', status: 'failed' }])]]),
      expected: ['a.unit', 'b.unit'],
      cwd: '/repo',
    });
    expect(result.failed).toBe(2);
    expect(result.text).toContain('b.unit');
    expect(result.text).toMatch(/FAILED b\.unit: no report was written/);
    expect(lastLine(result.text)).toBe('0 passed, 2 failed');
  });

  it('counts an unreadable report as a failure and still prints the final line', () => {
    const result = summarize({ reports: new Map([['a.integration', '{"numPassedTests": 3, trunc']]), expected: ['a.integration'] });
    expect(result.failed).toBe(1);
    expect(result.text).toContain('unreadable report');
    expect(lastLine(result.text)).toBe('0 passed, 1 failed');
  });

  it('counts and names skipped and todo tests on the last lines', () => {
    const result = summarize({
      reports: new Map([
        [
          'a.unit',
          report([
            { name: 'works', status: 'passed' },
            { name: 'later', status: 'pending' },
            { name: 'someday', status: 'todo' },
          ]),
        ],
      ]),
      expected: ['a.unit'],
      cwd: '/repo',
    });
    expect(result).toMatchObject({ passed: 1, failed: 0, skipped: 2 });
    expect(result.text).toContain('PENDING libs/x/src/x.spec.ts > later');
    expect(result.text).toContain('TODO libs/x/src/x.spec.ts > someday');
    expect(lastLine(result.text)).toBe('1 passed, 0 failed, 2 skipped');
  });

  it('counts a phase stopped by the time bound as a failure', () => {
    const result = summarize({
      reports: new Map([['a.unit', report([{ name: 'works', status: 'passed' }])]]),
      expected: ['a.unit'],
      timedOut: ['integration tests'],
      runners: [{ name: 'integration test runner', rc: 124 }],
    });
    expect(result.failed).toBe(1);
    expect(result.text).toContain('stopped by the time bound');
    expect(lastLine(result.text)).toBe('1 passed, 1 failed');
  });

  it('counts a runner that failed without a failed test once, and failed checks one each', () => {
    const result = summarize({
      reports: new Map([['a.unit', report([{ name: 'works', status: 'passed' }])]]),
      expected: ['a.unit'],
      failedChecks: ['a:lint', 'a:typecheck'],
      runners: [{ name: 'unit test runner', rc: 1 }],
    });
    expect(result.failed).toBe(3);
    expect(lastLine(result.text)).toBe('1 passed, 3 failed');
  });

  it('prints the failed test with its message', () => {
    const result = summarize({ reports: new Map([['a.unit', report([{ name: 'adds', status: 'failed' }])]]), cwd: '/repo' });
    expect(result.text).toContain('FAILED libs/x/src/x.spec.ts > adds');
    expect(result.text).toContain('expected 1, got 2');
  });

  it('lists handles left open at a forced exit on the last lines, without counting them as failures', () => {
    const result = summarize({
      reports: new Map([['a.integration', report([{ name: 'works', status: 'passed' }])]]),
      expected: ['a.integration'],
      openHandles: new Map([['a.integration', ['Timeout 2 apps/a/src/x.integration-spec.ts', 'TCPWRAP 1 apps/a/src/y.integration-spec.ts']]]),
    });
    expect(result.failed).toBe(0);
    expect(result.text).toContain('a.integration: 2 Timeout left open by apps/a/src/x.integration-spec.ts');
    expect(result.text).toContain('a.integration: 1 TCPWRAP left open by apps/a/src/y.integration-spec.ts');
    expect(lastLine(result.text)).toBe('1 passed, 0 failed');
  });
});
