#!/usr/bin/env bash
# Events for the application: the dev stack's mrb-notify sends every event
# to tests/notify/receiver.mjs, which verifies each delivery with the
# reference Standard Webhooks library and refuses a wrong signature, an old
# timestamp (and acknowledges and drops a replayed id). Checked: every
# event type with its content; per-room sequence numbers contiguous and in
# order; no committed event lost and none out of order while the receiver
# answers 500, hangs, or answers too late (the same webhook-id comes again),
# and when the sender is SIGKILLed mid-delivery and restarted; a failed
# event after the retry period; replay; mrbctl events list; the metrics.
. "$(dirname "$0")/lib.sh"
A=janus-a; B=janus-b
PORT=9800
SECRET=$(conf_get "$CONF" notify secret)
RECV=http://127.0.0.1:$PORT
cleanup() {
  [ -n "${RPID:-}" ] && kill "$RPID" 2>/dev/null
  "$MRBCTL" server enable "$A" >/dev/null 2>&1; "$MRBCTL" server enable "$B" >/dev/null 2>&1
  "$ROOT/scripts/stack.sh" notify-start >/dev/null 2>&1
  "$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT
if [ ! -d "$ROOT/tests/notify/node_modules/standardwebhooks" ]; then
  (cd "$ROOT/tests/notify" && npm ci --no-audit --no-fund >/dev/null 2>&1) || { not_ok "npm ci in tests/notify"; finish; exit 1; }
fi
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1   # mrb-health and mrb-expire run by hand below
"$ROOT/scripts/stack.sh" notify-start >/dev/null 2>&1
fuser -k "$PORT/tcp" >/dev/null 2>&1
node "$ROOT/tests/notify/receiver.mjs" "$PORT" "$SECRET" >"$TMP/receiver.log" 2>&1 & RPID=$!
wait_for 10 curl -sf "$RECV/log" -o /dev/null || { not_ok "the receiver starts"; finish; exit 1; }
mode() { curl -s -X POST "$RECV/mode" -d "$1" >/dev/null; }
log_json() { curl -s "$RECV/log"; }
# events ROOM: that room's accepted events, "type seq" per line, in arrival order
events() { log_json | jq -r --arg r "$1" '.events[] | select(.body.data.roomId == $r) | "\(.body.type) \(.body.data.seq)"'; }
types() { events "$1" | awk '{print $1}' | paste -sd ' '; }
has_n() { [ "$(events "$1" | wc -l)" -ge "$2" ]; }
# in_order ROOM: its seqs are 1..n, each once, in arrival order
in_order() { events "$1" | awk '{ if ($2 != NR) { bad = 1 } } END { exit bad }'; }
field() { log_json | jq -r --arg r "$1" --arg t "$2" "[.events[] | select(.body.data.roomId == \$r and .body.type == \$t)][${4:-0}].body.data.$3"; }
enter() { # enter ROOM USER DISPLAY: joins through MRB and into the room on Janus (sets JSID)
  post join-room "{\"roomId\":\"$1\",\"roomKey\":\"2468\",\"userId\":\"$2\"}"
  URL=$(jqr .data.server); TOK=$(jqr .data.token)
  janus_join "$URL" "$TOK" "$1" 2468 "$3" "$(jqr .data.opaqueId)"
}
HOST=$(host_token)
"$MRBCTL" server enable "$A" >/dev/null; "$MRBCTL" server enable "$B" >/dev/null

# --- a room's life, every room event ----------------------------------------
t0=$(date +%s%3N)
create_room '{"roomNm":"events: a life","roomKey":"2468","maxParticipants":3,"expectedParticipants":2}'; R=$ROOM; RS=$SERVER
check "room.created arrives, verified by the standardwebhooks library" wait_for 5 has_n "$R" 1
echo "       (room.created delivered $(( $(log_json | jq --arg r "$R" '[.events[] | select(.body.data.roomId == $r)][0].receivedMs') - t0 )) ms after create-room was sent)"
eq "...its content" "$(log_json | jq -r --arg r "$R" '.events[] | select(.body.data.roomId == $r) | .body.data | [.roomNm, .roomType, .maxParticipants, .expectedParticipants, .server, .createdBy, .seq] | join("/")')" \
  "events: a life/audio/3/2/$RS/alice/1"
match "...webhook-id is msg_ and 22 characters" "$(log_json | jq -r --arg r "$R" '.events[] | select(.body.data.roomId == $r) | .id')" '^msg_[A-Za-z0-9_-]{22}$'
match "...timestamp with milliseconds" "$(log_json | jq -r --arg r "$R" '.events[] | select(.body.data.roomId == $r) | .body.timestamp')" '^20[0-9-]+T[0-9:]+\.[0-9]{3}Z$'
enter "$R" dana Dana; DSID=$JSID; DURL=$URL; DTOK=$TOK
enter "$R" erin Erin
check "room.started, then participant.joined twice" wait_for 5 has_n "$R" 4
eq "...in that order" "$(types "$R")" "room.created room.started participant.joined participant.joined"
eq "...the counts: 1, then 2" "$(field "$R" participant.joined count 0)/$(field "$R" participant.joined count 1)" "1/2"
eq "...and who" "$(field "$R" participant.joined userId 0)/$(field "$R" participant.joined display 0)" "dana/Dana"
janus_post "$DURL/$DSID" "{\"janus\":\"destroy\",\"transaction\":\"x\",\"token\":\"$DTOK\"}" >/dev/null
check "dana leaves: participant.left, count 1" wait_for 5 has_n "$R" 5
eq "...with its reason" "$(field "$R" participant.left count)/$(field "$R" participant.left userId)/$(field "$R" participant.left reason)" "1/dana/left"
post room-record "{\"roomId\":\"$R\",\"record\":true}" -H "Authorization: Bearer $HOST"
post room-record "{\"roomId\":\"$R\",\"record\":true}" -H "Authorization: Bearer $HOST"
post room-record "{\"roomId\":\"$R\",\"record\":false}" -H "Authorization: Bearer $HOST"
check "recording.started and recording.stopped (a second start that changes nothing reports nothing)" wait_for 5 has_n "$R" 7
eq "...with the server and its directory" "$(field "$R" recording.started server)/$(field "$R" recording.started directory | grep -c recordings)" "$RS/1"
post room-end "{\"roomId\":\"$R\"}" -H "Authorization: Bearer $HOST"
check "room.ended" wait_for 5 has_n "$R" 8
eq "...reason host" "$(field "$R" room.ended reason)" host
eq "the whole life, in order" "$(types "$R")" \
  "room.created room.started participant.joined participant.joined participant.left recording.started recording.stopped room.ended"
check "...seq 1..8, contiguous, in arrival order" in_order "$R"

create_room '{"roomNm":"events: operator"}'; OP=$ROOM
"$MRBCTL" room end "$OP" >/dev/null 2>&1
create_room '{"roomNm":"events: expiry"}'; EX=$ROOM
sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE id = '$EX'"
"$ROOT/cron/mrb-expire" >/dev/null 2>&1
check "mrbctl room end and mrb-expire: room.ended" wait_for 5 bash -c "[ \"\$(curl -s $RECV/log | jq '[.events[] | select(.body.type == \"room.ended\" and (.body.data.roomId == \"$OP\" or .body.data.roomId == \"$EX\"))] | length')\" = 2 ]"
eq "...reasons operator and expired" "$(field "$OP" room.ended reason)/$(field "$EX" room.ended reason)" "operator/expired"

# --- moves and servers ------------------------------------------------------
"$ROOT/cron/mrb-expire" >/dev/null 2>&1
"$MRBCTL" server disable "$A" >/dev/null
create_room '{"roomNm":"events: moved","roomKey":"2468"}'; M=$ROOM
"$MRBCTL" server enable "$A" >/dev/null
enter "$M" fay Fay
check "fay is in the room on $B" wait_for 5 has_n "$M" 3
"$MRBCTL" server panic "$B" >/dev/null 2>&1
check "server panic: participant.left (reason moved), then room.moved" wait_for 5 has_n "$M" 5
eq "...from, to, reason" "$(field "$M" room.moved from)/$(field "$M" room.moved to)/$(field "$M" room.moved reason)" "$B/$A/panic"
eq "...fay left with the move" "$(field "$M" participant.left reason)/$(field "$M" participant.left count)" "moved/0"
check "...in order" in_order "$M"
"$MRBCTL" server enable "$B" >/dev/null
"$ROOT/cron/mrb-expire" >/dev/null 2>&1
for r in $(sql "SELECT id FROM rooms WHERE server_id = '$B' AND ended_at IS NULL"); do "$MRBCTL" room end "$r" >/dev/null 2>&1; done
# a room whose end its Janus refused stays open; earlier tests' leftovers must not hold the drain
sql "UPDATE rooms SET ended_at = UNIX_TIMESTAMP() WHERE server_id = '$B' AND ended_at IS NULL"
"$MRBCTL" server drain "$B" --now >/dev/null 2>&1
sql "UPDATE leases SET holder = '', expires_at = 0 WHERE name = 'health'"
"$ROOT/cron/mrb-health" --once >/dev/null 2>&1
server_event() { log_json | jq -r --arg s "$1" --arg t "$2" '[.events[] | select(.body.data.server == $s and .body.type == $t)] | length'; }
check "a drained server: server.drained" wait_for 5 bash -c "[ \"\$(curl -s $RECV/log | jq '[.events[] | select(.body.type == \"server.drained\" and .body.data.server == \"$B\")] | length')\" -ge 1 ]"
"$MRBCTL" server enable "$B" >/dev/null
"$ROOT/scripts/stack.sh" janus-stop "$B" KILL >/dev/null
for _ in 1 2 3; do sql "UPDATE leases SET holder = '', expires_at = 0 WHERE name = 'health'"; "$ROOT/cron/mrb-health" --once >/dev/null 2>&1; done
check "$B killed, two failed polls: server.down (failed_checks)" wait_for 5 bash -c "[ \"\$(curl -s $RECV/log | jq -r '[.events[] | select(.body.type == \"server.down\" and .body.data.server == \"$B\")][-1].body.data.reason')\" = failed_checks ]"
"$ROOT/scripts/stack.sh" janus-start "$B" >/dev/null
for _ in 1 2 3; do sql "UPDATE leases SET holder = '', expires_at = 0 WHERE name = 'health'"; "$ROOT/cron/mrb-health" --once >/dev/null 2>&1; sleep 1; done
check "...back: server.up" wait_for 10 bash -c "[ \"\$(curl -s $RECV/log | jq '[.events[] | select(.body.type == \"server.up\" and .body.data.server == \"$B\")] | length')\" -ge 1 ]"
eq "every delivery so far verified: nothing rejected" "$(log_json | jq '.rejected | length')" 0

# --- the receiver refuses what it must ----------------------------------------
good=$(log_json | jq -c '.events[0]')
body=$(printf '%s' "$good" | jq -c .body); id=$(printf '%s' "$good" | jq -r .id); ts=$(printf '%s' "$good" | jq -r .timestamp)
sig=$(printf '%s.%s.%s' "$id" "$ts" "$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(printf '%s' "${SECRET#whsec_}" | base64 -d | xxd -p -c 256)" -binary | base64)
forge() { curl -s -X POST "$RECV/forge" -d "$(jq -nc --arg b "$1" --arg i "$2" --arg t "$3" --arg s "$4" '{body:$b, headers:{"webhook-id":$i,"webhook-timestamp":$t,"webhook-signature":$s}}')" | jq -r .verdict; }
eq "a signature made with openssl (the recipe of docs/API.md) is MRB's: a replay of a delivered id" "$(forge "$body" "$id" "$ts" "v1,$sig")" duplicate
match "a wrong signature is refused" "$(forge "$body" "$id" "$ts" "v1,AAAA$sig")" '^refused'
match "a body changed by one byte is refused" "$(forge "$body " "$id" "$ts" "v1,$sig")" '^refused'
old=$((ts - 3600))
osig=$(printf '%s.%s.%s' "$id" "$old" "$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(printf '%s' "${SECRET#whsec_}" | base64 -d | xxd -p -c 256)" -binary | base64)
match "a timestamp an hour old is refused, though signed right" "$(forge "$body" "$id" "$old" "v1,$osig")" '^refused.*'

# --- chaos: never lost, in order, duplicates carry the same id ---------------------
burst() { # burst N NAME: N rooms created, ids in $TMP/NAME
  : >"$TMP/$2"
  for i in $(seq 1 "$1"); do create_room "{\"roomNm\":\"events: $2 $i\"}"; echo "$ROOM" >>"$TMP/$2"; done
}
all_created() { # all_created FILE: every room of FILE has its room.created
  local want got
  want=$(sort -u "$1" | wc -l)
  got=$(log_json | jq -r '.events[] | select(.body.type == "room.created") | .body.data.roomId' | sort -u | grep -cxFf "$1")
  [ "$got" -eq "$want" ]
}
# behind_due: pending deliveries due by time although an earlier one of
# their stream is still pending. A round must not read them: each is a
# NOT EXISTS probe, every 0.1 s, for as long as the endpoint is down.
behind_due() {
  sql "SELECT COUNT(*) FROM event_deliveries d WHERE d.state = 'pending' AND d.next_ms <= $(date +%s%3N)
       AND EXISTS (SELECT 1 FROM event_deliveries p WHERE p.endpoint = d.endpoint AND p.stream = d.stream
                   AND p.state = 'pending' AND p.seq < d.seq)"
}
all_ended() { # all_ended FILE: every room of FILE has its room.ended
  [ "$(log_json | jq -r '.events[] | select(.body.type == "room.ended") | .body.data.roomId' | sort -u | grep -cxFf "$1")" -eq "$(sort -u "$1" | wc -l)" ]
}
mode '{"mode":"fail","status":500}'
before=$(log_json | jq .attempts)
burst 5 failing
while read -r r; do post room-end "{\"roomId\":\"$r\"}" -H "Authorization: Bearer $HOST"; done <"$TMP/failing"
sleep 3
eq "the receiver answers 500: nothing of the 5 new rooms is accepted" "$(log_json | jq -r '.events[] | .body.data.roomId' | grep -cxFf "$TMP/failing")" 0
check "...but the sender kept trying" test "$(log_json | jq .attempts)" -gt "$before"
check "...the events wait in the outbox (mrb_events_pending > 0)" metric_gt 'mrb_events_pending{endpoint="default"}' 0
eq "...each room's room.ended waits behind its room.created, not due (a round reads each room's first only)" "$(behind_due)" 0
mode '{"mode":"ok"}'
check "the receiver recovers: all 5 arrive (backoff: within 15 s)" wait_for 15 all_created "$TMP/failing"
check "...and their room.ended after them" wait_for 10 all_ended "$TMP/failing"

mode '{"mode":"slow","ms":3000}'
burst 3 slow
sleep 4
mode '{"mode":"ok"}'
check "answers later than [notify] timeout_ms: all 3 arrive" wait_for 15 all_created "$TMP/slow"
check "...and the sender, not having heard, sent the same webhook-id again (a duplicate, dropped)" \
  bash -c "[ \"\$(curl -s $RECV/log | jq '.duplicates | length')\" -ge 1 ]"
eq "...every duplicate carries the id of an event already accepted" \
  "$(log_json | jq '[.duplicates[] as $d | select([.events[].id] | index($d) | not)] | length')" 0

mode '{"mode":"hang","ms":4000}'
burst 2 hung
sleep 3
mode '{"mode":"ok"}'
check "the receiver hangs and answers nothing: both arrive afterwards" wait_for 20 all_created "$TMP/hung"

burst 30 killed &
BP=$!
sleep 0.5
"$ROOT/scripts/stack.sh" notify-stop KILL >/dev/null 2>&1
wait "$BP"
sleep 1
pending=$(sql "SELECT (SELECT COUNT(*) FROM events_outbox WHERE fanned = 0) + (SELECT COUNT(*) FROM event_deliveries WHERE state = 'pending')")
echo "       ($pending events waiting (not fanned out, or pending) while mrb-notify is dead)"
"$ROOT/scripts/stack.sh" notify-start >/dev/null 2>&1
check "mrb-notify SIGKILLed mid-burst and restarted: all 30 rooms' room.created arrive" wait_for 20 all_created "$TMP/killed"
eq "...and no waiting delivery is due" "$(behind_due)" 0
printf '%s\n' "$R" "$OP" "$EX" "$M" >"$TMP/ours"
cat "$TMP/failing" "$TMP/slow" "$TMP/hung" "$TMP/killed" >>"$TMP/ours"
all_rooms_in_order() { # every room this test made: seq 1, 2, 3... in arrival order
  log_json | jq -r '.events[] | select(.body.data.roomId != null) | "\(.body.data.roomId) \(.body.data.seq)"' |
    grep -Ff "$TMP/ours" |
    awk '{ if (($1 in last) && $2 != last[$1] + 1) bad++; if (!($1 in last) && $2 != 1) bad++; last[$1] = $2 } END { exit bad > 0 }'
}
check "for every room, the receiver got seq 1, 2, 3... with no gap and none out of order" all_rooms_in_order
eq "no delivery was ever rejected" "$(log_json | jq '.rejected | length')" 0
check "every event id was accepted once (duplicates dropped, never recorded twice)" \
  bash -c "[ \"\$(curl -s $RECV/log | jq '[.events[].id] | length')\" = \"\$(curl -s $RECV/log | jq '[.events[].id] | unique | length')\" ]"

# --- failed after the retry period, listed, replayed ------------------------------
failed0=$(metric 'mrb_events_failed_total{endpoint="default"}')
mode '{"mode":"fail","status":503}'
create_room '{"roomNm":"events: doomed"}'; D=$ROOM
sleep 1
sql "UPDATE events_outbox SET created_ms = created_ms - 3601000 WHERE room_id = '$D'"
doomed() { [ "$(sql "SELECT COUNT(*) FROM event_deliveries d JOIN events_outbox o ON o.id = d.event_id WHERE o.room_id = '$D' AND d.state = 'failed'")" -ge 1 ]; }
check "an event still undelivered after retry_for is failed" wait_for 20 doomed
check "...counted in mrb_events_failed_total" wait_for 5 bash -c "[ \"\$(curl -s $BASE/metrics | awk '\$1 == \"mrb_events_failed_total{endpoint=\\\"default\\\"}\" {print \$2}')\" -gt ${failed0:-0} ]"
match "...mrbctl events list --failed shows it, with its last error" "$("$MRBCTL" events list --failed --room "$D")" "room.created .*failed .*HTTP 503"
mode '{"mode":"ok"}'
dup0=$(log_json | jq '.duplicates | length')
out=$("$MRBCTL" events replay --since 62m); rc=$?   # the doomed event is an hour old
eq "mrbctl events replay --since 62m -> exit 0" "$rc" 0
match "...says how many" "$out" "^[0-9]+ deliver(y is|ies are) pending again"
eq "...of those pending again, only each room's first is due" "$(behind_due)" 0
check "...the failed event arrives now" wait_for 15 bash -c "[ \"\$(curl -s $RECV/log | jq --arg r $D '[.events[] | select(.body.data.roomId == \$r)] | length')\" -ge 1 ]"
check "...and the ones already delivered come again with their own ids (dropped as duplicates)" \
  wait_for 15 bash -c "[ \"\$(curl -s $RECV/log | jq '.duplicates | length')\" -gt $dup0 ]"
"$MRBCTL" events replay >/dev/null 2>&1; eq "replay without --since -> exit 2" "$?" 2
"$MRBCTL" events replay --since yesterday >/dev/null 2>&1; eq "replay --since yesterday -> exit 2" "$?" 2
"$MRBCTL" events replay --since 1m --endpoint nosuch >/dev/null 2>&1; eq "replay to an unknown endpoint -> exit 1" "$?" 1
match "mrbctl events list --room shows a room's events, delivered" "$("$MRBCTL" events list --room "$R")" "room.ended .*default +delivered"

# --- metrics and latency ---------------------------------------------------------
m=$(curl -s "$BASE/metrics")
match "/mrb/metrics: delivered counter" "$m" 'mrb_events_delivered_total\{endpoint="default"\} [1-9]'
match "...delivery latency quantiles" "$m" 'mrb_event_delivery_seconds\{quantile="0.99"\} [0-9.]+'
# latency on the quiet path: the first four rooms' events (no chaos, no replay)
lat=$(log_json | jq --arg a "$R" --arg b "$OP" --arg c "$EX" --arg d "$M" '[.events[] | select(.body.data.roomId == $a or .body.data.roomId == $b or .body.data.roomId == $c or .body.data.roomId == $d) | .receivedMs - ((.body.timestamp | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) * 1000 + (.body.timestamp | capture("\\.(?<ms>[0-9]+)Z$").ms | tonumber))] | sort')
echo "       (commit to receipt, quiet path: p50 $(printf '%s' "$lat" | jq '.[(length - 1) / 2 | floor]') ms, max $(printf '%s' "$lat" | jq '.[-1]') ms over $(printf '%s' "$lat" | jq length) events)"
# every body delivered in this test, for t_openapi (it validates each against docs/openapi.yaml's webhooks)
log_json >"$ROOT/run/notify-delivered.json"
check "...half of them within 1 s of their commit (the target; the bench measures it under load)" \
  test "$(printf '%s' "$lat" | jq '.[(length - 1) / 2 | floor]')" -le 1000
finish
