#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, brings the local stack up, loads a
# sample monolith, runs the migration steps and prints the report.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$MCH_ROOT"
mch_ensure_node
mch_npm_install
mch_stack_up
exec node -r ./tools/scripts/register.js tools/demo/run-demo.ts
