#!/usr/bin/env bash
# Brings the real dev stack up, runs every tests/e2e/t_*.sh against it,
# brings it down. Prints one "N passed, N failed" line at the end.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
command -v jq >/dev/null || { echo "e2e: jq is missing (make deps)"; exit 1; }
scripts/stack.sh down >/dev/null 2>&1 || true
scripts/stack.sh up || { echo "e2e: stack did not come up"; scripts/stack.sh down; exit 1; }
trap 'scripts/stack.sh down >/dev/null 2>&1' EXIT
# shellcheck source=tests/suite.sh
. tests/suite.sh
run_suite e2e "${E2E_ONLY:-}" tests/e2e/t_*.sh
