#!/usr/bin/env bash
# Host moderation against real Janus: a participant connected through Janus
# is muted (visible in listparticipants), kicked (its kicked event follows),
# the room is edited, recorded and ended. Only the creator or an admin may.
. "$(dirname "$0")/lib.sh"

ALICE=$(host_token alice); MALLORY=$(host_token mallory); OPS=$(host_token ops --role admin)
mod() { post "$1" "$2" -H "Authorization: Bearer ${3:-$ALICE}"; }
create_room '{"roomNm":"mentoring","roomKey":"4321","maxParticipants":3}'
R=$ROOM
post join-room "{\"roomId\":\"$R\",\"roomKey\":\"4321\",\"userId\":\"bob\",\"display\":\"Bob\"}"
URL=$(jqr .data.server); TOK=$(jqr .data.token); OP=$(jqr .data.opaqueId)
check "bob connects through Janus" janus_join "$URL" "$TOK" "$R" 4321 Bob "$OP"
P=$JPID; BOB_SID=$JSID
in_room() { post room-status "{\"roomId\":\"$R\"}" -H "Authorization: Bearer $ALICE"; [ "$(jqr '.data.participants | length')" = "$1" ]; }
check "bob is present (joined event)" wait_for 3 in_room 1
listed() { janus_admin "$SERVER" "{\"request\":\"listparticipants\",\"room\":\"$R\"}" | jq -r "$1"; }

# who may moderate
mod room-mute "{\"roomId\":\"$R\",\"participantId\":\"$P\",\"muted\":true}" "$MALLORY"
eq "another host may not mute -> 403" "$STATUS" 403; eq "code 102" "$(jqr .code)" 102
post room-mute "{\"roomId\":\"$R\",\"participantId\":\"$P\",\"muted\":true}"
eq "no token -> 401" "$STATUS" 401; eq "code 101" "$(jqr .code)" 101
eq "nobody muted by refused requests" "$(listed '.response.participants[0].muted')" false

# mute / unmute
mod room-mute "{\"roomId\":\"$R\",\"participantId\":\"$P\",\"muted\":true}"
eq "creator mutes -> 200" "$STATUS" 200; eq "reply says muted" "$(jqr .data.muted)" true
eq "listparticipants shows bob muted" "$(listed '.response.participants[0].muted')" true
post room-status "{\"roomId\":\"$R\"}" -H "Authorization: Bearer $ALICE"
eq "room-status shows bob muted" "$(jqr '.data.participants[0].muted')" true
mod room-mute "{\"roomId\":\"$R\",\"participantId\":\"$P\",\"muted\":false}" "$OPS"
eq "an admin unmutes -> 200" "$STATUS" 200
eq "listparticipants shows bob unmuted" "$(listed '.response.participants[0].muted')" false
mod room-mute "{\"roomId\":\"$R\",\"participantId\":\"$P\"}"
eq "mute without 'muted' -> 400" "$STATUS" 400
mod room-mute "{\"roomId\":\"$R\",\"participantId\":\"$P\",\"muted\":\"yes\"}"
eq "muted not a boolean -> 400" "$STATUS" 400
mod room-mute "{\"roomId\":\"$R\",\"participantId\":\"ghost\",\"muted\":true}"
eq "mute a stale participant -> 404" "$STATUS" 404; eq "code 108" "$(jqr .code)" 108

# kick
mod room-kick "{\"roomId\":\"$R\",\"participantId\":\"ghost\"}"
eq "kick a stale participant -> 404" "$STATUS" 404; eq "code 108" "$(jqr .code)" 108
mod room-kick "{\"roomId\":\"nosuchroom\",\"participantId\":\"$P\"}"
eq "kick in an unknown room -> 404 / 104" "$STATUS/$(jqr .code)" 404/104
mod room-kick "{\"roomId\":\"$R\"}"
eq "kick without participantId -> 400" "$STATUS" 400
mod room-kick "{\"roomId\":\"$R\",\"participantId\":\"$P\"}" "$MALLORY"
eq "another host may not kick -> 403" "$STATUS" 403
eq "bob still listed after the refused kick" "$(listed '.response.participants | length')" 1
mod room-kick "{\"roomId\":\"$R\",\"participantId\":\"$P\"}"
eq "creator kicks bob -> 200" "$STATUS" 200
listed_n() { [ "$(listed '.response.participants | length')" = "$1" ]; }
check "Janus no longer lists bob" wait_for 3 listed_n 0
check "bob's kicked event arrives: gone from room-status" wait_for 3 in_room 0
kicked=$(janus_events "$URL" "$TOK" | jq -r '[.[]? // . | .plugindata.data | select(.audiobridge=="event" and .kicked != null)] | length')
match "bob's own session was told it was kicked" "$kicked" '^[1-9]'
eq "bob's seat freed" "$(sql "SELECT COUNT(*) FROM seats WHERE room_id='$R' AND user_id='bob'")" 0
mod room-kick "{\"roomId\":\"$R\",\"participantId\":\"$P\"}"
eq "kicking him again -> 404 / 108" "$STATUS/$(jqr .code)" 404/108
janus_post "$URL/$BOB_SID" "{\"janus\":\"destroy\",\"transaction\":\"d\",\"token\":\"$TOK\"}" >/dev/null

