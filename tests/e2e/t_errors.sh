#!/usr/bin/env bash
# Every error of the API contract, on the real stack: status, code, and that
# nothing was written.
. "$(dirname "$0")/lib.sh"
TOK=$(host_token)
AUTH=(-H "Authorization: Bearer $TOK")
rooms_before=$(sql "SELECT COUNT(*) FROM rooms")

for ep in create-room join-room; do
  s=$(curl -s -o "$TMP/b" -w '%{http_code}' "$BASE/$ep"); eq "$ep GET -> 405" "$s" 405
  eq "$ep 405 code" "$(jq -r .code "$TMP/b")" 405
  s=$(curl -s -o "$TMP/b" -w '%{http_code}' -X POST "$BASE/$ep" -H 'Content-Type: text/plain' "${AUTH[@]}" -d '{}')
  eq "$ep text/plain -> 415" "$s" 415; eq "$ep 415 code" "$(jq -r .code "$TMP/b")" 415
  s=$(curl -s -o "$TMP/b" -w '%{http_code}' -X POST "$BASE/$ep" -H 'Content-Type: application/jsonx' "${AUTH[@]}" -d '{}')
  eq "$ep application/jsonx -> 415" "$s" 415
  head -c 70000 /dev/zero | tr '\0' 'a' >"$TMP/big"
  s=$(curl -s -o "$TMP/b" -w '%{http_code}' -X POST "$BASE/$ep" -H 'Content-Type: application/json' \
      "${AUTH[@]}" --data-binary @"$TMP/big"); eq "$ep 70 KB body -> 413" "$s" 413
  post "$ep" '{"roomNm":' "${AUTH[@]}"; eq "$ep broken JSON -> 400" "$STATUS" 400
  eq "$ep broken JSON code" "$(jqr .code)" 400
  post "$ep" '[1,2]' "${AUTH[@]}"; eq "$ep array body -> 400" "$STATUS" 400
  post "$ep" '"x"' "${AUTH[@]}"; eq "$ep string body -> 400" "$STATUS" 400
done

# create-room: authentication and authorisation
post create-room '{"roomNm":"x"}'; eq "no token -> 401" "$STATUS" 401; eq "no token code" "$(jqr .code)" 101
post create-room '{"roomNm":"x"}' -H 'Authorization: Bearer not.a.jwt'; eq "garbage token -> 401" "$STATUS" 401
NONE="$(printf '{"alg":"none","typ":"JWT"}' | base64 -w0 | tr '+/' '-_' | tr -d '=').$(printf '{"sub":"m","role":"host","exp":%d,"iss":"mrb-dev-auth","aud":"mrb"}' $(( $(date +%s) + 600 )) | base64 -w0 | tr '+/' '-_' | tr -d '=')."
post create-room '{"roomNm":"x"}' -H "Authorization: Bearer $NONE"; eq "alg none -> 401" "$STATUS" 401
GUEST=$(host_token bob --role guest)
post create-room '{"roomNm":"x"}' -H "Authorization: Bearer $GUEST"; eq "no host role -> 403" "$STATUS" 403
eq "no host role code" "$(jqr .code)" 102
TAMPERED="${TOK%.*}x.${TOK##*.}"
post create-room '{"roomNm":"x"}' -H "Authorization: Bearer $TAMPERED"; eq "tampered token -> 401" "$STATUS" 401

# create-room: field validation, each naming the field
bad() { # bad NAME JSON FIELD
  post create-room "$2" "${AUTH[@]}"
  eq "$1 -> 400" "$STATUS" 400
  match "$1 names $3" "$(jqr .message)" "$3"
}
bad "missing roomNm" '{}' roomNm
bad "empty roomNm" '{"roomNm":""}' roomNm
bad "roomNm 101 chars" "{\"roomNm\":\"$(printf 'a%.0s' $(seq 101))\"}" roomNm
bad "roomNm number" '{"roomNm":5}' roomNm
bad "description 201 chars" "{\"roomNm\":\"x\",\"description\":\"$(printf 'd%.0s' $(seq 201))\"}" description
bad "roomKey 3 digits" '{"roomNm":"x","roomKey":"123"}' roomKey
bad "roomKey 13 digits" '{"roomNm":"x","roomKey":"1234567890123"}' roomKey
bad "roomKey letters" '{"roomNm":"x","roomKey":"12ab"}' roomKey
bad "roomKey number" '{"roomNm":"x","roomKey":1234}' roomKey
bad "maxParticipants 1" '{"roomNm":"x","maxParticipants":1}' maxParticipants
bad "maxParticipants over max" '{"roomNm":"x","maxParticipants":17}' maxParticipants
bad "maxParticipants string" '{"roomNm":"x","maxParticipants":"4"}' maxParticipants
bad "ttlSeconds 9" '{"roomNm":"x","ttlSeconds":9}' ttlSeconds
bad "ttlSeconds over max" '{"roomNm":"x","ttlSeconds":86401}' ttlSeconds
bad "record string" '{"roomNm":"x","record":"yes"}' record
eq "nothing written by bad creates" "$(sql "SELECT COUNT(*) FROM rooms")" "$rooms_before"

