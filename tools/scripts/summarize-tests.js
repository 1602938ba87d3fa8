// Sums Jest's JSON results over every project and target and prints "N passed, N failed" last.
// A lint or typecheck task that failed counts as one failure each; a test runner that exited
// non-zero without reporting a failed test (a crash, a suite that could not load) counts as one.
// Each failed test's message is printed (shortened) before the last line: CI often keeps only the
// tail of the output, and a red run must say what failed and why without re-running it.
const fs = require('node:fs');
const path = require('node:path');

const [dir, checksLog, checksRc, unitRc, integrationRc] = process.argv.slice(2);
let passed = 0;
let failed = 0;
const rows = [];
const failures = [];
const MAX_LINES_PER_FAILURE = 14;
const MAX_FAILURE_LINES = 120;
const plain = (text) => String(text).replace(/\x1b\[[0-9;]*m/g, '');
const shorten = (text) =>
  plain(text)
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^\s+at .*(node_modules|node:internal)/.test(line))
    .slice(0, MAX_LINES_PER_FAILURE)
    .map((line) => `    ${line.slice(0, 300)}`);

for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const result = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const suitesBroken = result.numRuntimeErrorTestSuites ?? 0;
  passed += result.numPassedTests;
  failed += result.numFailedTests + suitesBroken;
  for (const suite of result.testResults ?? []) {
    const where = path.relative(process.cwd(), suite.name);
    const failedTests = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const test of failedTests) failures.push([`FAILED ${where} > ${test.fullName}`, ...shorten(test.failureMessages.join('\n'))]);
    if (failedTests.length === 0 && suite.status === 'failed') failures.push([`FAILED ${where} (suite did not run)`, ...shorten(suite.message)]);
  }
  if (result.numPassedTests + result.numFailedTests + suitesBroken === 0) continue;
  rows.push(`${file.replace(/\.json$/, '').padEnd(42)} ${String(result.numPassedTests).padStart(4)} passed ${String(result.numFailedTests + suitesBroken).padStart(3)} failed`);
}

const failedChecks = fs.existsSync(checksLog)
  ? [...fs.readFileSync(checksLog, 'utf8').matchAll(/^\s*-\s+([\w-]+:(?:lint|typecheck))\s*$/gm)].map((m) => m[1])
  : [];
if (Number(checksRc) !== 0 && failedChecks.length === 0) failedChecks.push('lint/typecheck (runner failed)');
for (const check of failedChecks) rows.push(`${check.padEnd(42)}    0 passed   1 failed`);
failed += failedChecks.length;

const testFailures = failed - failedChecks.length;
for (const [name, rc] of [['unit test runner', unitRc], ['integration test runner', integrationRc]]) {
  if (Number(rc) !== 0 && testFailures === 0) {
    rows.push(`${name.padEnd(42)}    0 passed   1 failed (exited ${rc} without a failed test)`);
    failed += 1;
  }
}

console.log('\n' + rows.join('\n'));
if (failures.length > 0) {
  const lines = failures.flat();
  console.log(`\n${failures.length} failure(s):`);
  console.log(lines.slice(0, MAX_FAILURE_LINES).join('\n'));
  if (lines.length > MAX_FAILURE_LINES) console.log(`    ... ${lines.length - MAX_FAILURE_LINES} more lines in ${dir}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
