#!/usr/bin/env bash
# The truth of a room: seats and presence stay right through reloads, moves,
# crashes and stale copies, and nobody is in a room without a seat. Each
# case is one ordinary sequence, played with signalling-level Janus clients
# (session, attach with the opaqueId join-room gave, join with the key).
. "$(dirname "$0")/lib.sh"
# mrb-health runs here by hand, where a case needs it.
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1
restore() {
  sql "UPDATE servers SET state='enabled', healthy=1, fail_count=0 WHERE id IN ('janus-a','janus-b')"
  "$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1
}
trap 'restore; rm -rf "$TMP"' EXIT
GRACE=$(conf_get "$CONF" rooms seat_grace); GRACE=${GRACE:-60}
HOST=$(host_token alice)

join() { post join-room "{\"roomId\":\"$1\",\"roomKey\":\"$2\",\"userId\":\"$3\"}"; }
status() { post room-status "{\"roomId\":\"$1\"}" -H "Authorization: Bearer $HOST"; }
people() { status "$1"; jqr '.data.participants | length'; }
people_is() { [ "$(people "$1")" = "$2" ]; }
# jlist SERVER ROOM [PLUGIN]: how many participants Janus itself lists
jlist() {
  janus_admin "$1" "{\"request\":\"listparticipants\",\"room\":\"$2\"}" ${3:+"$3"} | jq -r '.response.participants | length'
}
jlist_is() { [ "$(jlist "$1" "$2" ${4:+"$4"})" = "$3" ]; }
end_session() { janus_post "$1/$2" "{\"janus\":\"destroy\",\"transaction\":\"d\",\"token\":\"$3\"}" >/dev/null; }
seat() { sql "SELECT CONCAT(connected, ':', held_until - UNIX_TIMESTAMP() > 0) FROM seats WHERE room_id='$1' AND user_id='$2'"; }
server_of() { sql "SELECT server_id FROM rooms WHERE id='$1'"; }
other_than() { [ "$1" = janus-a ] && echo janus-b || echo janus-a; }
stale_before=$(metric 'mrb_webhook_events_total{type="stale"}')

# ---- 1. a reload, in an audio room and in a video room, in both event orders ----
for type in audio video; do
  plugin=audiobridge; [ $type = video ] && plugin=videoroom
  for order in new-first old-first; do
    T="$type reload ($order)"
    create_room "{\"roomNm\":\"$type reload\",\"roomKey\":\"1111\",\"maxParticipants\":2,\"roomType\":\"$type\"}"; R=$ROOM
    join "$R" 1111 alice; URL=$(jqr .data.server); TOK=$(jqr .data.token); OP=$(jqr .data.opaqueId)
    JANUS_PLUGIN=$plugin janus_join "$URL" "$TOK" "$R" 1111 Alice "$OP"; OLD=$JSID
    check "$T: alice in the room" wait_for 2 people_is "$R" 1
    join "$R" 1111 alice; eq "$T: the same seat again" "$(jqr .data.opaqueId)" "$OP"
    if [ "$order" = new-first ]; then
      JANUS_PLUGIN=$plugin janus_join "$URL" "$TOK" "$R" 1111 Alice "$OP"
      if [ $type = audio ]; then  # VideoRoom lets a seat keep a second handle (a screen)
        check "$T: the older handle is kicked, one handle per seat" wait_for 2 jlist_is "$SERVER" "$R" 1
      else
        sleep 0.5
      fi
      end_session "$URL" "$OLD" "$TOK"
    else
      end_session "$URL" "$OLD" "$TOK"
      check "$T: her old handle's leaving seen" wait_for 2 people_is "$R" 0
      eq "$T: the seat is held, not freed" "$(seat "$R" alice)" "0:1"
      JANUS_PLUGIN=$plugin janus_join "$URL" "$TOK" "$R" 1111 Alice "$OP"
    fi
    check "$T: alice listed once" wait_for 2 people_is "$R" 1
    sleep 0.5
    eq "$T: her seat is connected" "$(seat "$R" alice)" "1:1"
    join "$R" 1111 bob; eq "$T: bob takes the second seat" "$STATUS" 200
    join "$R" 1111 carol; eq "$T: carol refused, the room is full" "$STATUS/$(jqr .code)" 409/107
  done
done

# ---- 3. panic; both rejoin on the new server; then their old sessions end ----
create_room '{"roomNm":"panic","roomKey":"3333","maxParticipants":2}'; R=$ROOM; A=$SERVER; B=$(other_than "$A")
declare -A OLDS OLDURL
for u in alice bob; do
  join "$R" 3333 $u; OLDURL[$u]=$(jqr .data.server); TOK_A=$(jqr .data.token)
  janus_join "${OLDURL[$u]}" "$TOK_A" "$R" 3333 "$u" "$(jqr .data.opaqueId)"; OLDS[$u]=$JSID