# edit: new name and key on Janus and in MRB; new expiry for later tokens
mod room-edit "{\"roomId\":\"$R\"}"
eq "edit with nothing to change -> 400" "$STATUS" 400
mod room-edit "{\"roomId\":\"$R\",\"roomKey\":\"12ab\"}"
eq "edit with a non-digit key -> 400" "$STATUS" 400
mod room-edit "{\"roomId\":\"$R\",\"roomNm\":\"renamed\"}" "$MALLORY"
eq "another host may not edit -> 403" "$STATUS" 403
mod room-edit "{\"roomId\":\"$R\",\"roomNm\":\"renamed\",\"roomKey\":\"8765\",\"ttlSeconds\":120,\"maxParticipants\":4}"
eq "creator edits -> 200" "$STATUS" 200
eq "reply has the new key" "$(jqr .data.roomKey)" 8765
desc=$(janus_admin "$SERVER" '{"request":"list"}' | jq -r --arg r "$R" '.response.list[] | select(.room==$r) | .description')
eq "Janus has the new description" "$desc" renamed
eq "stored: name, key, seats" "$(sql "SELECT CONCAT(name,'/',room_key,'/',max_participants) FROM rooms WHERE id='$R'")" "renamed/8765/4"
left=$(( $(sql "SELECT expires_at FROM rooms WHERE id='$R'") - $(date +%s) ))
check "new expiry about 120 s from now ($left s)" test "$left" -ge 115 -a "$left" -le 121
post join-room "{\"roomId\":\"$R\",\"roomKey\":\"4321\"}"
eq "old key refused -> 403 / 106" "$STATUS/$(jqr .code)" 403/106
post join-room "{\"roomId\":\"$R\",\"roomKey\":\"8765\",\"userId\":\"carol\"}"
eq "new key admitted" "$STATUS" 200
TOK=$(jqr .data.token); OP=$(jqr .data.opaqueId)
texp=${TOK%%,*}
check "the token expires with the edited room (<= 121 s)" test $((texp - $(date +%s))) -le 121
check "the new pin works on Janus" janus_join "$URL" "$TOK" "$R" 8765 Carol "$OP"
CAROL_SID=$JSID

# record
mod room-record "{\"roomId\":\"$R\",\"record\":true}"
eq "creator starts recording -> 200" "$STATUS" 200
rec=$(janus_admin "$SERVER" '{"request":"list"}' | jq -r --arg r "$R" '.response.list[] | select(.room==$r) | .record')
eq "Janus records the room" "$rec" true
eq "stored, so a recreated room records too" "$(sql "SELECT record FROM rooms WHERE id='$R'")" 1
mod room-record "{\"roomId\":\"$R\",\"record\":false}"
rec=$(janus_admin "$SERVER" '{"request":"list"}' | jq -r --arg r "$R" '.response.list[] | select(.room==$r) | .record')
eq "recording stopped" "$STATUS/$rec" 200/false
mod room-record "{\"roomId\":\"$R\"}"
eq "record without the flag -> 400" "$STATUS" 400

# end
check "carol is present" wait_for 3 in_room 1
ended_before=$(metric mrb_rooms_ended_total)
mod room-end "{\"roomId\":\"$R\"}" "$MALLORY"
eq "another host may not end it -> 403" "$STATUS" 403
eq "still there after the refused end" "$(room_exists_on "$SERVER" "$R")" true
mod room-end "{\"roomId\":\"$R\"}"
eq "creator ends the room -> 200" "$STATUS" 200; eq "destroyed on the media server" "$(jqr .data.destroyed)" true
eq "gone from Janus" "$(room_exists_on "$SERVER" "$R")" false
post join-room "{\"roomId\":\"$R\",\"roomKey\":\"8765\"}"
eq "joiners refused -> 410 / 105" "$STATUS/$(jqr .code)" 410/105
check "presence cleared" wait_for 3 in_room 0
eq "seats cleared" "$(sql "SELECT COUNT(*) FROM seats WHERE room_id='$R'")" 0
mod room-end "{\"roomId\":\"$R\"}"
eq "ending it again -> 410 / 105" "$STATUS/$(jqr .code)" 410/105
mod room-mute "{\"roomId\":\"$R\",\"participantId\":\"$P\",\"muted\":true}"
eq "moderating an ended room -> 410" "$STATUS" 410
eq "counted in mrb_rooms_ended_total" "$(metric mrb_rooms_ended_total)" $((ended_before + 1))
janus_post "$URL/$CAROL_SID" "{\"janus\":\"destroy\",\"transaction\":\"d\",\"token\":\"$TOK\"}" >/dev/null
for ep in room-kick room-mute room-end room-edit room-record; do
  post "$ep" 'not json' -H "Authorization: Bearer $ALICE"
  eq "$ep: malformed JSON -> 400" "$STATUS" 400
  s=$(curl -s -o "$TMP/b" -w '%{http_code}' "$BASE/$ep"); eq "$ep: GET -> 405" "$s/$(jq -r .code "$TMP/b")" 405/405
  s=$(curl -s -o "$TMP/b" -w '%{http_code}' -X POST "$BASE/$ep" -H 'Content-Type: text/plain' \
    -H "Authorization: Bearer $ALICE" -d "{\"roomId\":\"$R\"}")
  eq "$ep: wrong content type -> 415" "$s" 415
  post "$ep" "{\"roomId\":\"$R\"}" -H "Authorization: Bearer not.a.jwt"
  eq "$ep: forged token -> 401 / 101" "$STATUS/$(jqr .code)" 401/101
done
finish
