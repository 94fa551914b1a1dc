#!/usr/bin/env bash
# make bench: every benchmark of docs/PERFORMANCE.md on the real dev stack
# (brought up when down), each as a ratio to bench/ceiling measured in the
# same run. Subject and ceiling alternate BENCH_ROUNDS times (default 2);
# the pair with the better subject throughput is reported. Writes the table
# to stdout and to bench/results/<date>.md. No pass/fail: figures only.
#
#   BENCH_DURATION  per wrk run (default 5s)     BENCH_CONNS  join/ceiling connections (16)
#   BENCH_ROUNDS    alternations (2)             BENCH_RSS_REQUESTS  requests before reading RSS (200000)
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/e2e/lib.sh
DUR=${BENCH_DURATION:-5s}
ROUNDS=${BENCH_ROUNDS:-2}
CONNS=${BENCH_CONNS:-16}
RSS_REQUESTS=${BENCH_RSS_REQUESTS:-200000}
URL=http://127.0.0.1:8080
OUT=bench/results/$(date -u +%F).md

command -v wrk >/dev/null || { echo "bench: wrk is missing (make deps)"; exit 1; }
[ -x bench/ceiling ] || make -s bench/ceiling
"$ROOT/scripts/stack.sh" up >/dev/null
if [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/bench/ceiling" -d '{}')" != 200 ]; then
  "$ROOT/scripts/stack.sh" lighttpd-restart >/dev/null 2>&1   # maps /bench/ceiling
