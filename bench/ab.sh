#!/usr/bin/env bash
# A/B on the real dev stack, in one run: a FastCGI program built from git
# REV ("base", served at /bench/<program>-base) against the working tree's
# ("head", at /mrb/<program>), both behind the same lighttpd, on the same
# MariaDB, each round alternating ceiling, base and head. Every figure is a
# ratio to the ceiling of its own round, because these machines are noisy.
#
#   bench/ab.sh REV [PROGRAM]      PROGRAM: join-room (the only one so far)
#   BENCH_DURATION (5s)  BENCH_ROUNDS (3)  BENCH_CONNS (16)
# Prints a table and appends it to bench/results/<date>.md. No pass/fail.
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${1:?usage: bench/ab.sh GIT_REV [PROGRAM]}
PROG=${2:-join-room}
[ "$PROG" = join-room ] || { echo "bench/ab.sh: only join-room has scenarios so far"; exit 2; }
. tests/e2e/lib.sh
DUR=${BENCH_DURATION:-5s}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=${BENCH_CONNS:-16}
URL=http://127.0.0.1:8080
OUT=bench/results/$(date -u +%F).md
BASE_BIN=$ROOT/run/bench-cgi/$PROG-base
WT=$(mktemp -d)

command -v wrk >/dev/null || { echo "bench: wrk is missing (make deps)"; exit 1; }
[ -x bench/ceiling ] || make -s bench/ceiling
sha=$(git rev-parse --short "$REV^{commit}")
echo "== building $PROG at $sha"
git worktree add -q --detach "$WT/src" "$sha"
make -s -C "$WT/src" "cgi-bin/$PROG" >/dev/null
mkdir -p "$(dirname "$BASE_BIN")"
cp "$WT/src/cgi-bin/$PROG" "$BASE_BIN"
git worktree remove --force "$WT/src"
cleanup() {
  rm -f "$BASE_BIN"
  rm -rf "$WT" "$TMP"
  "$ROOT/scripts/stack.sh" lighttpd-restart >/dev/null 2>&1 || true
  "$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$ROOT/scripts/stack.sh" up >/dev/null
"$ROOT/scripts/stack.sh" lighttpd-restart >/dev/null 2>&1   # maps /bench/<program>-base
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1 || true  # no poll or expiry run in the figures
wait_for 5 curl -sf -o /dev/null "$BASE/health"

wrkrun() { wrk -t2 -c"$CONNS" -d"$DUR" -s "$1" "$URL$2" | sed -n 's/^RESULT //p'; }
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
ratio() { awk -v s="$(field "$1" rps)" -v c="$(field "$2" rps)" 'BEGIN{printf "%.3f", s/c}'; }
figures() { printf '%s req/s, p50 %s ms, p99 %s ms, non-2xx %s' "$(field "$1" rps)" "$(field "$1" p50_ms)" \
  "$(field "$1" p99_ms)" "$(field "$1" non2xx)"; }
better() { awk -v x="$1" -v y="$2" 'BEGIN{exit !(x>y)}'; }

HOST=$(host_token bench-host)
create_room '{"roomNm":"ab repeat","roomKey":"123456","maxParticipants":10}'
REPEAT_ROOM=$ROOM
create_room '{"roomNm":"ab fresh","roomKey":"123456","maxParticipants":10}'
FRESH_ROOM=$ROOM
sql "UPDATE rooms SET max_participants = 10000000 WHERE id = '$FRESH_ROOM'"   # sized to fit every fresh user
export BENCH_KEY=123456 BENCH_TOKEN=$HOST

ROWS=()
# scenario NAME ROOM USERS: ROUNDS x (ceiling, base, head); each side keeps
# the round where its ratio was best.
scenario() {
  local name=$1 room=$2 users=$3 r c a b ra rb best_a=0 best_b=0 fa="" fb=""
  for r in $(seq 1 "$ROUNDS"); do
    c=$(BENCH_ROOM=$room wrkrun bench/ceiling.lua /bench/ceiling)
    a=$(BENCH_ROOM=$room BENCH_USERS=$users wrkrun bench/join.lua "/bench/$PROG-base")
    b=$(BENCH_ROOM=$room BENCH_USERS=$users wrkrun bench/join.lua "/mrb/$PROG")
    echo "  round $r: ceiling [$c]  base [$a]  head [$b]" >&2
    ra=$(ratio "$a" "$c")
    rb=$(ratio "$b" "$c")
    if better "$ra" "$best_a"; then best_a=$ra; fa=$(figures "$a"); fi
    if better "$rb" "$best_b"; then best_b=$rb; fb=$(figures "$b"); fi
  done
  ROWS+=("| $name | $best_a ($fa) | $best_b ($fb) | $(awk -v a="$best_a" -v b="$best_b" 'BEGIN{printf "%.2f", b/a}') |")
}
echo "== $PROG, repeat user"
scenario "$PROG, repeat user" "$REPEAT_ROOM" repeat
echo "== $PROG, fresh users"
scenario "$PROG, fresh users" "$FRESH_ROOM" fresh

{
  echo
  echo "## A/B: $PROG at $sha (base) against the working tree (head), $(date -u +'%F %H:%M') UTC"
  echo
  echo "$(nproc) CPUs; wrk -t2 -c$CONNS, $DUR per run, $ROUNDS rounds of ceiling, base, head;" \
    "MariaDB innodb_flush_log_at_trx_commit = $(sql 'SELECT @@GLOBAL.innodb_flush_log_at_trx_commit');" \
    "each side's best ratio to the ceiling of its own round."
  echo
  echo "| Scenario | base: ratio (figures) | head: ratio (figures) | head / base |"
  echo "|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} | tee -a "$OUT"
