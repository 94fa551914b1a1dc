#!/usr/bin/env bash
# The multi-node tests (make test-cluster): brings up a fresh 3-node MariaDB
# Galera cluster and two MRB web nodes (scripts/stack.sh cluster-up), runs
# every tests/cluster/t_*.sh against them, brings everything down. Prints
# one "N passed, N failed" line at the end.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
scripts/stack.sh down >/dev/null 2>&1 || true
scripts/stack.sh cluster-down >/dev/null 2>&1 || true
t0=$SECONDS
# the cron logs outlive a stack: t_5_lease reads only what this cluster wrote
CLUSTER_SINCE=$(date '+%F %T'); export CLUSTER_SINCE
scripts/stack.sh cluster-up || { echo "cluster: did not come up"; scripts/stack.sh cluster-down; exit 1; }
echo "cluster: up in $((SECONDS - t0)) s"
trap 'scripts/stack.sh cluster-down >/dev/null 2>&1' EXIT
export MRB_CONFIG=$ROOT/run/mrb.cluster-1.conf
pass=0 fail=0
for t in tests/cluster/t_*.sh; do
  [ -n "${CLUSTER_ONLY:-}" ] && [[ $t != *"$CLUSTER_ONLY"* ]] && continue
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
echo "cluster: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