fi
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1 || true    # no poll or expiry run in the figures
first_event=$(sql "SELECT COALESCE(MAX(id), 0) FROM events_outbox")
cleanup() {
  sql "DELETE FROM servers WHERE id LIKE 'bench-fake-%'" 2>/dev/null || true
  # the join rooms end now, not at their expiry an hour on (the fresh one holds 200,000 seats)
  sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE name LIKE 'bench %' AND ended_at IS NULL" 2>/dev/null &&
    "$ROOT/cron/mrb-expire" >/dev/null 2>&1 || true
  sql "DELETE FROM participants WHERE room_id = 'bench-room'; DELETE FROM seats WHERE room_id = 'bench-room';
       DELETE FROM presence_checks WHERE room_id = 'bench-room'; DELETE FROM rooms WHERE id = 'bench-room'" 2>/dev/null || true
  "$MRBCTL" server remove bench-emitter >/dev/null 2>&1 || true   # after its room: remove refuses a server with one
  # The run's ~30,000 events for the application had no receiver (the dev
  # config's is the tests'): undelivered, they would stand for a day ahead
  # of every later test's events. Gone, with mrb-notify stopped meanwhile.
  "$ROOT/scripts/stack.sh" notify-stop >/dev/null 2>&1 || true
  sql "DELETE FROM event_deliveries WHERE event_id > $first_event; DELETE FROM events_outbox WHERE id > $first_event" 2>/dev/null || true
  "$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1 || true
  "$ROOT/scripts/stack.sh" notify-start >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# wrkrun CONNS SCRIPT PATH: one wrk run; prints its RESULT fields.
wrkrun() { wrk -t2 -c"$1" -d"${RUN_DUR:-$DUR}" -s "$2" "$URL$3" | sed -n 's/^RESULT //p'; }
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
ROWS=()
# pair NAME CONNS SCRIPT PATH [UNIT_FACTOR]: alternate ceiling and subject,
# keep the round whose subject did best, append a table row.
pair() {
  local name=$1 conns=$2 script=$3 path=$4 factor=${5:-1} r c s best_s="" best_c="" unit
  for r in $(seq 1 "$ROUNDS"); do
    c=$(wrkrun "$conns" bench/ceiling.lua /bench/ceiling)
    s=$(wrkrun "$conns" "$script" "$path")
    [ -n "${AFTER:-}" ] && "$AFTER"
    echo "  round $r: ceiling [$c]  $name [$s]" >&2
    if [ -z "$best_s" ] || awk -v a="$(field "$s" rps)" -v b="$(field "$best_s" rps)" 'BEGIN{exit !(a>b)}'; then
      best_s=$s; best_c=$c
    fi
  done
  unit="req/s"; [ "$factor" != 1 ] && unit="events/s"
  ROWS+=("$(awk -v n="$name" -v s="$(field "$best_s" rps)" -v c="$(field "$best_c" rps)" -v f="$factor" \
    -v p50="$(field "$best_s" p50_ms)" -v p99="$(field "$best_s" p99_ms)" -v bad="$(field "$best_s" non2xx)" \
    -v cc="$conns" -v u="$unit" \
    'BEGIN{printf "| %s | %d | %.0f %s | %.2f | %.2f | %.0f req/s | %.2f | %d |", n, cc, s*f, u, p50, p99, c, s/c, bad}')")
}

echo "== setup"
HOST=$(host_token bench-host)
create_room '{"roomNm":"bench repeat","roomKey":"123456","maxParticipants":10}'; REPEAT_ROOM=$ROOM
create_room '{"roomNm":"bench fresh","roomKey":"123456","maxParticipants":10}'; FRESH_ROOM=$ROOM
create_room '{"roomNm":"bench video","roomKey":"123456","maxParticipants":10,"roomType":"video"}'; VIDEO_ROOM=$ROOM
# sized to fit every fresh user, still booking the 10 seats it was created
# with: booking 10,000,000 would make its server full for the create-room
# runs below, and send their rooms to the unreachable fake servers
sql "UPDATE rooms SET max_participants = 10000000, booked = 10 WHERE id = '$FRESH_ROOM'"
export BENCH_KEY=123456 BENCH_TOKEN=$HOST
calls_before=$(metric 'mrb_media_server_calls_total{program="join-room"}')
joins_before=$(metric 'mrb_joins_total{outcome="ok"}')

echo "== join-room, repeat user (live room)"
BENCH_ROOM=$REPEAT_ROOM pair "join-room, repeat user" "$CONNS" bench/join.lua /mrb/join-room
echo "== join-room, repeat user (live video room)"
BENCH_ROOM=$VIDEO_ROOM pair "join-room, repeat user, video room" "$CONNS" bench/join.lua /mrb/join-room
echo "== join-room, fresh users"
BENCH_ROOM=$FRESH_ROOM BENCH_USERS=fresh pair "join-room, fresh users" "$CONNS" bench/join.lua /mrb/join-room
sleep 2   # the workers' counts reach MariaDB within a second of going idle
calls=$(( $(metric 'mrb_media_server_calls_total{program="join-room"}') - calls_before ))
joins=$(( $(metric 'mrb_joins_total{outcome="ok"}') - joins_before ))

echo "== event-webhook, batches of 100 mixed events"
# from an emitter of the bench's own (disabled), so the sessions and handles
# the events open count against no real server; removing it drops them
# with a credential of its own: the webhook believes events only about the
# server that posts them (checked against the servers table, as for any
# server registered with mrbctl rather than in the config)
"$MRBCTL" server add bench-emitter --public-url http://127.0.0.1:1/janus --admin-url http://127.0.0.1:1/admin \
  --admin-secret admin-secret-x --token-secret token-secret-y --webhook-user bench-emitter --webhook-password bench-emitter-webhook-pw >/dev/null
# bench-room lives on bench-emitter, with 50 seats (opaque ids bench-0..49):
# its joined/left events take the whole presence path (the room's server,
# the seat, the person's other handles), not the cheap one of a stale event
sql "INSERT INTO rooms (id, name, room_key, secret, max_participants, created_by, server_id, server_boot, created_at, expires_at)
     VALUES ('bench-room', 'bench presence', '0000', 'bench-secret', 64, 'bench', 'bench-emitter', 1, UNIX_TIMESTAMP(), UNIX_TIMESTAMP() + 3600)
     ON DUPLICATE KEY UPDATE server_id = 'bench-emitter', ended_at = NULL, expires_at = UNIX_TIMESTAMP() + 3600"
sql "INSERT IGNORE INTO seats (room_id, user_id, opaque_id, connected, held_until, created_at)
     SELECT 'bench-room', CONCAT('bench-', seq), CONCAT('bench-', seq), 0, UNIX_TIMESTAMP() + 3600, UNIX_TIMESTAMP() FROM seq_0_to_49"
MRB_WEBHOOK_AUTH=bench-emitter:bench-emitter-webhook-pw BENCH_EMITTER=bench-emitter pair "event-webhook (x100 events)" 4 bench/webhook.lua /mrb/event-webhook 100
sql "DELETE FROM participants WHERE room_id = 'bench-room'; DELETE FROM seats WHERE room_id = 'bench-room';
     DELETE FROM presence_checks WHERE room_id = 'bench-room'; DELETE FROM rooms WHERE id = 'bench-room'"
"$MRBCTL" server remove bench-emitter >/dev/null

end_bench_rooms() { # destroy what create-room made, at once, through mrb-expire
  sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE name = 'bench' AND ended_at IS NULL"
  "$ROOT/cron/mrb-expire" 2>/dev/null || true
}
# Every create makes a real AudioBridge room, and each runs a mixer thread:
# short runs, and the rooms destroyed after each, keep Janus from eating the CPU.
CREATE_DUR=${BENCH_CREATE_DURATION:-2s}
echo "== create-room (2 servers)"
AFTER=end_bench_rooms RUN_DUR=$CREATE_DUR pair "create-room, 2 servers" 2 bench/create.lua /mrb/create-room
echo "== create-room, video rooms (2 servers)"
BENCH_ROOM_TYPE=video AFTER=end_bench_rooms RUN_DUR=$CREATE_DUR pair "create-room, video, 2 servers" 2 bench/create.lua /mrb/create-room
echo "== create-room with 1,000 registered servers (fresh metrics, all worse than the real two)"
now=$(date +%s)
seq 1 1000 | awk -v now="$now" 'BEGIN{print "INSERT INTO servers (id,public_url,admin_url,admin_secret,token_secret,state,healthy,cpu,mem,sessions,handles,sockets,metrics_at,polled_at,created_at,updated_at) VALUES"}
  {printf "%s(\"bench-fake-%04d\",\"http://127.0.0.1:1/janus\",\"http://127.0.0.1:1/admin\",\"x\",\"y\",\"enabled\",1,0.95,0.9,500,500,5000,%d,%d,%d,%d)", (NR>1?",":""), $1, now, now, now, now} END{print ";"}' >"$TMP/fake.sql"
sql "SELECT 1" >/dev/null; mariadb --defaults-extra-file="$TMP/my.cnf" <"$TMP/fake.sql"
# their stored score, as servers_rescore() would compute it from those metrics
sql "UPDATE servers SET score = (35*95 + 20*90 + 5*500 + 10*500 + 30*5000) / 100 WHERE id LIKE 'bench-fake-%'"
# The scheduler is stopped for the figures, so by now the real servers'
# metrics are older than 3 poll intervals (the stale tier, tried after every
# fresh server): mark their last poll as now, so both tiers are the fresh one.
sql "UPDATE servers SET metrics_at = UNIX_TIMESTAMP() WHERE id IN ('janus-a', 'janus-b')"
registered=$(sql "SELECT COUNT(*) FROM servers WHERE state='enabled' AND healthy=1")
AFTER=end_bench_rooms RUN_DUR=$CREATE_DUR pair "create-room, $registered servers" 2 bench/create.lua /mrb/create-room
sql "DELETE FROM servers WHERE id LIKE 'bench-fake-%'"

echo "== mrb-expire, 10,000 expired rooms"
exp=$(BENCH_REAL_ROOMS=${BENCH_REAL_ROOMS:-0} bench/expire.sh 2>&1 | sed -n 's/^RESULT //p')

echo "== worker RSS after $RSS_REQUESTS join-room requests"
"$ROOT/scripts/stack.sh" lighttpd-restart >/dev/null 2>&1   # fresh workers
rss_start=$(for p in $(pgrep -f "$ROOT/cgi-bin/join-room"); do awk '/VmRSS/{print $2}' /proc/$p/status; done | sort -n | tail -1)
served=0
while [ "$served" -lt "$RSS_REQUESTS" ]; do
  n=$(BENCH_ROOM=$REPEAT_ROOM wrk -t2 -c"$CONNS" -d10s -s bench/join.lua "$URL/mrb/join-room" | sed -n 's/^RESULT .*requests=\([0-9]*\).*/\1/p')
  served=$((served + n))
done
rss=$(for p in $(pgrep -f "$ROOT/cgi-bin/join-room"); do awk '/VmRSS/{print $2}' /proc/$p/status; done | sort -n | tail -1)

{
  echo "# MRB benchmarks, $(date -u +'%F %H:%M') UTC"
  echo
  echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); wrk -t2, $DUR per run ($CREATE_DUR for create-room), best of $ROUNDS alternations; FastCGI workers per program: ${MRB_FCGI_PROCS:-2}."
  echo
  echo "| What | Conns | Throughput | p50 ms | p99 ms | Ceiling (same round) | Ratio | Non-2xx |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "- Media-server calls made by join-room during the join runs: **$calls** for $joins successful joins (counter \`mrb_media_server_calls_total{program=\"join-room\"}\`)."
  echo "- mrb-expire: $exp"
  echo "- join-room worker RSS: ${rss_start} kB at start, **${rss} kB** (largest worker) after $served requests over $(pgrep -fc "$ROOT/cgi-bin/join-room") workers."
} | tee "$OUT"
echo "(written to $OUT)"