done
check "panic: both in the room on $A" wait_for 2 people_is "$R" 2
"$MRBCTL" server panic "$A" >/dev/null 2>&1
eq "panic: the room now lives on $B" "$(server_of "$R")" "$B"
eq "panic: nobody is listed the moment it moved" "$(people "$R")" 0
eq "panic: alice's seat held for her" "$(seat "$R" alice)" "0:1"
for u in alice bob; do
  join "$R" 3333 $u; eq "panic: $u back in (same userId)" "$STATUS" 200
  janus_join "$(jqr .data.server)" "$(jqr .data.token)" "$R" 3333 "$u" "$(jqr .data.opaqueId)"
done
check "panic: both listed again, on $B" wait_for 2 people_is "$R" 2
for u in alice bob; do end_session "${OLDURL[$u]}" "${OLDS[$u]}" "$TOK_A"; done
sleep 1.5
eq "panic: the old server's left events changed nothing" "$(people "$R")" 2
eq "panic: alice's seat still connected" "$(seat "$R" alice)" "1:1"
join "$R" 3333 carol; eq "panic: carol refused, the room is full" "$STATUS/$(jqr .code)" 409/107
check "panic: the events were counted as stale" metric_gt 'mrb_webhook_events_total{type="stale"}' "$stale_before"
eq "panic: the old copy on $A was destroyed at once ($A answers: its people heard it)" "$(room_exists_on "$A" "$R")" false
eq "panic: and no record is left for later" "$(sql "SELECT COUNT(*) FROM stale_copies WHERE room_id='$R'")" 0
eq "panic: the room itself lives on" "$(room_exists_on "$B" "$R")" true
# a copy the move could not destroy (its server did not answer then) stays
# recorded, and mrb-health destroys it once the server answers
janus_admin "$A" "{\"request\":\"create\",\"room\":\"$R\",\"secret\":\"leftover-secret\"}" >/dev/null
sql "INSERT INTO stale_copies (room_id, server_id, room_type, secret, since) VALUES ('$R', '$A', 'audio', 'leftover-secret', UNIX_TIMESTAMP())"
sql "UPDATE servers SET state='enabled' WHERE id='$A'"
"$ROOT/cron/mrb-health" --once >/dev/null 2>&1
eq "panic: mrb-health destroyed a recorded old copy once $A answered" "$(room_exists_on "$A" "$R")" false
eq "panic: and forgot the record" "$(sql "SELECT COUNT(*) FROM stale_copies WHERE room_id='$R'")" 0
eq "panic: the room itself lives on" "$(room_exists_on "$B" "$R")" true

# ---- 4. a room moved back onto an old copy of itself after a key change ----
create_room '{"roomNm":"round trip","roomKey":"4444","maxParticipants":3}'; R=$ROOM; A=$SERVER; B=$(other_than "$A")
# $A's Admin API out of reach during the panic (its admin URL pointed at a
# closed port): the move cannot destroy its old copy
ADM_A=$(sql "SELECT admin_url FROM servers WHERE id='$A'")
sql "UPDATE servers SET admin_url='http://127.0.0.1:1/admin' WHERE id='$A'"
"$MRBCTL" server panic "$A" >/dev/null 2>&1
sql "UPDATE servers SET admin_url='$ADM_A' WHERE id='$A'"
eq "round trip: moved to $B" "$(server_of "$R")" "$B"
eq "round trip: the old copy is still on $A (it did not answer the destroy)" "$(room_exists_on "$A" "$R")" true
post room-edit "{\"roomId\":\"$R\",\"roomKey\":\"5555\"}" -H "Authorization: Bearer $HOST"
eq "round trip: key changed" "$STATUS" 200
sql "UPDATE servers SET state='enabled' WHERE id='$A'"
"$MRBCTL" server panic "$B" >/dev/null 2>&1
eq "round trip: moved back onto $A" "$(server_of "$R")" "$A"
eq "round trip: the copy on $A is the room now (no record to destroy it)" \
  "$(sql "SELECT COUNT(*) FROM stale_copies WHERE room_id='$R' AND server_id='$A'")" 0
join "$R" 5555 dave; URL=$(jqr .data.server); TOK=$(jqr .data.token); OP=$(jqr .data.opaqueId)
check "round trip: Janus on $A takes the new key" janus_join "$URL" "$TOK" "$R" 5555 Dave "$OP"
if janus_join "$URL" "$TOK" "$R" 4444 Eve "$OP"; then not_ok "round trip: and refuses the revoked one" "joined with 4444"
else ok "round trip: and refuses the revoked one"; fi
sql "UPDATE servers SET state='enabled' WHERE id='$B'"

