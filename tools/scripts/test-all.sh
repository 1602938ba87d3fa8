#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs Node 24 and the npm packages if missing,
# brings the local stack up, then runs lint, typecheck, unit and integration tests of every
# project. The last line is "N passed, N failed"; the exit code is non-zero when anything failed.
# The whole run is bounded (MCH_TEST_BUDGET_SECONDS, default 80 min, under CI's 90): a phase still
# running then is stopped, counted as failed, and the summary line is still printed.
set -uo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$MCH_ROOT" || exit 1

budget=${MCH_TEST_BUDGET_SECONDS:-4800}
results=dist/test-results
rm -rf "$results"
mkdir -p "$results"

# Runs "$@" within what is left of the budget; a phase cut by it is recorded in timed-out.txt.
bounded() {
  local phase=$1 left rc
  shift
  left=$((budget - SECONDS))
  if ((left <= 30)); then echo "$phase" >>"$results/timed-out.txt"; return 124; fi
  timeout --kill-after=20 "$left" "$@"
  rc=$?
  if ((rc == 124 || rc == 137)); then echo "$phase" >>"$results/timed-out.txt"; fi
  return "$rc"
}

if ! mch_ensure_node || ! mch_npm_install; then echo "0 passed, 1 failed"; exit 1; fi
if ! mch_stack_up; then mch_log "the local stack did not start"; echo "0 passed, 1 failed"; exit 1; fi

# Every project with a test target must leave its report; a missing one is that project's failure.
{
  npx nx show projects --with-target test | sed 's/$/.unit/'
  npx nx show projects --with-target test:integration | sed 's/$/.integration/'
} >"$results/expected-reports.txt" 2>/dev/null

checks_log=$results/checks.log
mch_log "lint and typecheck"
bounded "lint and typecheck" npx nx run-many -t lint typecheck --output-style=static --nxBail=false >"$checks_log" 2>&1
checks_rc=$?
if ((checks_rc != 0)); then tail -n 80 "$checks_log" >&2; fi

mch_log "unit tests"
bounded "unit tests" npx nx run-many -t test --output-style=static --nxBail=false
unit_rc=$?

mch_log "integration tests (one project at a time: they share the stores)"
bounded "integration tests" npx nx run-many -t test:integration --parallel=1 --output-style=static --nxBail=false
integration_rc=$?

mch_log "finished in $((SECONDS / 60)) min $((SECONDS % 60)) s"
node tools/scripts/summarize-tests.js "$results" "$checks_log" "$checks_rc" "$unit_rc" "$integration_rc"
