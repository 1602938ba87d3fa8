#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs Node 24 and the npm packages if missing,
# brings the local stack up, then runs lint, typecheck, unit and integration tests of every
# project. The last line is "N passed, N failed"; the exit code is non-zero when anything failed.
set -uo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$MCH_ROOT" || exit 1

if ! mch_ensure_node || ! mch_npm_install; then echo "0 passed, 1 failed"; exit 1; fi
if ! mch_stack_up; then mch_log "the local stack did not start"; echo "0 passed, 1 failed"; exit 1; fi

rm -rf dist/test-results
mkdir -p dist/test-results
checks_log=dist/test-results/checks.log

mch_log "lint and typecheck"
npx nx run-many -t lint typecheck --output-style=static --nxBail=false >"$checks_log" 2>&1
checks_rc=$?
if ((checks_rc != 0)); then tail -n 80 "$checks_log" >&2; fi

mch_log "unit tests"
npx nx run-many -t test --output-style=static --nxBail=false
unit_rc=$?

mch_log "integration tests (one project at a time: they share the stores)"
npx nx run-many -t test:integration --parallel=1 --output-style=static --nxBail=false
integration_rc=$?

node tools/scripts/summarize-tests.js dist/test-results "$checks_log" "$checks_rc" "$unit_rc" "$integration_rc"