# ---- 5. a server posting events about a room that lives elsewhere ----
create_room '{"roomNm":"foreign","roomKey":"6666","maxParticipants":2}'; R=$ROOM; A=$SERVER; B=$(other_than "$A")
join "$R" 6666 alice; janus_join "$(jqr .data.server)" "$(jqr .data.token)" "$R" 6666 Alice "$(jqr .data.opaqueId)"; PID=$JPID
check "foreign: alice in the room on $A" wait_for 2 people_is "$R" 1
before=$(metric 'mrb_webhook_events_total{type="stale"}')
ev="[{\"emitter\":\"$B\",\"type\":64,\"timestamp\":1,\"event\":{\"plugin\":\"janus.plugin.audiobridge\",\"data\":{\"event\":\"left\",\"room\":\"$R\",\"id\":\"$PID\"}}},
     {\"emitter\":\"$B\",\"type\":64,\"timestamp\":2,\"event\":{\"plugin\":\"janus.plugin.audiobridge\",\"data\":{\"event\":\"destroyed\",\"room\":\"$R\"}}}]"
post event-webhook "$ev" -u "$(hook_cred "$B")"
eq "foreign: $B's events about $A's room are accepted (200)" "$STATUS" 200
eq "foreign: alice still listed" "$(people "$R")" 1
eq "foreign: her seat untouched" "$(seat "$R" alice)" "1:1"
eq "foreign: the room's seat count untouched" "$(sql "SELECT seats_taken FROM rooms WHERE id='$R'")" 1
eq "foreign: both counted as stale" "$(metric 'mrb_webhook_events_total{type="stale"}')" "$((before + 2))"

# ---- 6. an admitted guest's grant used by extra handles ----
create_room '{"roomNm":"grant","roomKey":"7777","maxParticipants":2}'; R=$ROOM; A=$SERVER
join "$R" 7777 alice; URL=$(jqr .data.server); TOK=$(jqr .data.token)
janus_join "$URL" "$TOK" "$R" 7777 Alice "$(jqr .data.opaqueId)"
check "grant: alice in the room" wait_for 2 people_is "$R" 1
intr_before=$(metric 'mrb_intruders_total{plugin="audiobridge"}')
for i in 1 2 3; do janus_join "$URL" "$TOK" "$R" 7777 "Crasher $i" "made-up-$i-$RANDOM" & done; wait
t0=$(date +%s%N)
check "grant: the 3 extra handles are out within 1 s" wait_ms 1000 jlist_is "$A" "$R" 1
echo "       (Janus lists 1 after $(( ($(date +%s%N) - t0) / 1000000 )) ms from the last join)"
eq "grant: room-status never listed them" "$(people "$R")" 1
eq "grant: counted as intruders" "$(metric 'mrb_intruders_total{plugin="audiobridge"}')" "$((intr_before + 3))"
join "$R" 7777 bob; eq "grant: MRB's own second guest still gets the second seat" "$STATUS" 200
janus_join "$(jqr .data.server)" "$(jqr .data.token)" "$R" 7777 Bob "$(jqr .data.opaqueId)"
join "$R" 7777 carol; eq "grant: and the next one is refused" "$STATUS/$(jqr .code)" 409/107
check "grant: Janus lists only the two seat holders" wait_for 2 jlist_is "$A" "$R" 2
# a guest shut out by a key change cannot guess the new key at the media server
create_room '{"roomNm":"rekey","roomKey":"8888","maxParticipants":3}'; R=$ROOM; A=$SERVER
join "$R" 8888 mallory; URL=$(jqr .data.server); TOK=$(jqr .data.token); OPM=$(jqr .data.opaqueId)
post room-edit "{\"roomId\":\"$R\",\"roomKey\":\"9999\"}" -H "Authorization: Bearer $HOST"
eq "rekey: the key change revoked her unconnected seat" "$(sql "SELECT COUNT(*) FROM seats WHERE room_id='$R'")" 0
janus_join "$URL" "$TOK" "$R" 9999 Mallory "$OPM"
check "rekey: the guessed new key at Janus gets her nowhere (kicked within 1 s)" wait_ms 1000 jlist_is "$A" "$R" 0
eq "rekey: never listed" "$(people "$R")" 0

# ---- 7. SIGKILL: members who never come back, and members who do ----
create_room '{"roomNm":"ghosts","roomKey":"1212","maxParticipants":2}'; G=$ROOM; A=$SERVER; B=$(other_than "$A")
sql "UPDATE servers SET state='disabled' WHERE id='$B'"
create_room '{"roomNm":"returners","roomKey":"3434","maxParticipants":2}'; RT=$ROOM
sql "UPDATE servers SET state='enabled' WHERE id='$B'"
eq "sigkill: both rooms on $A" "$(server_of "$RT")" "$A"
for r in "$G:1212" "$RT:3434"; do
  for u in alice bob; do
    join "${r%%:*}" "${r##*:}" $u
    janus_join "$(jqr .data.server)" "$(jqr .data.token)" "${r%%:*}" "${r##*:}" "$u" "$(jqr .data.opaqueId)"
  done
done
check "sigkill: two members in each room" wait_for 2 people_is "$RT" 2
"$ROOT/scripts/stack.sh" janus-stop "$A" KILL >/dev/null
threshold=$(conf_get "$CONF" health fail_threshold); threshold=${threshold:-3}
for _ in $(seq 1 "$threshold"); do "$ROOT/cron/mrb-health" --once >/dev/null 2>&1; done
eq "sigkill: the rooms moved to $B" "$(server_of "$G") $(server_of "$RT")" "$B $B"
eq "sigkill: no ghost in room-status" "$(people "$G")" 0
eq "sigkill: their seats are unconnected, held for the grace" "$(seat "$G" alice) $(seat "$G" bob)" "0:1 0:1"
for u in alice bob; do
  join "$RT" 3434 $u; eq "sigkill: $u comes back on their seat" "$STATUS" 200
  janus_join "$(jqr .data.server)" "$(jqr .data.token)" "$RT" 3434 "$u" "$(jqr .data.opaqueId)"
done
check "sigkill: the returners are listed on $B" wait_for 2 people_is "$RT" 2
join "$RT" 3434 carol; eq "sigkill: nobody else gets into the returners' room" "$STATUS/$(jqr .code)" 409/107
join "$G" 1212 carol; eq "sigkill: the ghosts' room refuses while their grace runs" "$STATUS/$(jqr .code)" 409/107
sql "UPDATE seats SET held_until = UNIX_TIMESTAMP() - 1 WHERE room_id='$G'"
join "$G" 1212 carol; eq "sigkill: once their grace lapsed, someone else gets in" "$STATUS" 200
"$ROOT/scripts/stack.sh" janus-start "$A" >/dev/null
check "sigkill: $A back" wait_for 15 db_is "SELECT healthy FROM servers WHERE id='$A'" 1

# ---- 8. MRB converges with Janus when events are lost ----
create_room '{"roomNm":"lost events","roomKey":"7878","maxParticipants":3}'; R=$ROOM; A=$SERVER
for u in alice bob; do
  join "$R" 7878 $u; URL=$(jqr .data.server); TOK=$(jqr .data.token)
  janus_join "$URL" "$TOK" "$R" 7878 "$u" "$(jqr .data.opaqueId)"; eval "SID_$u=\$JSID; PID_$u=\$JPID"
done
check "lost events: two in the room" wait_for 2 people_is "$R" 2
# bob's "joined" was lost: MRB does not know his handle; a ghost's "left" was
# lost: MRB holds a participant Janus does not have
sql "DELETE FROM participants WHERE room_id='$R' AND participant_id='$PID_bob'"
join "$R" 7878 ghost
sql "INSERT INTO participants (room_id, participant_id, server_id, display, opaque_id, user_id, joined_at)
     SELECT '$R', '999999', '$A', 'ghost', opaque_id, user_id, UNIX_TIMESTAMP() FROM seats WHERE room_id='$R' AND user_id='ghost';
     UPDATE seats SET connected = 1 WHERE room_id='$R' AND user_id='ghost'"
eq "lost events: MRB lists alice and the ghost" "$(people "$R")" 2
repairs_before=$(metric 'mrb_presence_repairs_total{repair="gone"}')
"$ROOT/cron/mrb-health" --once >/dev/null 2>&1
eq "lost events: one poll later the ghost is gone" "$(people "$R")" 1
eq "lost events: its seat is held for the grace, not connected" "$(seat "$R" ghost)" "0:1"
check "lost events: counted" metric_gt 'mrb_presence_repairs_total{repair="gone"}' "$repairs_before"
eq "lost events: the unknown handle is only a suspect after one poll" "$(jlist "$A" "$R")" 2
"$ROOT/cron/mrb-health" --once >/dev/null 2>&1
check "lost events: still unknown at the next poll: kicked" wait_ms 1000 jlist_is "$A" "$R" 1
eq "lost events: MRB and Janus agree" "$(people "$R")/$(jlist "$A" "$R")" 1/1

# ---- 9. hosts are named; a long userId gets TURN credentials ----
U=$(printf '😀%.0s' $(seq 1 64))
create_room '{"roomNm":"long names","roomKey":"5656"}'
join "$ROOM" 5656 "$U"; eq "a 64-character, 256-byte userId is admitted" "$STATUS" 200
match "...with TURN credentials for it" "$(jqr '.data.ice[] | select(.username) | .username')" ":$U\$"
finish
