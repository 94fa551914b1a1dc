# shellcheck shell=bash
# run_suite NAME FILTER FILE...: runs each test file (skipping those whose
# path does not contain FILTER, when set), prints its output and time, sums
# the "N passed, N failed" lines, and ends with "NAME: N passed, N failed".
# A file that exits non-zero without reporting a failure counts as one.
# Returns 0 when nothing failed. Sourced by tests/e2e/run.sh and
# tests/cluster/run.sh.
run_suite() {
  local name=$1 filter=$2 t out rc line p f t1 pass=0 fail=0
  shift 2
  for t in "$@"; do
    [ -n "$filter" ] && [[ $t != *"$filter"* ]] && continue
    echo "== $t"
    t1=$SECONDS
    out=$(bash "$t" 2>&1); rc=$?
    printf '%s\n' "$out"
    echo "   ($((SECONDS - t1)) s)"
    line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    p=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/'); f=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
    if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then fail=$((fail + 1)); echo "  FAIL $t exited $rc"; fi
  done
  echo "$name: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
