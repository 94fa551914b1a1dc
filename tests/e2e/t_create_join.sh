#!/usr/bin/env bash
# create-room places the room on a real Janus; join-room hands out what a
# client needs, and Janus accepts it.
. "$(dirname "$0")/lib.sh"

create_room '{"roomNm":"Career chat 커리어 🎧","description":"1:1","roomKey":"123456","maxParticipants":4,"ttlSeconds":600,"record":false}'
eq "create -> 201" "$STATUS" 201
eq "create code 000" "$(jqr .code)" 000
match "roomId URL-safe 10-64" "$ROOM" '^[A-Za-z0-9_-]{10,64}$'
eq "roomNm echoed verbatim" "$(jqr .data.roomNm)" "Career chat 커리어 🎧"
eq "roomKey echoed" "$KEY" 123456
eq "maxParticipants" "$(jqr .data.maxParticipants)" 4
match "expiresAt RFC 3339 UTC" "$(jqr .data.expiresAt)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
exp_epoch=$(date -d "$(jqr .data.expiresAt)" +%s); now=$(date +%s)
check "expiresAt is about now + ttl" test $((exp_epoch - now)) -ge 595 -a $((exp_epoch - now)) -le 601
match "server is a registered id" "$SERVER" '^janus-(a|b)$'
check "no secret in the answer" test "$(jqr '.data | has("secret")')" == false
OTHER=janus-a; [ "$SERVER" = janus-a ] && OTHER=janus-b
eq "room exists on the chosen Janus" "$(room_exists_on "$SERVER" "$ROOM")" true
eq "room absent from the other Janus" "$(room_exists_on "$OTHER" "$ROOM")" false
eq "stored name verbatim" "$(sql "SELECT name FROM rooms WHERE id='$ROOM'")" "Career chat 커리어 🎧"
# the room carries a secret: destroying it without one is refused by Janus
eq "Janus refuses destroy with a wrong secret" \
  "$(janus_admin "$SERVER" "{\"request\":\"destroy\",\"room\":\"$ROOM\",\"secret\":\"guess\"}" | jq -r .response.error_code)" 489
eq "Janus refuses destroy without a secret" \
  "$(janus_admin "$SERVER" "{\"request\":\"destroy\",\"room\":\"$ROOM\"}" | jq -r .response.error_code)" 483

create_room '{"roomNm":"random key"}'
match "random 6-digit key when absent" "$KEY" '^[0-9]{6}$'
eq "default maxParticipants" "$(jqr .data.maxParticipants)" 2

# placement spreads a burst over two equally loaded servers: the seats each
# room books must move the next one. (Both dev Janus share
# one host, and their node-exporter CPU samples, taken a moment apart, can
# differ by a few points: then sending the whole burst to the lower one is
# right. So the test starts them level.)
# A poll mid-burst would write both scores from their metrics again: the
# scheduler waits.
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1
no_bookings
sql "UPDATE servers SET score = 30, pending_load = 0, metrics_at = UNIX_TIMESTAMP() WHERE id IN ('janus-a', 'janus-b')"
a=0; b=0
for i in 1 2 3 4 5 6; do
  create_room "{\"roomNm\":\"burst $i\"}"
  [ "$SERVER" = janus-a ] && a=$((a + 1)); [ "$SERVER" = janus-b ] && b=$((b + 1))
done
"$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1
check "burst of 6 spread over both servers ($a/$b)" test "$a" -ge 2 -a "$b" -ge 2

# The tier rule (docs/DESIGN.md): a server whose metrics are stale never
# goes before one with fresh metrics, whatever the weights, and whatever
# score was stored while it was fresh. No poll may refresh them meanwhile.
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1
sql "UPDATE servers SET weight = 0.001, score = 0, metrics_at = UNIX_TIMESTAMP() - 3600 WHERE id = 'janus-a'"
sql "UPDATE servers SET weight = 1000, score = 505000, metrics_at = UNIX_TIMESTAMP() WHERE id = 'janus-b'"
create_room '{"roomNm":"fresh tier"}'
eq "stale janus-a (weight 0.001, stored score 0) loses to fresh janus-b (weight 1000)" "$STATUS/$SERVER" 201/janus-b
sql "UPDATE servers SET metrics_at = UNIX_TIMESTAMP() - 3600 WHERE id = 'janus-b'"
create_room '{"roomNm":"stale tier"}'
eq "with both stale, placement still works: the lower weight x fallback wins" "$STATUS/$SERVER" 201/janus-a
"$MRBCTL" server sync "$CONF" >/dev/null   # weights back from the config
"$ROOT/cron/mrb-health" --once >/dev/null 2>&1
eq "one poll makes both fresh again" \
  "$(sql "SELECT COUNT(*) FROM servers WHERE id IN ('janus-a','janus-b') AND metrics_at >= UNIX_TIMESTAMP() - 15")" 2
"$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1

# join
create_room '{"roomNm":"join me","roomKey":"2468","ttlSeconds":600}'
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"2468\",\"display\":\"guest\",\"userId\":\"u-42\"}"
eq "join -> 200" "$STATUS" 200
eq "join roomId" "$(jqr .data.roomId)" "$ROOM"
eq "join roomNm" "$(jqr .data.roomNm)" "join me"
eq "join server is the public URL" "$(jqr .data.server)" "$(server_conf "$SERVER" public_url)"
match "token shape" "$(jqr .data.token)" '^[0-9]+,janus,janus\.plugin\.audiobridge:[A-Za-z0-9+/]{27}=$'
texp=$(jqr .data.token | cut -d, -f1)
check "token expires with the room (600 s), not later" test "$texp" -le "$(date -d "$(jqr .data.expiresAt)" +%s)"
check "token outlives the call start" test "$texp" -ge $(( $(date +%s) + 590 ))
match "opaqueId" "$(jqr .data.opaqueId)" '^mrb-[A-Za-z0-9_-]{20,}$'
eq "ice has STUN" "$(jqr '.data.ice[0].urls[0]')" "stun:127.0.0.1:3478"
match "TURN username is expiry:userId" "$(jqr '.data.ice[1].username')" '^[0-9]+:u-42$'
u=$(jqr '.data.ice[1].username'); want=$(printf '%s' "$u" | openssl dgst -sha1 -hmac "$(conf_get "$CONF" turn secret)" -binary | base64)
eq "TURN credential is HMAC-SHA1 of the username" "$(jqr '.data.ice[1].credential')" "$want"
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"2468\"}"
match "anonymous TURN user is random" "$(jqr '.data.ice[1].username')" '^[0-9]+:[A-Za-z0-9_-]{16}$'

# long-lived room: token capped at token_max_ttl (3600 s)
create_room '{"roomNm":"long","roomKey":"1111","ttlSeconds":7200}'
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"1111\"}"
texp=$(jqr .data.token | cut -d, -f1)
check "token capped at token_max_ttl" test "$texp" -le $(( $(date +%s) + 3600 )) -a "$texp" -ge $(( $(date +%s) + 3590 ))
finish
