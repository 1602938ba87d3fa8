// Prints the test run's summary, "N passed, N failed[, N skipped]" last (tools/scripts/test-summary.js
// does the arithmetic). Reads from <dir>: every *.json Jest report, expected-reports.txt (one report
// name a line, "<project>.unit" / "<project>.integration": each must be there) and timed-out.txt
// (phases the overall time bound stopped), *.open-handles.txt (see open-handles.reporter.js).
// Usage: summarize-tests.js <dir> <checks log> <checks rc> <unit rc> <integration rc>
const fs = require('node:fs');
const path = require('node:path');
const { summarize } = require('./test-summary');

const [dir, checksLog, checksRc, unitRc, integrationRc] = process.argv.slice(2);
const lines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean) : []);

const reports = new Map();
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  reports.set(file.replace(/\.json$/, ''), fs.readFileSync(path.join(dir, file), 'utf8'));
}

const openHandles = new Map();
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.open-handles.txt'))) {
  openHandles.set(file.replace(/\.open-handles\.txt$/, ''), lines(path.join(dir, file)));
}

const failedChecks = fs.existsSync(checksLog)
  ? [...fs.readFileSync(checksLog, 'utf8').matchAll(/^\s*-\s+([\w-]+:(?:lint|typecheck))\s*$/gm)].map((m) => m[1])
  : [];
if (Number(checksRc) !== 0 && failedChecks.length === 0) failedChecks.push('lint/typecheck (runner failed)');

const { failed, text } = summarize({
  reports,
  expected: lines(path.join(dir, 'expected-reports.txt')),
  failedChecks,
  runners: [
    { name: 'unit test runner', rc: unitRc },
    { name: 'integration test runner', rc: integrationRc },
  ],
  timedOut: lines(path.join(dir, 'timed-out.txt')),
  openHandles,
});
console.log(text);
process.exitCode = failed > 0 ? 1 : 0;
