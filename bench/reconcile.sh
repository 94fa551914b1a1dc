#!/usr/bin/env bash
# The reconciler's cost per poll, per 1,000 live rooms (docs/DESIGN.md, "MRB
# converges with Janus"): one mrb-health poll of the dev stack with
# BENCH_ROOMS (1000) live rooms none of which is due for a check (the
# baseline), against the same poll with all of them due (marked in
# presence_checks), alternating BENCH_ROUNDS (5) times in the same run; the
# medians and their difference, and the Admin API calls the checks made.
# Video rooms: 1,000 AudioBridge rooms are 1,000 mixer threads waking every
# 20 ms, which on the dev stack's two cores is a load average in the
# hundreds and measures Janus, not the reconciler; listparticipants costs
# the same in both plugins. No pass/fail: figures only.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/e2e/lib.sh
N=${BENCH_ROOMS:-1000}
ROUNDS=${BENCH_ROUNDS:-5}
"$ROOT/scripts/stack.sh" up >/dev/null
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1 || true
TAG="bench-reconcile-$RANDOM"
cleanup() {
  sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE name LIKE '$TAG %'" 2>/dev/null || true
  "$ROOT/cron/mrb-expire" >/dev/null 2>&1 || true   # the rooms go from Janus now, not at the next cron run
  sql "DELETE FROM presence_checks WHERE room_id IN (SELECT id FROM rooms WHERE name LIKE '$TAG %')" 2>/dev/null || true
  "$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
TOKEN=$(host_token bench)
echo "bench/reconcile: creating $N rooms..."
seq 1 "$N" | xargs -P 8 -I{} curl -s -o /dev/null -X POST "$BASE/create-room" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' -d "{\"roomNm\":\"$TAG {}\",\"roomType\":\"video\"}"
made=$(sql "SELECT COUNT(*) FROM rooms WHERE name LIKE '$TAG %' AND ended_at IS NULL")
echo "bench/reconcile: $made rooms ($(sql "SELECT GROUP_CONCAT(CONCAT(server_id, '=', n)) FROM (SELECT server_id, COUNT(*) n FROM rooms WHERE name LIKE '$TAG %' GROUP BY server_id) x"))"
mark() { sql "INSERT INTO presence_checks (room_id, server_id) SELECT id, server_id FROM rooms WHERE name LIKE '$TAG %'
              ON DUPLICATE KEY UPDATE marks = marks + 1"; }
unmark() { sql "DELETE FROM presence_checks WHERE room_id IN (SELECT id FROM rooms WHERE name LIKE '$TAG %')"; }
poll_ms() { local t0; t0=$(date +%s%N); "$ROOT/cron/mrb-health" --once >/dev/null 2>&1; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
base=(); checked=()
calls0=$(sql "SELECT COUNT(*) FROM presence_checks")
for _ in $(seq 1 "$ROUNDS"); do
  unmark; base+=("$(poll_ms)")
  mark; checked+=("$(poll_ms)")
  left=$(sql "SELECT COUNT(*) FROM presence_checks WHERE room_id IN (SELECT id FROM rooms WHERE name LIKE '$TAG %')")
done
b=$(printf '%s\n' "${base[@]}" | median); c=$(printf '%s\n' "${checked[@]}" | median)
per=$(( (c - b) * 1000 / made ))
cat <<OUT
| poll | median of $ROUNDS (ms) | runs |
|---|---|---|
| baseline: $made live rooms, none due | $b | ${base[*]} |
| all $made due (one listparticipants each) | $c | ${checked[*]} |
| the reconciler's cost per 1,000 rooms checked | $per | ratio $(awk -v b="$b" -v c="$c" 'BEGIN { printf "%.2f", c / b }') to the baseline |
OUT
echo "(rows left due after a checked poll: $left, of $made: empty rooms leave the table; rows before: $calls0)"
