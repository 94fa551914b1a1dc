#!/usr/bin/env bash
# Placement for real fleets (lib/place.c): booked capacity (a room's unfilled
# seats count on its server until people take them, an empty room past
# [score] booking_hold or an ended one stops counting), regions (preferred,
# or required with "!"), tags (all required), moves that keep to both, an
# over-limit placement counted, and where it all shows: create-room's
# answer, mrbctl status and room list, /mrb/metrics (headroom per region,
# empty servers). The dev config puts janus-a in eu-west with tags
# recording and sip, janus-b in us-east with recording. The scheduler is
# stopped so that no poll rescores the servers mid-case; each case makes
# the servers' metrics fresh and their stored scores level first.
. "$(dirname "$0")/lib.sh"
A=janus-a; B=janus-b
SEAT=$(conf_get "$CONF" score seat || echo 0.15); SEAT=${SEAT%% *}
cleanup() {
  sql "UPDATE servers SET state = 'enabled', healthy = 1 WHERE id IN ('$A', '$B')"
  "$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1
sql "UPDATE servers SET state = 'enabled', healthy = 1, suspect_until = NULL WHERE id IN ('$A', '$B')"
level() { # both fresh, the same stored score, nothing pending
  sql "UPDATE servers SET metrics_at = UNIX_TIMESTAMP(), score = ${1:-30}, pending_load = 0, pending_egress_kbps = 0
       WHERE id IN ('$A', '$B')"
}
booked() { metric "mrb_server_booked_seats{server=\"$1\"}"; }
server_of() { sql "SELECT server_id FROM rooms WHERE id = '$1'"; }
only_on() { # only_on SERVER JSON: a room created there (the other disabled meanwhile)
  local other=$A; [ "$1" = "$A" ] && other=$B
  sql "UPDATE servers SET state = 'disabled' WHERE id = '$other'"
  create_room "$2"
  sql "UPDATE servers SET state = 'enabled' WHERE id = '$other'"
}

# --- booked capacity -----------------------------------------------------
no_bookings
level
BOOKED_B=()
for i in 1 2 3 4 5 6 7 8 9 10; do only_on "$B" "{\"roomNm\":\"booked b $i\",\"roomKey\":\"2468\",\"maxParticipants\":10}"; BOOKED_B+=("$ROOM"); done
eq "10 rooms of 10 booked on $B, nobody in them: 100 seats booked" "$(booked "$B")" 100
eq "...none on $A" "$(booked "$A")" 0
level
sql "UPDATE servers SET score = 31 WHERE id = '$A'"   # $B's measured load is the lower one
a=0; b=0
for i in $(seq 1 20); do
  sql "UPDATE servers SET metrics_at = UNIX_TIMESTAMP() WHERE id IN ('$A', '$B')"
  create_room "{\"roomNm\":\"at the hour $i\"}"
  [ "$SERVER" = "$A" ] && a=$((a + 1)); [ "$SERVER" = "$B" ] && b=$((b + 1))
done
echo "       ($A's score 31, $B's 30; $B holds 100 booked seats = $(awk "BEGIN{print 100 * $SEAT}") of load, each new room books 2 = $(awk "BEGIN{print 2 * $SEAT}"))"
eq "the next 20 bookings all go to $A, though $B measures less: its booked seats count before anyone arrives ($a/$b)" "$a/$b" 20/0
for i in 1 2 3 4 5 6 7 8 9 10; do
  post join-room "{\"roomId\":\"${BOOKED_B[0]}\",\"roomKey\":\"2468\",\"userId\":\"p$i\"}"
done
eq "10 people take the seats of one room: its booking gives way to them (no double count)" "$(booked "$B")" 90
sql "UPDATE rooms SET created_at = created_at - $(conf_get "$CONF" score booking_hold 2>/dev/null || echo 21600) - 1 WHERE id = '${BOOKED_B[1]}'"
eq "an empty room older than booking_hold books nothing" "$(booked "$B")" 80
"$MRBCTL" room end "${BOOKED_B[2]}" >/dev/null 2>&1
eq "an ended room books nothing" "$(booked "$B")" 70
sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE id = '${BOOKED_B[3]}'"
eq "an expired room books nothing" "$(booked "$B")" 60
"$MRBCTL" room end "${BOOKED_B[3]}" >/dev/null 2>&1

create_room '{"roomNm":"expected","maxParticipants":10,"expectedParticipants":4}'; E=$ROOM
eq "expectedParticipants 4 of 10 -> 201, the answer says so" "$STATUS/$(jqr .data.expectedParticipants)/$(jqr .data.maxParticipants)" "201/4/10"
eq "...and it books 4" "$(sql "SELECT booked FROM rooms WHERE id = '$E'")" 4
create_room '{"roomNm":"default expected","maxParticipants":3}'
eq "without it, a room books its maxParticipants" "$(jqr .data.expectedParticipants)" 3
create_room '{"roomNm":"too many","maxParticipants":4,"expectedParticipants":5}'
eq "expectedParticipants over maxParticipants -> 400" "$STATUS/$(jqr .message)" "400/expectedParticipants must be at most maxParticipants (4)"
create_room '{"roomNm":"zero","expectedParticipants":0}'
eq "expectedParticipants 0 -> 400" "$STATUS" 400
# a move carries the booking with the room: the rooms table is the truth
sql "UPDATE servers SET healthy = 0 WHERE id = '$B'"
before_a=$(booked "$A")
post join-room "{\"roomId\":\"${BOOKED_B[4]}\",\"roomKey\":\"2468\",\"userId\":\"mover\"}"
eq "a join moves an empty booked room off $B (down) to $A" "$STATUS/$(server_of "${BOOKED_B[4]}")" "200/$A"
eq "...its booking moves with it (10 booked, 1 taken by the join)" "$(booked "$A")" $((before_a + 9))
sql "UPDATE servers SET healthy = 1 WHERE id = '$B'"
for r in "${BOOKED_B[@]}"; do "$MRBCTL" room end "$r" >/dev/null 2>&1; done

# --- bookings have a time: [startsAt, expiresAt) --------------------------
no_bookings
level
sql "UPDATE servers SET score = 31 WHERE id = '$A'"
LATER=$(date -u -d '+3 hours' +%Y-%m-%dT%H:%M:%SZ); THEN=$(date -u -d '+3 hours 10 minutes' +%Y-%m-%dT%H:%M:%SZ)
LATE_ROOMS=()
for i in 1 2 3 4 5; do
  only_on "$B" "{\"roomNm\":\"later $i\",\"maxParticipants\":10,\"ttlSeconds\":18000,\"startsAt\":\"$LATER\"}"
  LATE_ROOMS+=("$ROOM")
done
eq "5 rooms of 10 booked on $B for 3 hours from now: startsAt in the answer" "$(jqr .data.startsAt)" "$LATER"
eq "...not in the coming hour's bookings (metrics, status)" "$(booked "$B")" 0
sql "UPDATE servers SET metrics_at = UNIX_TIMESTAMP() WHERE id IN ('$A', '$B')"
create_room '{"roomNm":"for now"}'; NOW_ROOM=$ROOM
eq "a room for now goes to $B, which measures less: the afternoon's bookings do not fill the morning" "$SERVER" "$B"
sql "UPDATE servers SET metrics_at = UNIX_TIMESTAMP() WHERE id IN ('$A', '$B')"
create_room "{\"roomNm\":\"for then\",\"ttlSeconds\":18000,\"startsAt\":\"$THEN\"}"
eq "a room for the same afternoon goes to $A: there the 50 seats count" "$SERVER" "$A"
for r in "${LATE_ROOMS[@]}" "$NOW_ROOM" "$ROOM"; do "$MRBCTL" room end "$r" >/dev/null 2>&1; done
create_room '{"roomNm":"bad start","startsAt":"tomorrow at two, say"}'
eq "startsAt not RFC 3339 -> 400" "$STATUS/$(jqr .message)" "400/startsAt must be an RFC 3339 time such as 2026-12-04T14:00:00Z"
create_room "{\"roomNm\":\"past start\",\"startsAt\":\"$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)\"}"
eq "startsAt an hour ago -> 400" "$STATUS/$(jqr .message)" "400/startsAt must not be in the past"
create_room "{\"roomNm\":\"late start\",\"ttlSeconds\":600,\"startsAt\":\"$LATER\"}"
eq "startsAt after the room's expiry -> 400" "$STATUS" 400

# --- regions -------------------------------------------------------------
level
create_room '{"roomNm":"in us-east","region":"us-east"}'
eq "region us-east (preferred) -> $B, and the answer names the region" "$STATUS/$SERVER/$(jqr .data.region)" "201/$B/us-east"
create_room '{"roomNm":"in eu-west","region":"eu-west"}'
eq "region eu-west -> $A" "$SERVER/$(jqr .data.region)" "$A/eu-west"
create_room '{"roomNm":"nowhere","region":"ap-south"}'
eq "a preferred region no server is in -> placed elsewhere (201)" "$STATUS" 201
create_room '{"roomNm":"required nowhere","region":"!ap-south"}'
eq "a required region no server is in -> 503 naming it" "$STATUS/$(jqr .message)" \
  "503/no media server in region ap-south can take the room (the region is required: \"!ap-south\")"
for bad in '"EU"' '"!"' '""' '"eu west"' '7' '"!!eu"'; do
  create_room "{\"roomNm\":\"bad region\",\"region\":$bad}"
  eq "region $bad -> 400" "$STATUS" 400
done
sql "UPDATE servers SET state = 'disabled' WHERE id = '$B'"
create_room '{"roomNm":"us-east, b off","region":"us-east"}'
eq "$B disabled: region us-east (preferred) falls back to $A" "$STATUS/$SERVER" "201/$A"
create_room '{"roomNm":"!us-east, b off","region":"!us-east"}'
eq "...and !us-east (required) -> 503" "$STATUS" 503
sql "UPDATE servers SET state = 'enabled' WHERE id = '$B'"
# a full server: the preferred region's only server is at the limit
LIMIT=$(conf_get "$CONF" score limit 2>/dev/null || echo 100); LIMIT=${LIMIT%% *}
level; sql "UPDATE servers SET score = $LIMIT WHERE id = '$B'"
create_room '{"roomNm":"us-east full","region":"us-east"}'
eq "$B at the limit: region us-east falls back to $A, which has room" "$SERVER" "$A"
over=$(metric mrb_placements_over_limit_total)
create_room '{"roomNm":"!us-east full","region":"!us-east"}'
eq "...!us-east stays in its region, on the full server" "$STATUS/$SERVER" "201/$B"
eq "...counted in mrb_placements_over_limit_total" "$(metric mrb_placements_over_limit_total)" $((over + 1))
level

# --- tags ----------------------------------------------------------------
create_room '{"roomNm":"sip","tags":["sip"]}'
eq "tags [sip] -> $A, the only server with sip; the answer lists them" "$STATUS/$SERVER/$(jqr '.data.tags|join(",")')" "201/$A/sip"
create_room '{"roomNm":"sip rec","tags":["sip","recording","sip"]}'
eq "tags [sip, recording, sip] -> $A, sorted without repeats" "$SERVER/$(jqr '.data.tags|join(",")')" "$A/recording,sip"
create_room '{"roomNm":"gpu","tags":["gpu","sip"]}'
eq "a tag no server has -> 503 naming the tags" "$STATUS/$(jqr .message)" "503/no media server has the tags gpu,sip"
create_room '{"roomNm":"us sip","region":"!us-east","tags":["sip"]}'
eq "!us-east with tags [sip] -> 503 naming both" "$STATUS/$(jqr .message)" "503/no media server in region us-east has the tags sip"
for bad in '"sip"' '["SIP"]' '[""]' '[7]' '["a,b"]' '["a","b","c","d","e","f","g","h","i"]'; do
  create_room "{\"roomNm\":\"bad tags\",\"tags\":$bad}"
  eq "tags $bad -> 400" "$STATUS" 400
done

# --- moves keep to the rules --------------------------------------------
only_on "$A" '{"roomNm":"must stay eu","roomKey":"1357","region":"!eu-west"}'; REQ=$ROOM
only_on "$A" '{"roomNm":"needs sip","roomKey":"1357","tags":["sip"]}'; SIP=$ROOM
only_on "$A" '{"roomNm":"prefers eu","roomKey":"1357","region":"eu-west"}'; PREF=$ROOM
sql "UPDATE servers SET healthy = 0 WHERE id = '$A'"
post join-room "{\"roomId\":\"$REQ\",\"roomKey\":\"1357\"}"
eq "$A down: a room that requires eu-west is not moved out of it (503), it stays mapped to $A" "$STATUS/$(server_of "$REQ")" "503/$A"
post join-room "{\"roomId\":\"$SIP\",\"roomKey\":\"1357\"}"
eq "...nor one that needs sip" "$STATUS/$(server_of "$SIP")" "503/$A"
post join-room "{\"roomId\":\"$PREF\",\"roomKey\":\"1357\"}"
eq "...one that only prefers eu-west moves to $B" "$STATUS/$(server_of "$PREF")" "200/$B"
sql "UPDATE servers SET healthy = 1 WHERE id = '$A'"
post join-room "{\"roomId\":\"$REQ\",\"roomKey\":\"1357\"}"
eq "$A back: the required room is joinable there again" "$STATUS/$(server_of "$REQ")" "200/$A"
for r in "$REQ" "$SIP" "$PREF"; do "$MRBCTL" room end "$r" >/dev/null 2>&1; done

# --- rebalanced at arrival -----------------------------------------------
# A booking placed hours ago on a forecast meets the servers as they are
# when its first person arrives: an empty room whose server is over
# [score] limit now moves to one with room for its people now. The
# second person, the full fleet and a required region leave it where it is.
A_URL=$(server_conf "$A" public_url); B_URL=$(server_conf "$B" public_url)
moved_reason() { sql "SELECT JSON_VALUE(body, '$.data.reason') FROM events_outbox WHERE room_id = '$1' AND type = 'room.moved' ORDER BY seq DESC LIMIT 1"; }
arrivals() { metric "mrb_arrival_moves_total{outcome=\"$1\"}" 2>/dev/null || echo 0; }
no_bookings; level
only_on "$A" '{"roomNm":"booked this morning","roomKey":"1357","maxParticipants":4}'; ARR=$ROOM
sql "UPDATE servers SET score = 99.5 WHERE id = '$A'"   # 99.5 + its 4 seats due now * 0.15 = 100.1
moved0=$(arrivals moved); stayed0=$(arrivals stayed)
post join-room "{\"roomId\":\"$ARR\",\"roomKey\":\"1357\",\"userId\":\"first\"}"
eq "the first person of an empty room on $A, over its limit now (99.5 + 4 due * $SEAT): the answer is $B" \
  "$STATUS/$(jqr .data.server)" "200/$B_URL"
eq "...the room lives on $B now" "$(server_of "$ARR")" "$B"
eq "...its empty copy on $A is destroyed, the copy on $B exists" "$(room_exists_on "$A" "$ARR")/$(room_exists_on "$B" "$ARR")" "false/true"
eq "...room.moved says why: rebalance" "$(moved_reason "$ARR")" rebalance
eq "...the seat was taken once, and kept" "$(sql "SELECT seats_taken FROM rooms WHERE id = '$ARR'")" 1
eq "...counted: mrb_arrival_moves_total{outcome=\"moved\"}" "$(arrivals moved)" $((moved0 + 1))
sql "UPDATE servers SET score = 99.9 WHERE id = '$B'"
post join-room "{\"roomId\":\"$ARR\",\"roomKey\":\"1357\",\"userId\":\"second\"}"
eq "the second person: the room has someone in it, it stays on $B (over its limit or not)" \
  "$STATUS/$(jqr .data.server)/$(server_of "$ARR")" "200/$B_URL/$B"
post join-room "{\"roomId\":\"$ARR\",\"roomKey\":\"1357\",\"userId\":\"first\"}"
eq "...and a reload of the first stays too" "$STATUS/$(server_of "$ARR")" "200/$B"
"$MRBCTL" room end "$ARR" >/dev/null 2>&1
# Everyone arrives on the hour: several first joins at once. Whichever
# took the first seat may move the room, but never from under the others:
# every answer names the server the room lives on, and it is there.
wrong=0
for round in 1 2 3; do
  no_bookings; level
  only_on "$A" '{"roomNm":"on the hour","roomKey":"1357","maxParticipants":8}'; HOUR=$ROOM
  sql "UPDATE servers SET score = 99.5 WHERE id = '$A'"
  for u in 1 2 3 4 5 6; do
    curl -s -o "$TMP/hour$u" -X POST "$BASE/join-room" -H 'Content-Type: application/json' \
      --data-binary "{\"roomId\":\"$HOUR\",\"roomKey\":\"1357\",\"userId\":\"h$u\"}" &
  done
  wait
  lives=$(server_of "$HOUR"); lives_url=$(server_conf "$lives" public_url)
  for u in 1 2 3 4 5 6; do
    [ "$(jq -r .data.server "$TMP/hour$u")" = "$lives_url" ] || wrong=$((wrong + 1))
  done
  [ "$(room_exists_on "$lives" "$HOUR")" = true ] || wrong=$((wrong + 1))
  echo "       (round $round: the room lives on $lives, $(sql "SELECT seats_taken FROM rooms WHERE id = '$HOUR'") seats taken)"
  "$MRBCTL" room end "$HOUR" >/dev/null 2>&1
done
eq "6 first joins at once, 3 times: every answer names the server the room lives on, and it is there" "$wrong" 0
no_bookings; level
only_on "$A" '{"roomNm":"both full","roomKey":"1357","maxParticipants":4}'; FULL=$ROOM
sql "UPDATE servers SET score = 99.5 WHERE id IN ('$A', '$B')"
post join-room "{\"roomId\":\"$FULL\",\"roomKey\":\"1357\",\"userId\":\"first\"}"
eq "every server over its limit now: the room stays on $A (no server is better)" "$STATUS/$(jqr .data.server)/$(server_of "$FULL")" "200/$A_URL/$A"
eq "...counted: outcome=\"stayed\"" "$(arrivals stayed)" $((stayed0 + 1))
"$MRBCTL" room end "$FULL" >/dev/null 2>&1
no_bookings; level
only_on "$A" '{"roomNm":"eu only","roomKey":"1357","maxParticipants":4,"region":"!eu-west"}'; EU=$ROOM
sql "UPDATE servers SET score = 99.5 WHERE id = '$A'"
post join-room "{\"roomId\":\"$EU\",\"roomKey\":\"1357\",\"userId\":\"first\"}"
eq "a room that requires eu-west stays on $A, over its limit, rather than leave its region" "$STATUS/$(server_of "$EU")" "200/$A"
"$MRBCTL" room end "$EU" >/dev/null 2>&1
no_bookings; level
only_on "$A" '{"roomNm":"under","roomKey":"1357","maxParticipants":4}'; UNDER=$ROOM
sql "UPDATE servers SET score = 99.3 WHERE id = '$A'"   # 99.3 + 0.6 = 99.9: at most the limit
post join-room "{\"roomId\":\"$UNDER\",\"roomKey\":\"1357\",\"userId\":\"first\"}"
eq "a server under its limit now with the room's people (99.3 + 4 * $SEAT) keeps the room" "$STATUS/$(server_of "$UNDER")" "200/$A"
"$MRBCTL" room end "$UNDER" >/dev/null 2>&1
no_bookings; level
only_on "$A" '{"roomNm":"later","roomKey":"1357","maxParticipants":4}'; EARLY=$ROOM
only_on "$A" "{\"roomNm\":\"big later\",\"maxParticipants\":100,\"startsAt\":\"$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)\",\"ttlSeconds\":14400}"; LATER=$ROOM
sql "UPDATE servers SET score = 90 WHERE id = '$A'"   # 90 + 100 seats at 2 h = 105 later, 90.6 now
post join-room "{\"roomId\":\"$EARLY\",\"roomKey\":\"1357\",\"userId\":\"first\"}"
eq "bookings for later do not count now: 90 + 4 * $SEAT has room, the room stays on $A" "$STATUS/$(server_of "$EARLY")" "200/$A"
for r in "$EARLY" "$LATER"; do "$MRBCTL" room end "$r" >/dev/null 2>&1; done
level

# --- where it shows --------------------------------------------------------
out=$("$MRBCTL" status)
match "mrbctl status shows each server's region and tags" "$out" "$A .* eu-west/recording,sip"
match "...and bookings and headroom columns" "$out" "BOOKED HEADROOM REGION/TAGS"
create_room '{"roomNm":"listed","region":"us-east"}'; LISTED=$ROOM
match "mrbctl room list shows the room's region" "$("$MRBCTL" room list)" "$LISTED +$B +us-east +live"
eq "mrbctl room show: region, the rule asked for, tags" \
  "$("$MRBCTL" room show "$LISTED" | jq -r '[.region, .regionAsked, .tags, .expectedParticipants] | join("/")')" "us-east/us-east//2"
eq "/mrb/metrics: mrb_server_info with region and tags" "$(metric "mrb_server_info{server=\"$A\",region=\"eu-west\",tags=\"recording,sip\"}")" 1
st=$("$MRBCTL" status --json)
for s in "$A:eu-west" "$B:us-east"; do
  id=${s%%:*} region=${s#*:}
  want=$(printf '%s' "$st" | jq -r --arg id "$id" '.[] | select(.server == $id) | .headroomSeats')
  calc_want=$(printf '%s' "$st" | jq -r --arg id "$id" --argjson lim "$LIMIT" --argjson seat "$SEAT" \
    '.[] | select(.server == $id) | if .load >= $lim then 0 else (($lim - .load) / $seat | floor) end')
  eq "$id: headroom = floor((limit - load) / seat) ($want seats)" "$want" "$calc_want"
  eq "mrb_headroom_seats{region=\"$region\"} is its one server's headroom" "$(metric "mrb_headroom_seats{region=\"$region\"}")" "$want"
  empty=$(printf '%s' "$st" | jq -r --arg id "$id" '.[] | select(.server == $id) | if .rooms == 0 then 1 else 0 end')
  eq "mrb_servers_empty{region=\"$region\"} counts it when it has no live room" "$(metric "mrb_servers_empty{region=\"$region\"}")" "$empty"
done
"$MRBCTL" server disable "$B" >/dev/null
eq "a disabled server's headroom is not the fleet's" "$(metric "mrb_headroom_seats{region=\"us-east\"}")" 0
"$MRBCTL" server enable "$B" >/dev/null
"$MRBCTL" room end "$LISTED" >/dev/null 2>&1
finish
