#!/usr/bin/env bash
# make valgrind: every FastCGI program serves VALGRIND_REQUESTS (10,000) requests,
# a mix of good and bad, under valgrind memcheck behind nginx, with no error
# and no definite leak; then, natively, its RSS after the 1,000th and the
# RSS_REQUESTS-th (10,000th) request must be the same (within 256 kB: malloc
# arenas settle). Under memcheck a request takes 20-200 ms here, so the full
# run takes long; VALGRIND_REQUESTS=1000 make valgrind is the quick one.
# Prints one line per program and "valgrind: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh
N=${VALGRIND_REQUESTS:-10000}
RSS_N=${RSS_REQUESTS:-10000}
PORT=${MRB_VALGRIND_PORT:-8083}
V=$ROOT/run/valgrind
PROGS=(health metrics room-status room-kick room-mute room-edit room-record room-end join-room event-webhook create-room)
# VALGRIND_PROGS="event-webhook join-room": only those (a quick look at one change)
[ -n "${VALGRIND_PROGS:-}" ] && read -r -a PROGS <<<"$VALGRIND_PROGS"
"$ROOT/scripts/stack.sh" up >/dev/null
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1
stop_workers() { for f in "$V"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done; sleep 2; rm -f "$V"/*.pid; }
cleanup() {
  stop_workers
  [ -f "$V/nginx.pid" ] && nginx -p "$V" -c "$V/nginx.conf" -s stop 2>/dev/null
  "$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT
[ -f "$V/nginx.pid" ] && nginx -p "$V" -c "$V/nginx.conf" -s stop 2>/dev/null   # an interrupted run's
rm -rf "$V"; mkdir -p "$V/sock" "$V/tmp"
cat >"$V/nginx.conf" <<CONF
worker_processes 1;
pid $V/nginx.pid;
error_log $ROOT/run/log/valgrind-nginx.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $V/tmp/body; fastcgi_temp_path $V/tmp/fcgi; proxy_temp_path $V/tmp/proxy;
  uwsgi_temp_path $V/tmp/uwsgi; scgi_temp_path $V/tmp/scgi;
  fastcgi_read_timeout 120s;
  server {
    listen 127.0.0.1:$PORT;
    location ~ ^/mrb/([a-z-]+)\$ { client_max_body_size 2m; include /etc/nginx/fastcgi_params; fastcgi_pass unix:$V/sock/\$1.sock; }
  }
}
CONF
nginx -p "$V" -c "$V/nginx.conf" || { echo "valgrind: nginx did not start"; exit 1; }

# --- the request mixes: good and bad for each program
ALICE="Bearer $(host_token alice)"; MALLORY="Bearer $(host_token mallory)"
BASIC="Basic $(printf '%s:%s' "$(conf_get "$CONF" "server janus-b" webhook_user)" \
  "$(conf_get "$CONF" "server janus-b" webhook_password)" | base64 -w0)"
create_room '{"roomNm":"valgrind","roomKey":"1234","maxParticipants":16}'; R=$ROOM
# the video room on janus-b, whose credential posts the presence mix: its
# events are the room server's own (not stale), and "vgo" holds a seat there
sql "UPDATE servers SET state='disabled' WHERE id='janus-a'"
create_room '{"roomNm":"valgrind video","roomKey":"1234","maxParticipants":16,"roomType":"video"}'; VR=$ROOM
sql "UPDATE servers SET state='enabled' WHERE id='janus-a'"
sql "INSERT IGNORE INTO seats (room_id, user_id, opaque_id, connected, held_until, created_at)
     VALUES ('$VR', 'valgrind', 'vgo', 0, UNIX_TIMESTAMP() + 3600, UNIX_TIMESTAMP())"
T=$'\t'
mix() { # mix NAME LINES...
  printf '%s\n' "${@:2}" >"$V/$1.mix"
}
mix health "GET$T-$T-" "POST$T-$T{}"
mix metrics "GET$T-$T-" "HEAD$T-$T-" "POST$T-$T{}"
mix room-status "POST$T$ALICE$T{\"roomId\":\"$R\"}" "POST$T$MALLORY$T{\"roomId\":\"$R\"}" "POST$T-$T{\"roomId\":\"$R\"}" \
  "POST$T$ALICE$T{\"roomId\":1}" "POST$T${ALICE}x$T{\"roomId\":\"$R\"}" "POST$T$ALICE${T}not json" "GET$T-$T-" \
  "POST$T$ALICE$T{\"roomId\":\"$VR\"}"
mix room-kick "POST$T$ALICE$T{\"roomId\":\"$R\",\"participantId\":\"ghost\"}" "POST$T$MALLORY$T{\"roomId\":\"$R\",\"participantId\":\"g\"}" \
  "POST$T$ALICE$T{\"roomId\":\"nosuch\",\"participantId\":\"g\"}" "POST$T$ALICE$T[1,2]" \
  "POST$T$ALICE$T{\"roomId\":\"$VR\",\"participantId\":\"vp1\"}"
mix room-mute "POST$T$ALICE$T{\"roomId\":\"$R\",\"participantId\":\"ghost\",\"muted\":true}" \
  "POST$T$ALICE$T{\"roomId\":\"$R\",\"participantId\":\"ghost\"}" "POST$T-$T{}" \
  "POST$T$ALICE$T{\"roomId\":\"$VR\",\"participantId\":\"vp1\",\"muted\":true}" \
  "POST$T$ALICE$T{\"roomId\":\"$VR\",\"participantId\":\"ghost\",\"muted\":true}"
mix room-edit "POST$T$ALICE$T{\"roomId\":\"$R\",\"roomNm\":\"renamed 이름\"}" "POST$T$ALICE$T{\"roomId\":\"$R\"}" \
  "POST$T$ALICE$T{\"roomId\":\"$R\",\"roomKey\":\"12ab\"}" "POST$T$MALLORY$T{\"roomId\":\"$R\",\"roomNm\":\"x\"}"
mix room-record "POST$T$ALICE$T{\"roomId\":\"$R\",\"record\":true}" "POST$T$ALICE$T{\"roomId\":\"$R\",\"record\":false}" \
  "POST$T$ALICE$T{\"roomId\":\"$R\",\"record\":\"yes\"}"
mix room-end "POST$T$ALICE$T{\"roomId\":\"nosuchroom\"}" "POST$T$MALLORY$T{\"roomId\":\"$R\"}" "POST$T$ALICE$T{\"roomId\":\"\"}" \
  "POST$T-$T{\"roomId\":\"$R\"}"
mix join-room "POST$T-$T{\"roomId\":\"$R\",\"roomKey\":\"1234\",\"userId\":\"vg\"}" \
  "POST$T-$T{\"roomId\":\"$R\",\"roomKey\":\"1234\",\"userId\":\"vg\",\"display\":\"게스트 😀\"}" \
  "POST$T-$T{\"roomId\":\"nosuchroom\",\"roomKey\":\"1\"}" "POST$T-$T{\"roomId\":\"$R\"}" "POST$T-$T{bad" "GET$T-$T-" \
  "POST$T-$T{\"roomId\":\"$VR\",\"roomKey\":\"1234\",\"userId\":\"vg\"}"
EV="[{\"emitter\":\"janus-b\",\"type\":1,\"timestamp\":1,\"session_id\":8300000001,\"event\":{\"name\":\"created\"}},{\"emitter\":\"janus-b\",\"type\":1,\"timestamp\":2,\"session_id\":8300000001,\"event\":{\"name\":\"destroyed\"}},{\"type\":\"x\"},{\"emitter\":\"nobody\",\"type\":2,\"event\":{}}]"
# VideoRoom presence: a person, their screen share, what they publish, both leaving
VE() { printf '{"emitter":"janus-b","type":64,"timestamp":1,"opaque_id":"vgo","event":{"plugin":"janus.plugin.videoroom","data":{"event":"%s","room":"%s","id":"%s","display":"v","streams":[{"type":"audio","mid":"0"},{"type":"video","mid":"1","description":"screen"}]}}}' "$1" "$VR" "$2"; }
VEV="[$(VE joined vp1),$(VE joined vp2),$(VE published vp1),$(VE published vp2),$(VE unpublished vp2),$(VE leaving vp2),$(VE kicked vp1)]"
# a handle without a seat (kicked through the Admin API after the batch) and
# an event about a room that does not live on janus-b (stale)
IEV="[$(VE joined vp3 | sed 's/"vgo"/"no-seat"/'),{\"emitter\":\"janus-b\",\"type\":64,\"timestamp\":1,\"event\":{\"plugin\":\"janus.plugin.audiobridge\",\"data\":{\"event\":\"left\",\"room\":\"nosuchroom\",\"id\":\"1\"}}}]"
mix event-webhook "POST$T$BASIC$T$EV" "POST$T$BASIC$T$VEV" "POST$T$BASIC$T$IEV" "POST$T$BASIC$T{\"emitter\":\"janus-a\",\"type\":32}" "POST${T}Basic eA==$T$EV" \
  "POST$T$BASIC${T}not json" "GET$T$BASIC$T-"
bad_creates=()
for i in $(seq 1 49); do bad_creates+=("POST$T-$T{\"roomNm\":\"x\"}"); done
mix create-room "POST$T$ALICE$T{\"roomNm\":\"valgrind create\",\"ttlSeconds\":60}" "${bad_creates[@]}" \
  "POST$T$ALICE$T{\"roomNm\":\"\"}" "POST$T$MALLORY$T{}" \
  "POST$T$ALICE$T{\"roomNm\":\"valgrind video\",\"ttlSeconds\":60,\"roomType\":\"video\",\"videoCodec\":\"vp9\"}" \
  "POST$T$ALICE$T{\"roomNm\":\"x\",\"roomType\":\"vid\"}" "POST$T$ALICE$T{\"roomNm\":\"x\",\"screenShare\":true}"

# drive COUNT PROGRAM: COUNT requests cycling through the program's mix, one
# curl process, one kept-alive connection, strictly one after another.
# Prints how many were answered.
drive() {
  awk -F '\t' -v n="$1" -v url="http://127.0.0.1:$PORT/mrb/$2" '
    function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
    { m[NR] = $1; a[NR] = $2; b[NR] = $3 }
    END {
      for (i = 0; i < n; i++) {
        k = i % NR + 1
        if (i) print "next"
        print "url = " q(url); print "request = " q(m[k]); print "header = \"Content-Type: application/json\""
        if (a[k] != "-") print "header = " q("Authorization: " a[k])
        if (b[k] != "-") print "data-binary = " q(b[k])
        if (m[k] == "HEAD") print "head"
        print "output = \"/dev/null\""; print "write-out = \"%{http_code}\\n\""; print "max-time = 60"
      }
    }' "$V/$2.mix" >"$V/$2.curl"
  curl -s -K "$V/$2.curl" | grep -c '^[1-5][0-9][0-9]$'
}

# 1. under valgrind, every program at once (memcheck is single-threaded and
# slow: 30-130 ms a request here), N requests each, then SIGTERM (the
# programs' clean exit, where the leak check runs)
memcheck() {
  local p=$1 t0 got
  spawn-fcgi -s "$V/sock/$p.sock" -M 0666 -P "$V/$p.pid" -- /usr/bin/env MRB_CONFIG="$CONF" valgrind --quiet \
    --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --log-file="$V/$p.valgrind.log" "$ROOT/cgi-bin/$p" >/dev/null 2>&1
  sleep 2
  t0=$(date +%s)
  got=$(drive "$N" "$p")
  kill "$(cat "$V/$p.pid")"; for _ in $(seq 1 120); do kill -0 "$(cat "$V/$p.pid")" 2>/dev/null || break; sleep 0.5; done
  rm -f "$V/$p.pid"
  echo "$got $(( $(date +%s) - t0 ))" >"$V/$p.result"
}
for p in "${PROGS[@]}"; do memcheck "$p" & done
wait

pass=0 fail=0
for p in "${PROGS[@]}"; do
  read -r got secs <"$V/$p.result"
  errors=$(grep -c '^==[0-9]*== ' "$V/$p.valgrind.log")
  # 2. natively: RSS after the 1,000th and the RSS_N-th request
  spawn-fcgi -s "$V/sock/$p.sock" -M 0666 -P "$V/$p.pid" -- /usr/bin/env MRB_CONFIG="$CONF" "$ROOT/cgi-bin/$p" >/dev/null 2>&1
  pid=$(cat "$V/$p.pid"); sleep 0.3
  drive 1000 "$p" >/dev/null
  rss1=$(awk '/VmRSS/{print $2}' /proc/"$pid"/status)
  drive $((RSS_N - 1000)) "$p" >/dev/null
  rss2=$(awk '/VmRSS/{print $2}' /proc/"$pid"/status)
  kill "$pid"; rm -f "$V/$p.pid"
  verdict=ok
  if [ "${got:-0}" -lt "$N" ] || [ "$errors" -ne 0 ] || [ $((rss2 - rss1)) -gt 256 ]; then verdict=FAIL; fi
  printf '  %-4s %-14s %6s requests under memcheck in %5ss, %s valgrind report lines; RSS %s kB at 1,000 -> %s kB at %s\n' \
    "$verdict" "$p" "${got:-0}" "$secs" "$errors" "$rss1" "$rss2" "$RSS_N"
  [ "$verdict" = ok ] && pass=$((pass + 1)) || { fail=$((fail + 1)); head -30 "$V/$p.valgrind.log"; }
done
# the rooms the good creates made: gone at once (each is a Janus mixer thread)
sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE name = 'valgrind create' AND ended_at IS NULL"
"$ROOT/cron/mrb-expire" >/dev/null 2>&1
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
