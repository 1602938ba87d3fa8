#!/usr/bin/env bash
# npm run bench [case ...]: benchmarks against the local stack, each with a same-run baseline.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$MCH_ROOT"
mch_ensure_node
mch_npm_install
mch_stack_up
exec node -r ./tools/scripts/register.js tools/bench/run-bench.ts "$@"
