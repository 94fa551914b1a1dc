#!/usr/bin/env bash
# The issued token works on the real Janus, a forged one and one signed for
# the other server do not, and a client joins the AudioBridge room with the
# key (signalling only).
. "$(dirname "$0")/lib.sh"

create_room '{"roomNm":"signalling","roomKey":"975310"}'
eq "room created" "$STATUS" 201
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"975310\",\"display\":\"guest\"}"
eq "joined" "$STATUS" 200
URL=$(jqr .data.server); TOKEN=$(jqr .data.token); OPAQUE=$(jqr .data.opaqueId)
OTHER=janus-a; [ "$SERVER" = janus-a ] && OTHER=janus-b

janus() { curl -s -X POST "$1" -H 'Content-Type: application/json' -d "$2"; }
r=$(janus "$URL" "{\"janus\":\"create\",\"transaction\":\"c1\",\"token\":\"$TOKEN\"}")
eq "Janus accepts the issued token" "$(printf '%s' "$r" | jq -r .janus)" success
SESSION=$(printf '%s' "$r" | jq -r .data.id)

forged="${TOKEN%:*}:AAAAAAAAAAAAAAAAAAAAAAAAAAA="
r=$(janus "$URL" "{\"janus\":\"create\",\"transaction\":\"c2\",\"token\":\"$forged\"}")
eq "Janus refuses a forged token (403)" "$(printf '%s' "$r" | jq -r .error.code)" 403
data=${TOKEN%:*}
other_sig=$(printf '%s' "$data" | openssl dgst -sha1 -hmac "$(server_conf "$OTHER" token_secret)" -binary | base64)
r=$(janus "$URL" "{\"janus\":\"create\",\"transaction\":\"c3\",\"token\":\"$data:$other_sig\"}")
eq "Janus refuses a token signed for the other server" "$(printf '%s' "$r" | jq -r .error.code)" 403
r=$(janus "$URL" "{\"janus\":\"create\",\"transaction\":\"c4\"}")
eq "Janus refuses no token" "$(printf '%s' "$r" | jq -r .error.code)" 403

r=$(janus "$URL/$SESSION" "{\"janus\":\"attach\",\"plugin\":\"janus.plugin.audiobridge\",\"opaque_id\":\"$OPAQUE\",\"transaction\":\"a1\",\"token\":\"$TOKEN\"}")
eq "attach with the token" "$(printf '%s' "$r" | jq -r .janus)" success
HANDLE=$(printf '%s' "$r" | jq -r .data.id)

r=$(janus "$URL/$SESSION/$HANDLE" "{\"janus\":\"message\",\"transaction\":\"j0\",\"token\":\"$TOKEN\",\"body\":{\"request\":\"join\",\"room\":\"$ROOM\",\"pin\":\"000000\",\"display\":\"intruder\"}}")
ev=$(curl -s --max-time 5 "$URL/$SESSION?token=$(jq -rn --arg t "$TOKEN" '$t|@uri')&maxev=5")
eq "wrong pin refused by the AudioBridge (489)" \
  "$(printf '%s' "$ev" | jq -r '[.[]? // . | select(.transaction=="j0") | .plugindata.data.error_code][0]')" 489

r=$(janus "$URL/$SESSION/$HANDLE" "{\"janus\":\"message\",\"transaction\":\"j1\",\"token\":\"$TOKEN\",\"body\":{\"request\":\"join\",\"room\":\"$ROOM\",\"pin\":\"975310\",\"display\":\"guest\"}}")
eq "join request acknowledged" "$(printf '%s' "$r" | jq -r .janus)" ack
joined=
for _ in 1 2 3 4 5; do
  ev=$(curl -s --max-time 5 "$URL/$SESSION?token=$(jq -rn --arg t "$TOKEN" '$t|@uri')&maxev=5")
  joined=$(printf '%s' "$ev" | jq -r '[.[]? // . | select(.transaction=="j1") | .plugindata.data.audiobridge][0]')
  [ "$joined" = joined ] && break
done
eq "the client joined the room with the key" "$joined" joined
parts=$(janus_admin "$SERVER" "{\"request\":\"listparticipants\",\"room\":\"$ROOM\"}" | jq -r '.response.participants | length')
eq "Janus lists the participant" "$parts" 1
janus "$URL/$SESSION" "{\"janus\":\"destroy\",\"transaction\":\"d1\",\"token\":\"$TOKEN\"}" >/dev/null
finish
