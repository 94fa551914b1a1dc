#!/usr/bin/env bash
# Seats: exact capacity, including under concurrency; a reload keeps its
# seat; a connected user who leaves holds it for seat_grace, then it lapses;
# presence via room-status.
. "$(dirname "$0")/lib.sh"

create_room '{"roomNm":"two seats","roomKey":"2222","maxParticipants":2}'
R=$ROOM
join() { post join-room "{\"roomId\":\"$R\",\"roomKey\":\"2222\",\"userId\":\"$1\"}"; }
join alice; eq "first user admitted" "$STATUS" 200; OP_ALICE=$(jqr .data.opaqueId); URL=$(jqr .data.server); TOK=$(jqr .data.token)
join alice; eq "same user again (reload) -> 200" "$STATUS" 200
eq "reload keeps the same seat (opaqueId)" "$(jqr .data.opaqueId)" "$OP_ALICE"
join bob; eq "second user admitted" "$STATUS" 200
join carol; eq "third user refused -> 409" "$STATUS" 409; eq "room full code" "$(jqr .code)" 107
post join-room "{\"roomId\":\"$R\",\"roomKey\":\"2222\"}"; eq "anonymous guest refused too" "$STATUS" 409

# alice connects for real through Janus, then leaves
janus() { curl -s -X POST "$1" -H 'Content-Type: application/json' -d "$2"; }
SID=$(janus "$URL" "{\"janus\":\"create\",\"transaction\":\"c\",\"token\":\"$TOK\"}" | jq -r .data.id)
HID=$(janus "$URL/$SID" "{\"janus\":\"attach\",\"plugin\":\"janus.plugin.audiobridge\",\"opaque_id\":\"$OP_ALICE\",\"transaction\":\"a\",\"token\":\"$TOK\"}" | jq -r .data.id)
janus "$URL/$SID/$HID" "{\"janus\":\"message\",\"transaction\":\"j\",\"token\":\"$TOK\",\"body\":{\"request\":\"join\",\"room\":\"$R\",\"pin\":\"2222\",\"display\":\"Alice 앨리스\"}}" >/dev/null
HOST=$(host_token alice)
status() { post room-status "{\"roomId\":\"$R\"}" -H "Authorization: Bearer $HOST"; }
in_room() { status; [ "$(jqr '.data.participants | length')" = "$1" ]; }
t0=$(date +%s%N)
check "alice appears in room-status within 1 s" wait_for 1 in_room 1
echo "       (after $(( ($(date +%s%N) - t0) / 1000000 )) ms)"
eq "participant display" "$(jqr '.data.participants[0].display')" "Alice 앨리스"
eq "participant tied to her seat (userId)" "$(jqr '.data.participants[0].userId')" alice
eq "seatsHeld" "$(jqr .data.seatsHeld)" 2
eq "maxParticipants" "$(jqr .data.maxParticipants)" 2
eq "seat marked connected" "$(sql "SELECT connected FROM seats WHERE opaque_id='$OP_ALICE'")" 1
post room-status "{\"roomId\":\"$R\"}" -H "Authorization: Bearer $(host_token mallory)"
eq "another host may not see the room -> 403" "$STATUS" 403
post room-status "{\"roomId\":\"$R\"}" -H "Authorization: Bearer $(host_token ops --role admin)"
eq "an admin may" "$STATUS" 200
post room-status "{\"roomId\":\"$R\"}"; eq "no token -> 401" "$STATUS" 401

t0=$(date +%s%N)
janus "$URL/$SID" "{\"janus\":\"destroy\",\"transaction\":\"d\",\"token\":\"$TOK\"}" >/dev/null
check "alice gone from room-status within 1 s of destroying her session" wait_for 1 in_room 0
echo "       (after $(( ($(date +%s%N) - t0) / 1000000 )) ms)"
# A seat belongs to a person: one who left keeps it for seat_grace (a
# reload whose old handle's "left" comes first must not lose it), then it
# lapses and someone else may take it.
eq "her seat is unconnected once she left" "$(sql "SELECT connected FROM seats WHERE opaque_id='$OP_ALICE'")" 0
match "and held for seat_grace" "$(sql "SELECT held_until - UNIX_TIMESTAMP() FROM seats WHERE opaque_id='$OP_ALICE'")" '^[1-9][0-9]*$'
join carol; eq "third user refused while her seat's grace runs" "$STATUS" 409
join alice; eq "she gets back in on her seat" "$STATUS" 200; eq "same seat" "$(jqr .data.opaqueId)" "$OP_ALICE"
sql "UPDATE seats SET held_until = UNIX_TIMESTAMP() - 1 WHERE room_id='$R' AND user_id='alice'"
join carol; eq "third user admitted once her grace lapsed" "$STATUS" 200

# unconnected seats free after the grace period
sql "UPDATE seats SET held_until = UNIX_TIMESTAMP() - 1 WHERE room_id='$R' AND user_id='bob'"
join dave; eq "a seat whose user never connected frees after the grace period" "$STATUS" 200

# 40 concurrent joins for a 5-seat room admit exactly 5
create_room '{"roomNm":"race","roomKey":"5555","maxParticipants":5}'
R=$ROOM
for i in $(seq 1 40); do
  curl -s -o /dev/null -w '%{http_code}\n' -X POST "$BASE/join-room" -H 'Content-Type: application/json' \
    -d "{\"roomId\":\"$R\",\"roomKey\":\"5555\",\"userId\":\"racer-$i\"}" &
done >"$TMP/race"; wait
eq "exactly 5 of 40 concurrent joins admitted" "$(grep -c '^200$' "$TMP/race")" 5
eq "the other 35 got 409" "$(grep -c '^409$' "$TMP/race")" 35
eq "5 seats stored" "$(sql "SELECT COUNT(*) FROM seats WHERE room_id='$R'")" 5
finish
