// The arithmetic of the final "N passed, N failed" line, kept apart from the file reading so it
// can be tested on its own. Nothing may hide a failure here:
//  - every expected report (one per project and test target) must exist and parse; a missing or
//    unreadable one is a failure of that project (its Jest crashed or was killed before writing);
//  - a lint or typecheck task that failed counts as one failure each;
//  - a runner that exited non-zero without reporting a failed test counts as one;
//  - a phase cut by the overall time bound counts as one;
//  - skipped and todo tests are counted and named on the last lines, so they cannot pile up unseen;
//  - handles left open at the end of a run (Jest runs with --forceExit, which would hide them) are
//    listed per project and test file, so a leaking test is visible without failing the run.
const path = require('node:path');

const MAX_LINES_PER_FAILURE = 14;
const MAX_FAILURE_LINES = 120;
const MAX_SKIPPED_LISTED = 20;

const plain = (text) => String(text).replace(/\x1b\[[0-9;]*m/g, '');
const shorten = (text) =>
  plain(text)
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^\s+at .*(node_modules|node:internal)/.test(line))
    .slice(0, MAX_LINES_PER_FAILURE)
    .map((line) => `    ${line.slice(0, 300)}`);

/**
 * reports: Map of report name ("<project>.unit") to its text, or undefined when the file is absent.
 * expected: report names that must be present. failedChecks: names of failed lint/typecheck tasks.
 * runners: [{ name, rc }]. timedOut: names of phases the time bound cut. cwd: for relative paths.
 * openHandles: Map of report name to the lines of its open-handles file ("<type> <count> <file>").
 */
function summarize({ reports, expected = [], failedChecks = [], runners = [], timedOut = [], openHandles = new Map(), cwd = process.cwd() }) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const rows = [];
  const failures = [];
  const skippedTests = [];
  const names = [...new Set([...expected, ...reports.keys()])].sort();

  for (const name of names) {
    const text = reports.get(name);
    let result;
    try {
      if (text === undefined) throw new Error('no report was written: the runner crashed, was killed or never started');
      result = JSON.parse(text);
      if (typeof result.numPassedTests !== 'number') throw new Error('the report is not a Jest JSON result');
    } catch (error) {
      failed += 1;
      rows.push(`${name.padEnd(42)}    0 passed   1 failed (${text === undefined ? 'no report' : 'unreadable report'})`);
      failures.push([`FAILED ${name}: ${error.message}`]);
      continue;
    }
    const suitesBroken = result.numRuntimeErrorTestSuites ?? 0;
    const pending = (result.numPendingTests ?? 0) + (result.numTodoTests ?? 0);
    passed += result.numPassedTests;
    failed += result.numFailedTests + suitesBroken;
    skipped += pending;
    for (const suite of result.testResults ?? []) {
      const where = path.relative(cwd, suite.name);
      const tests = suite.assertionResults ?? [];
      const failedTests = tests.filter((t) => t.status === 'failed');
      for (const test of failedTests) failures.push([`FAILED ${where} > ${test.fullName}`, ...shorten(test.failureMessages.join('\n'))]);
      if (failedTests.length === 0 && suite.status === 'failed') failures.push([`FAILED ${where} (suite did not run)`, ...shorten(suite.message)]);
      for (const test of tests.filter((t) => t.status === 'pending' || t.status === 'skipped' || t.status === 'todo')) {
        skippedTests.push(`${test.status.toUpperCase()} ${where} > ${test.fullName}`);
      }
    }
    if (result.numPassedTests + result.numFailedTests + suitesBroken + pending === 0) continue;
    const extra = pending > 0 ? ` ${String(pending).padStart(3)} skipped` : '';
    rows.push(`${name.padEnd(42)} ${String(result.numPassedTests).padStart(4)} passed ${String(result.numFailedTests + suitesBroken).padStart(3)} failed${extra}`);
  }

  for (const check of failedChecks) rows.push(`${check.padEnd(42)}    0 passed   1 failed`);
  failed += failedChecks.length;

  for (const phase of timedOut) {
    rows.push(`${phase.padEnd(42)}    0 passed   1 failed (stopped by the time bound)`);
    failures.push([`FAILED ${phase}: stopped by the overall time bound; its unfinished projects are counted above`]);
    failed += 1;
  }

  const testFailures = failed - failedChecks.length - timedOut.length;
  for (const { name, rc } of runners) {
    if (Number(rc) !== 0 && testFailures === 0 && timedOut.length === 0) {
      rows.push(`${name.padEnd(42)}    0 passed   1 failed (exited ${rc} without a failed test)`);
      failed += 1;
    }
  }

  const lines = ['', ...rows];
  if (failures.length > 0) {
    const flat = failures.flat();
    lines.push('', `${failures.length} failure(s):`, ...flat.slice(0, MAX_FAILURE_LINES));
    if (flat.length > MAX_FAILURE_LINES) lines.push(`    ... ${flat.length - MAX_FAILURE_LINES} more lines in the reports`);
  }
  if (skippedTests.length > 0) {
    lines.push('', `${skippedTests.length} skipped or todo test(s):`, ...skippedTests.slice(0, MAX_SKIPPED_LISTED).map((t) => `    ${t}`));
    if (skippedTests.length > MAX_SKIPPED_LISTED) lines.push(`    ... ${skippedTests.length - MAX_SKIPPED_LISTED} more`);
  }
  const leaks = [...openHandles].flatMap(([name, entries]) => entries.map((entry) => {
    const [type, count, ...file] = entry.split(' ');
    return `    ${name}: ${count} ${type} left open by ${file.join(' ') || '(unknown file)'}`;
  }));
  if (leaks.length > 0) {
    lines.push('', `${leaks.length} leak(s): handles still open when Jest was forced to exit (not counted as failures):`, ...leaks);
  }
  lines.push(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
  return { passed, failed, skipped, text: lines.join('\n') };
}

module.exports = { summarize };
