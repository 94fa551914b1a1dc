#!/usr/bin/env bash
# bench/events.sh: how long MRB's events take from their commit to the
# application's 2xx, under a load of joins and leaves. On the real dev
# stack (brought up when down): BENCH_CLIENTS (default 8) loops, each
# creating a room and, BENCH_CYCLES times (default 10), joining two people
# into it through join-room and Janus (real AudioBridge joins, whose
# "joined" events reach the webhook) and taking one of them out again
# (its Janus session destroyed: "leaving"). The receiver is
# tests/notify/receiver.mjs, verifying every delivery with the reference
# standardwebhooks library. Prints the events received and the delivery
# latency's p50, p90, p99 and max (receiver's clock minus the event's
# commit timestamp: one host, one clock), and the same for the quiet case
# (one room, nothing else going on) measured first in the same run as the
# baseline. No pass/fail: figures only.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/e2e/lib.sh
CLIENTS=${BENCH_CLIENTS:-8}
CYCLES=${BENCH_CYCLES:-10}
PORT=9800
SECRET=$(conf_get "$CONF" notify secret)
RECV=http://127.0.0.1:$PORT
"$ROOT/scripts/stack.sh" up >/dev/null
[ -d tests/notify/node_modules/standardwebhooks ] || (cd tests/notify && npm ci --no-audit --no-fund >/dev/null)
fuser -k "$PORT/tcp" >/dev/null 2>&1 || true
node tests/notify/receiver.mjs "$PORT" "$SECRET" >"$TMP/receiver.log" 2>&1 &
RPID=$!
trap 'kill $RPID 2>/dev/null; rm -rf "$TMP"' EXIT
wait_for 10 curl -sf "$RECV/log" -o /dev/null
sleep 3 # events pending from before (no receiver until now) drain first
curl -s -X POST "$RECV/reset" >/dev/null
HOST=$(host_token)

# latencies ROOMS_FILE: the delivery latencies (ms) of those rooms' events, sorted
latencies() {
  curl -s "$RECV/log" | jq -r '.events[] | select(.body.data.roomId != null) | "\(.body.data.roomId) \(.receivedMs - ((.body.timestamp | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) * 1000 + (.body.timestamp | capture("\\.(?<ms>[0-9]+)Z$").ms | tonumber)))"' |
    grep -Ff "$1" | awk '{ print $2 }' | sort -n
}
summary() { # summary LABEL FILE_OF_MS
  awk -v label="$1" '{ v[NR] = $1 } END {
    if (NR == 0) { printf "%-28s no events\n", label; exit }
    printf "%-28s %6d events  p50 %5d ms  p90 %5d ms  p99 %5d ms  max %5d ms\n", label, NR,
      v[int((NR - 1) * 0.50) + 1], v[int((NR - 1) * 0.90) + 1], v[int((NR - 1) * 0.99) + 1], v[NR] }' "$2"
}
cycle_room() { # cycle_room N: one client's loop: one person stays, another comes and goes
  local i room url tok sid
  create_room "{\"roomNm\":\"bench events $1\",\"roomKey\":\"2468\",\"maxParticipants\":4}"
  room=$ROOM
  echo "$room" >>"$TMP/rooms"
  post join-room "{\"roomId\":\"$room\",\"roomKey\":\"2468\",\"userId\":\"stay-$1\"}"
  janus_join "$(jqr .data.server)" "$(jqr .data.token)" "$room" 2468 stay "$(jqr .data.opaqueId)" || true
  for i in $(seq 1 "$CYCLES"); do
    post join-room "{\"roomId\":\"$room\",\"roomKey\":\"2468\",\"userId\":\"go-$1\"}"
    url=$(jqr .data.server); tok=$(jqr .data.token)
    JSID=
    janus_join "$url" "$tok" "$room" 2468 go "$(jqr .data.opaqueId)" || true
    sid=$JSID
    [ -n "$sid" ] && janus_post "$url/$sid" "{\"janus\":\"destroy\",\"transaction\":\"x\",\"token\":\"$tok\"}" >/dev/null
  done
  "$MRBCTL" room end "$room" >/dev/null 2>&1
}

# baseline: one room, one cycle, nothing else going on
: >"$TMP/rooms"
CYCLES_SAVE=$CYCLES; CYCLES=2
cycle_room quiet
CYCLES=$CYCLES_SAVE
sleep 2
latencies "$TMP/rooms" >"$TMP/quiet.ms"
cp "$TMP/rooms" "$TMP/quiet.rooms"

# the load
: >"$TMP/rooms"
t0=$(date +%s)
PIDS=()
for c in $(seq 1 "$CLIENTS"); do # post keeps its answer in $TMP: one each
  (TMP_MAIN=$TMP; TMP=$(mktemp -d); cycle_room "$c"; cat "$TMP/rooms" >>"$TMP_MAIN/rooms"; rm -rf "$TMP") &
  PIDS+=($!)
done
wait "${PIDS[@]}" # not the receiver
took=$(( $(date +%s) - t0 ))
sleep 3
latencies "$TMP/rooms" >"$TMP/load.ms"
n=$(wc -l <"$TMP/load.ms")
echo "bench events: $CLIENTS clients x $CYCLES join/leave cycles in ${took} s ($(awk -v n="$n" -v t="$took" 'BEGIN { printf "%.1f", n / (t ? t : 1) }') events/s delivered)"
summary "quiet (baseline, same run)" "$TMP/quiet.ms"
summary "under joins and leaves" "$TMP/load.ms"
q50=$(awk '{ v[NR] = $1 } END { print (NR ? v[int((NR - 1) * 0.5) + 1] : 0) }' "$TMP/quiet.ms")
l50=$(awk '{ v[NR] = $1 } END { print (NR ? v[int((NR - 1) * 0.5) + 1] : 0) }' "$TMP/load.ms")
echo "p50 under load / quiet p50: $(awk -v a="$l50" -v b="$q50" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
echo "rejected by the receiver: $(curl -s "$RECV/log" | jq '.rejected | length'), duplicates: $(curl -s "$RECV/log" | jq '.duplicates | length')"
