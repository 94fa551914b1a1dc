# shellcheck shell=bash
# Helpers for the multi-node tests: the e2e helpers (tests/e2e/lib.sh) on
# web node 1, plus web node 2, each Galera node by itself, and the
# cluster's certification counters.
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

BASE1=http://127.0.0.1:8080/mrb
BASE2=http://127.0.0.1:8081/mrb
NODES=(1 2 3)
node_port() { echo $((4297 + 10 * $1)); }

# node_sql N "SQL": on Galera node N alone, after it has applied every
# write committed anywhere before (wsrep_sync_wait), as the MRB user.
node_sql() {
  sql "SELECT 1" >/dev/null 2>&1 # writes $TMP/my.cnf
  mariadb --defaults-extra-file="$TMP/my.cnf" --port="$(node_port "$1")" --batch --skip-column-names \
    -e "SET SESSION wsrep_sync_wait = 1; $2"
}
# node_alive N: node N answers.
node_alive() { node_sql "$1" "SELECT 1" >/dev/null 2>&1; }
# node_wsrep N: "Primary 3 Synced" (status, members, state) as node N sees
# itself, or nothing when it does not answer.
node_wsrep() {
  sql "SELECT 1" >/dev/null 2>&1 # writes $TMP/my.cnf
  # SHOW, not a SELECT: a node outside the primary component still answers it
  mariadb --defaults-extra-file="$TMP/my.cnf" --port="$(node_port "$1")" --batch --skip-column-names -e \
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status', 'wsrep_cluster_size', 'wsrep_local_state_comment')" 2>/dev/null |
    awk '{ v[$1] = $2 } END { if (NR) print v["wsrep_cluster_status"], v["wsrep_cluster_size"], v["wsrep_local_state_comment"] }'
}
# survivors_primary N...: nodes N... are Synced and form the primary
# component, alone.
survivors_primary() {
  local n
  for n in "$@"; do
    [ "$(node_wsrep "$n")" = "Primary $# Synced" ] || return 1
  done
}
# galera_report: what each node sees now and its last membership changes,
# printed when a check of the cluster itself fails (CI keeps only the output;
# cluster-down wipes the nodes' directories and logs).
galera_report() {
  local n d w
  for n in "${NODES[@]}"; do
    d=$("$ROOT/scripts/stack.sh" galera-dir "$n")
    w=$(node_wsrep "$n")
    echo "       galera-$n: ${w:-does not answer}"
    grep -E 'view_id\((NON_)?PRIM|suspect|inactive|Shifting|non-Primary|declaring' "$d/error.log" 2>/dev/null |
      tail -n 8 | cut -c1-180 | sed 's/^/         /'
  done
}
# cluster_whole: every node is Synced in one primary component of three. A
# test that kills a node waits for it first: Galera counts quorum against the
# last primary component, so a node still rejoining when another dies leaves
# the survivors without one (they answer 1047 until the dead node returns).
cluster_whole() { survivors_primary "${NODES[@]}"; }
# check_cluster NAME COMMAND...: check, followed by galera_report if it failed.
check_cluster() { local before=$FAIL; check "$@"; [ "$FAIL" = "$before" ] || galera_report; }
# conflicts: wsrep_local_cert_failures + wsrep_local_bf_aborts summed over the live nodes.
conflicts() {
  local n t=0 v
  for n in "${NODES[@]}"; do
    v=$(node_sql "$n" "SELECT SUM(VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('WSREP_LOCAL_CERT_FAILURES','WSREP_LOCAL_BF_ABORTS')" 2>/dev/null) || continue
    t=$((t + ${v:-0}))
  done
  echo "$t"
}

# join_cfg BASE ROOM KEY USER: one join-room transfer for curl -K, writing
# "status user base" per answer.
join_cfg() {
  printf 'next\nurl = "%s/join-room"\nheader = "Content-Type: application/json"\n' "$1"
  printf 'data = "{\\"roomId\\":\\"%s\\",\\"roomKey\\":\\"%s\\",\\"userId\\":\\"%s\\"}"\n' "$2" "$3" "$4"
  printf 'output = "/dev/null"\nwrite-out = "%%{http_code} %s %s\\n"\n' "$4" "$1"
}
# race CONFIG OUT: every transfer of CONFIG at once.
race() { curl -s --no-progress-meter -Z --parallel-immediate --parallel-max 300 -K "$1" >"$2"; }
