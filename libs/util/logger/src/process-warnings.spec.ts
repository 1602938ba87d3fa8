import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../../..');

/** A real Node process (Jest's sandboxed `process` does not own the warning printer). */
function runScript(body: string): { stdout: string; stderr: string } {
  const script = `
    const { createLogger, routeProcessWarnings } = require(${JSON.stringify(path.join(__dirname, 'index.ts'))});
    routeProcessWarnings(createLogger({ service: 't', level: 'debug' }));
    ${body}`;
  const result = spawnSync(process.execPath, ['-r', path.join(root, 'tools/scripts/register.js'), '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  return { stdout: result.stdout, stderr: result.stderr };
}

describe('routeProcessWarnings', () => {
  it("replaces Node's stderr printer with JSON lines: warn for real warnings, debug for known-benign ones", () => {
    const { stdout, stderr } = runScript(`
      process.emitWarning('something is off', { code: 'MCH_TEST' });
      const benign = new Error('-17 is a negative number.');
      benign.name = 'TimeoutNegativeWarning';
      benign.stack = 'TimeoutNegativeWarning: -17\\n    at RequestQueue (/x/node_modules/kafkajs/src/network/requestQueue/index.js:317:37)';
      process.emitWarning(benign);
      setTimeout(() => undefined, -5);`);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'node warning: something is off', code: 'MCH_TEST' }),
      expect.objectContaining({ level: 'debug', msg: 'node warning (benign): -17 is a negative number.', warning: 'TimeoutNegativeWarning' }),
      // Not from kafkajs: a real warning, kept as one.
      expect.objectContaining({ level: 'warn', warning: 'TimeoutNegativeWarning' }),
    ]);
    expect(stderr).toBe('');
  });
});
