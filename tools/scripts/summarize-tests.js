// Sums Jest's JSON results over every project and target and prints "N passed, N failed" last.
// A lint or typecheck task that failed counts as one failure each; a test runner that exited
// non-zero without reporting a failed test (a crash, a suite that could not load) counts as one.
const fs = require('node:fs');
const path = require('node:path');

const [dir, checksLog, checksRc, unitRc, integrationRc] = process.argv.slice(2);
let passed = 0;
let failed = 0;
const rows = [];

for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const result = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const suitesBroken = result.numRuntimeErrorTestSuites ?? 0;
  passed += result.numPassedTests;
  failed += result.numFailedTests + suitesBroken;
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
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
