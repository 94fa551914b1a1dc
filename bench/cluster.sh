#!/usr/bin/env bash
# make bench's multi-node part: join-room (repeat user, fresh users) and
# create-room on single-node MariaDB and then on the 3-node Galera cluster
# (make cluster, web node 1), in one run, each round alternating the
# subject with bench/ceiling so that every figure is also a ratio to the
# ceiling measured next to it. Prints a table and appends it to
# bench/results/<date>.md. No pass/fail.
#
#   BENCH_DURATION (5s)  BENCH_ROUNDS (2)  BENCH_CONNS (16)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DUR=${BENCH_DURATION:-5s}
ROUNDS=${BENCH_ROUNDS:-2}
CONNS=${BENCH_CONNS:-16}
URL=http://127.0.0.1:8080
OUT=bench/results/$(date -u +%F).md

command -v wrk >/dev/null || { echo "bench: wrk is missing (make deps)"; exit 1; }
[ -x bench/ceiling ] || make -s bench/ceiling
trap 'scripts/stack.sh cluster-down >/dev/null 2>&1 || true' EXIT

wrkrun() { wrk -t2 -c"$1" -d"$2" -s "$3" "$URL$4" | sed -n 's/^RESULT //p'; }
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# measure NAME CONNS DURATION SCRIPT PATH: best of ROUNDS (ceiling, subject)
# pairs; sets M_RPS and M_RATIO.
measure() {
  local r c s best=0 ratio=0
  for r in $(seq 1 "$ROUNDS"); do
    c=$(wrkrun "$CONNS" "$DUR" bench/ceiling.lua /bench/ceiling)
    s=$(wrkrun "$2" "$3" "$4" "$5")
    [ -n "${AFTER:-}" ] && "$AFTER"
    echo "  $1 round $r: ceiling [$c]  subject [$s]" >&2
    if awk -v a="$(field "$s" rps)" -v b="$best" 'BEGIN{exit !(a>b)}'; then
      best=$(field "$s" rps)
      ratio=$(awk -v a="$best" -v b="$(field "$c" rps)" 'BEGIN{printf "%.3f", a/b}')
    fi
  done
  M_RPS=$best M_RATIO=$ratio
}

# one_stack LABEL: the three subjects on whatever stack is up
declare -A RPS RATIO
end_bench_rooms() {
  sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE name = 'bench' AND ended_at IS NULL"
  "$ROOT/cron/mrb-expire" >/dev/null 2>&1 || true
}
one_stack() {
  local label=$1
  (
    . tests/e2e/lib.sh
    scripts/stack.sh cron-stop >/dev/null 2>&1 || true
    HOST=$(host_token bench-host)
    create_room '{"roomNm":"bench repeat","roomKey":"123456","maxParticipants":10}'; REPEAT=$ROOM
    create_room '{"roomNm":"bench fresh","roomKey":"123456","maxParticipants":10}'; FRESH=$ROOM
    sql "UPDATE rooms SET max_participants = 10000000 WHERE id = '$FRESH'"
    export BENCH_KEY=123456 BENCH_TOKEN=$HOST
    BENCH_ROOM=$REPEAT measure "$label join repeat" "$CONNS" "$DUR" bench/join.lua /mrb/join-room
    echo "join-repeat $M_RPS $M_RATIO"
    BENCH_ROOM=$FRESH BENCH_USERS=fresh measure "$label join fresh" "$CONNS" "$DUR" bench/join.lua /mrb/join-room
    echo "join-fresh $M_RPS $M_RATIO"
    AFTER=end_bench_rooms measure "$label create" 2 2s bench/create.lua /mrb/create-room
    echo "create $M_RPS $M_RATIO"
  ) >"/tmp/mrb-bench-$label.out"
  while read -r what rps ratio; do
    RPS[$label-$what]=$rps RATIO[$label-$what]=$ratio
  done <"/tmp/mrb-bench-$label.out"
}

echo "== single-node MariaDB"
scripts/stack.sh cluster-down >/dev/null 2>&1 || true
scripts/stack.sh up >/dev/null
scripts/stack.sh lighttpd-restart >/dev/null 2>&1   # maps /bench/ceiling
one_stack single
scripts/stack.sh down >/dev/null
echo "== 3-node Galera cluster (web node 1: nodes 1,2,3)"
scripts/stack.sh cluster-up >/dev/null
export MRB_CONFIG=$ROOT/run/mrb.cluster-1.conf
one_stack cluster
scripts/stack.sh cluster-down >/dev/null
unset MRB_CONFIG

{
  echo
  echo "## Single node against a 3-node Galera cluster, $(date -u +'%F %H:%M') UTC"
  echo
  echo "$(nproc) CPUs (the three Galera nodes, both Janus and the web node share them); wrk -t2 -c$CONNS, $DUR per run (create-room: 2 connections, 2s), best of $ROUNDS rounds, each next to a ceiling run; innodb_flush_log_at_trx_commit = 1 on every node."
  echo
  echo "| What | Single node: req/s (ratio to ceiling) | Cluster: req/s (ratio) | Cluster / single |"
  echo "|---|---|---|---|"
  for what in join-repeat join-fresh create; do
    printf '| %s | %.0f (%s) | %.0f (%s) | %s |\n' "$what" "${RPS[single-$what]}" "${RATIO[single-$what]}" \
      "${RPS[cluster-$what]}" "${RATIO[cluster-$what]}" \
      "$(awk -v a="${RATIO[cluster-$what]}" -v b="${RATIO[single-$what]}" 'BEGIN{printf "%.2f", a/b}')"
  done
} | tee -a "$OUT"
