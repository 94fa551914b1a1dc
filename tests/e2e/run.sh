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
pass=0 fail=0
for t in tests/e2e/t_*.sh; do
  [ -n "${E2E_ONLY:-}" ] && [[ $t != *"$E2E_ONLY"* ]] && continue
  echo "== $t"
  out=$(bash "$t" 2>&1); rc=$?
  printf '%s\n' "$out"
  line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  p=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/'); f=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
  if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then fail=$((fail + 1)); echo "  FAIL $t exited $rc"; fi
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
