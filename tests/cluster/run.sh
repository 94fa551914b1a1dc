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
# shellcheck source=tests/suite.sh
. tests/suite.sh
run_suite cluster "${CLUSTER_ONLY:-}" tests/cluster/t_*.sh