# join-room
create_room '{"roomNm":"errors","roomKey":"4321"}'
eq "setup room created" "$STATUS" 201
post join-room '{"roomKey":"4321"}'; eq "join missing roomId -> 400" "$STATUS" 400; match "names roomId" "$(jqr .message)" roomId
post join-room "{\"roomId\":\"$ROOM\"}"; eq "join missing roomKey -> 400" "$STATUS" 400; match "names roomKey" "$(jqr .message)" roomKey
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":4321}"; eq "join numeric key -> 400" "$STATUS" 400
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"4321\",\"display\":\"$(printf 'd%.0s' $(seq 65))\"}"; eq "display 65 chars -> 400" "$STATUS" 400
post join-room '{"roomId":"no-such-room-1234","roomKey":"4321"}'; eq "unknown room -> 404" "$STATUS" 404; eq "unknown code" "$(jqr .code)" 104
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"0000\"}"; eq "wrong key -> 403" "$STATUS" 403; eq "wrong key code" "$(jqr .code)" 106
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"43210\"}"; eq "key with extra digit -> 403" "$STATUS" 403
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"432\"}"; eq "key prefix -> 403" "$STATUS" 403
# expiry: move the clock of this room, not of the machine
sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE id = '$ROOM'"
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"4321\"}"; eq "expired -> 410" "$STATUS" 410; eq "expired code" "$(jqr .code)" 105
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"0000\"}"; eq "expired checked before key" "$STATUS" 410
eq "...saying it expired" "$(jqr .message)" "room has expired"
post room-status "{\"roomId\":\"$ROOM\"}" -H "Authorization: Bearer $(host_token)"
eq "room-status of an expired room says so" "$STATUS/$(jqr .data.state)/$(jqr '.data.endedAt // "none"')" "200/expired/none"
"$MRBCTL" room end "$ROOM" >/dev/null 2>&1
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"4321\"}"
eq "join-room of an ended room -> 410 105" "$STATUS/$(jqr .code)" "410/105"
eq "...saying it ended, in moderation's words" "$(jqr .message)" "room has ended"
post room-status "{\"roomId\":\"$ROOM\"}" -H "Authorization: Bearer $(host_token)"
eq "room-status of an ended room says so" "$(jqr .data.state)" ended
match "...and when" "$(jqr .data.endedAt)" '^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]+Z$'
create_room '{"roomNm":"live status"}'
post room-status "{\"roomId\":\"$ROOM\"}" -H "Authorization: Bearer $(host_token)"
eq "room-status of a live room: live, no endedAt" "$(jqr .data.state)/$(jqr '.data.endedAt // "none"')" "live/none"
"$MRBCTL" room end "$ROOM" >/dev/null 2>&1

# names of blanks only
for blank in '   ' '\t\n' '\u00a0\u3000'; do
  post create-room "{\"roomNm\":\"$blank\"}" -H "Authorization: Bearer $(host_token)"
  eq "create-room roomNm \"$blank\" (blanks only) -> 400" "$STATUS/$(jqr .message)" "400/roomNm must not be blank"
done
create_room '{"roomNm":"  padded  "}'
eq "a name with blanks around it is kept as given" "$STATUS/$(jqr .data.roomNm)" "201/  padded  "
post room-edit "{\"roomId\":\"$ROOM\",\"roomNm\":\" \"}" -H "Authorization: Bearer $(host_token)"
eq "room-edit to a blank name -> 400, the same rule" "$STATUS/$(jqr .message)" "400/roomNm must not be blank"
"$MRBCTL" room end "$ROOM" >/dev/null 2>&1
finish
