#!/usr/bin/env bash
# bench/backlog.sh: what a backlog of events behind an endpoint that is down
# costs the rest of MRB. On the real dev stack (brought up when down), with
# nothing listening at [notify] url: create-room's throughput (wrk, 2
# connections, bench/create.lua) and mariadbd's CPU while idle, first with
# no backlog (the baseline, same run), then with BENCH_BACKLOG events
# (default 20,000: two per room, so half of them wait behind the other
# half) fanned out and attempted once by mrb-notify, their next retries
# then set an hour away, as for an endpoint down for hours (the first
# minute of retries, 1, 2, 5, 10 and 30 s apart, is work, not waste, and is
# not what this measures). Prints both and their ratios. The events it wrote, and those of its rooms, are deleted after.
# No pass/fail: figures only.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/e2e/lib.sh
N=${BENCH_BACKLOG:-20000}
DUR=${BENCH_CREATE_DURATION:-3s}
URL=http://127.0.0.1:8080
PORT=$(conf_get "$CONF" notify url | sed -E 's|.*:([0-9]+)/.*|\1|')

command -v wrk >/dev/null || { echo "bench: wrk is missing (make deps)"; exit 1; }
"$ROOT/scripts/stack.sh" up >/dev/null
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1 || true # no poll or expiry run in the figures
fuser -k "$PORT/tcp" >/dev/null 2>&1 || true               # the endpoint is down
first_id=$(sql "SELECT COALESCE(MAX(id), 0) FROM events_outbox")
cleanup() {
  "$ROOT/scripts/stack.sh" notify-stop >/dev/null 2>&1 || true
  sql "DELETE FROM event_deliveries WHERE event_id > $first_id; DELETE FROM events_outbox WHERE id > $first_id" || true
  sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE name = 'bench' AND ended_at IS NULL" &&
    "$ROOT/cron/mrb-expire" >/dev/null 2>&1 || true
  "$ROOT/scripts/stack.sh" notify-start >/dev/null 2>&1 || true
  "$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
export BENCH_TOKEN=$(host_token bench-host)

db_pid=$(pgrep -f "mariadbd.*$ROOT/run" | head -n 1)
# cpu_pct SECONDS: mariadbd's CPU over that many idle seconds, in % of one core
cpu_pct() {
  local a b
  a=$(awk '{print $14 + $15}' "/proc/$db_pid/stat"); sleep "$1"; b=$(awk '{print $14 + $15}' "/proc/$db_pid/stat")
  awk -v d=$((b - a)) -v s="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", 100 * d / hz / s }'
}
creates() { # creates: create-room's requests/s
  local rps
  rps=$(wrk -t2 -c2 -d"$DUR" -s bench/create.lua "$URL/mrb/create-room" | sed -n 's/^RESULT //p' | tr ' ' '\n' | sed -n 's/^rps=//p')
  sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE name = 'bench' AND ended_at IS NULL" >/dev/null
  "$ROOT/cron/mrb-expire" >/dev/null 2>&1 || true
  echo "$rps"
}

echo "== baseline: no backlog"
sleep 2
cpu0=$(cpu_pct 5)
rps0=$(creates)

echo "== $N events behind a down endpoint"
now_ms=$(date +%s%3N)
sql "INSERT INTO events_outbox (msg_id, type, stream, seq, room_id, created_ms, body, fanned)
     SELECT CONCAT('msg_bench_backlog_', seq), IF(seq % 2, 'room.created', 'room.ended'),
            CONCAT('room:bench-backlog-', (seq + 1) DIV 2), 2 - seq % 2, NULL, $now_ms, '{}', 0
     FROM seq_1_to_$N"
fanned() { [ "$(sql "SELECT COUNT(*) FROM events_outbox WHERE fanned = 0")" = 0 ]; }
wait_for 300 fanned || { echo "bench: mrb-notify did not fan the backlog out"; exit 1; }
tried() { [ "$(sql "SELECT COUNT(*) FROM event_deliveries d JOIN events_outbox o ON o.id = d.event_id WHERE o.msg_id LIKE 'msg_bench_backlog_%' AND d.attempts > 0")" -ge $((N / 2)) ]; }
wait_for 300 tried || { echo "bench: mrb-notify did not try every first event"; exit 1; }
sql "UPDATE event_deliveries SET next_ms = $(( $(date +%s%3N) + 3600000 )) WHERE state = 'pending' AND attempts > 0"
pending=$(sql "SELECT COUNT(*) FROM event_deliveries WHERE state = 'pending'")
sleep 2
cpu1=$(cpu_pct 5)
rps1=$(creates)

printf '\n| backlog (pending) | mariadbd CPU idle | create-room | ratio to no backlog |\n|---|---|---|---|\n'
printf '| none | %s %% | %.0f req/s | 1.00 |\n' "$cpu0" "$rps0"
printf '| %d | %s %% | %.0f req/s | %.2f |\n' "$pending" "$cpu1" "$rps1" "$(awk -v a="$rps1" -v b="$rps0" 'BEGIN { print a / b }')"
