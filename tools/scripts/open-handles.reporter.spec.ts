import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** Runs the real Jest CLI, as the nx targets do (--runInBand --forceExit --json), on one fixture. */
function runJestRaw(fixture: string): { status: number | null; outputFile: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'open-handles-'));
  const outputFile = path.join(dir, 'fixture.integration.json');
  const config = {
    rootDir: path.join(__dirname, 'fixtures'),
    testMatch: [`**/${fixture}`],
    reporters: [path.join(__dirname, 'open-handles.reporter.js')],
  };
  const { status } = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/jest/bin/jest.js'), '--config', JSON.stringify(config), '--runInBand', '--forceExit', '--json', `--outputFile=${outputFile}`],
    { cwd: root, stdio: 'pipe' },
  );
  return { status, outputFile };
}

function runJest(fixture: string): string {
  const { status, outputFile } = runJestRaw(fixture);
  expect(status).toBe(0);
  const leaks = outputFile.replace(/\.json$/, '.open-handles.txt');
  return existsSync(leaks) ? readFileSync(leaks, 'utf8') : '';
}

describe('open-handles reporter (real Jest, --forceExit)', () => {
  it('records a timer a test left running, with the test file', () => {
    expect(runJest('leaky-timer.fixture.js')).toBe('Timeout 1 tools/scripts/fixtures/leaky-timer.fixture.js\n');
  }, 60_000);

  it('records nothing for cleared and unref-ed timers', () => {
    expect(runJest('tidy.fixture.js')).toBe('');
  }, 60_000);

  it('keeps a failing run failing: exit code 1 and the JSON report written (the reporter must not let Jest exit early)', () => {
    const { status, outputFile } = runJestRaw('failing.fixture.js');
    expect(status).toBe(1);
    expect(JSON.parse(readFileSync(outputFile, 'utf8'))).toMatchObject({ numFailedTests: 1, success: false });
  }, 60_000);
});
