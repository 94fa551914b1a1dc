#!/usr/bin/env bash
# Events on the cluster: both web nodes run mrb-notify (one sends, under the
# "notify" lease). Under a load of creates and ends through both web nodes,
# Galera node 1 is SIGKILLed. Every room whose create answered 201 has its
# room.created delivered, every ended one its room.ended after it (seq 1
# then 2), nothing is delivered for a room that does not exist, and the
# receiver (the reference standardwebhooks library) refused nothing.
. "$(dirname "$0")/lib.sh"
PORT=9800
SECRET=$(conf_get "$CONF" notify secret)
RECV=http://127.0.0.1:$PORT
cleanup() { [ -n "${RPID:-}" ] && kill "$RPID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
if [ ! -d "$ROOT/tests/notify/node_modules/standardwebhooks" ]; then
  (cd "$ROOT/tests/notify" && npm ci --no-audit --no-fund >/dev/null 2>&1) || { not_ok "npm ci in tests/notify"; finish; exit 1; }
fi
fuser -k "$PORT/tcp" >/dev/null 2>&1
node "$ROOT/tests/notify/receiver.mjs" "$PORT" "$SECRET" >"$TMP/receiver.log" 2>&1 & RPID=$!
wait_for 10 curl -sf "$RECV/log" -o /dev/null || { not_ok "the receiver starts"; finish; exit 1; }
HOST=$(host_token)
senders=$(pgrep -fc 'cron/mrb-notify')
check "mrb-notify runs on both web nodes ($senders processes)" test "$senders" -ge 2

# load: 80 creates alternating between the web nodes; every other room ended
: >"$TMP/made"; : >"$TMP/ended"
load() {
  local i base code room
  for i in $(seq 1 80); do
    base=$BASE1; ((i % 2)) || base=$BASE2
    out=$(curl -s -m 10 -w '\n%{http_code}' -X POST "$base/create-room" -H "Authorization: Bearer $HOST" \
      -H 'Content-Type: application/json' -d "{\"roomNm\":\"events under a kill $i\"}")
    code=${out##*$'\n'}; room=$(printf '%s' "${out%$'\n'*}" | jq -r '.data.roomId // empty')
    [ "$code" = 201 ] && [ -n "$room" ] || continue
    echo "$room" >>"$TMP/made"
    if ((i % 2)); then
      code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST "$base/room-end" -H "Authorization: Bearer $HOST" \
        -H 'Content-Type: application/json' -d "{\"roomId\":\"$room\"}")
      [ "$code" = 200 ] && echo "$room" >>"$TMP/ended"
    fi
  done
}
check_cluster "the cluster is whole before the load and the kill" wait_for 60 cluster_whole
load &
LP=$!
sleep 2
"$ROOT/scripts/stack.sh" galera-stop 1 KILL >/dev/null
echo "       (Galera node 1 SIGKILLed mid-load)"
check_cluster "...nodes 2 and 3 go on as the primary component" wait_for 20 survivors_primary 2 3
wait "$LP"
made=$(wc -l <"$TMP/made"); ended=$(wc -l <"$TMP/ended")
echo "       ($made rooms created, $ended ended, through both web nodes)"
check "most creates succeeded despite the kill" test "$made" -ge 60
delivered() { # delivered FILE TYPE: every room of FILE has its TYPE event
  local want got
  want=$(sort -u "$1" | wc -l)
  got=$(curl -s "$RECV/log" | jq -r --arg t "$2" '.events[] | select(.body.type == $t) | .body.data.roomId' | sort -u | grep -cxFf "$1")
  [ "$got" -eq "$want" ]
}
check "every room created (201) has its room.created delivered" wait_for 60 delivered "$TMP/made" room.created
check "every room ended (200) has its room.ended delivered" wait_for 30 delivered "$TMP/ended" room.ended
in_order() {
  curl -s "$RECV/log" | jq -r '.events[] | select(.body.data.roomId != null) | "\(.body.data.roomId) \(.body.data.seq)"' |
    grep -Ff "$TMP/made" |
    awk '{ if (($1 in last) && $2 != last[$1] + 1) bad++; if (!($1 in last) && $2 != 1) bad++; last[$1] = $2 } END { exit bad > 0 }'
}
check "...each room's events in seq order, no gap" in_order
unknown=$(curl -s "$RECV/log" | jq -r '.events[] | select(.body.type == "room.created" and (.body.data.roomNm | startswith("events under a kill"))) | .body.data.roomId' |
  while read -r r; do [ "$(node_sql 2 "SELECT COUNT(*) FROM rooms WHERE id = '$r'")" = 1 ] || echo "$r"; done | wc -l)
eq "no event for a room the cluster does not hold (a rolled-back create has none)" "$unknown" 0
eq "no delivery refused by the receiver" "$(curl -s "$RECV/log" | jq '.rejected | length')" 0
"$ROOT/scripts/stack.sh" galera-start 1 >/dev/null || not_ok "node 1 restarts"

# the sender holding the lease dies: the other web node's takes over
holder=$(node_sql 2 "SELECT holder FROM leases WHERE name = 'notify' AND expires_at > UNIX_TIMESTAMP()")
hpid=$(printf '%s' "$holder" | cut -d: -f2)
check "one mrb-notify holds the notify lease ($holder)" test -n "$hpid"
kill -KILL "$hpid" 2>/dev/null
t0=$(date +%s%3N)
code=$(curl -s -o "$TMP/after.json" -w '%{http_code}' -X POST "$BASE2/create-room" -H "Authorization: Bearer $HOST" \
  -H 'Content-Type: application/json' -d '{"roomNm":"after the sender died"}')
AFTER=$(jq -r .data.roomId "$TMP/after.json")
eq "a room created after the holder's SIGKILL" "$code" 201
arrived() { curl -s "$RECV/log" | jq -e --arg r "$AFTER" '[.events[] | select(.body.data.roomId == $r)] | length > 0' >/dev/null; }
check "...its room.created arrives through the standby within 10 s (lease 5 s)" wait_for 10 arrived
echo "       (after $(( $(date +%s%3N) - t0 )) ms; now held by $(node_sql 2 "SELECT holder FROM leases WHERE name = 'notify'"))"
finish
