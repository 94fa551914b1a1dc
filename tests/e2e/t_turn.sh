#!/usr/bin/env bash
# coturn allocates a relay with the TURN REST credentials join-room issues
# (over UDP and over TLS for turns:), and refuses a wrong or expired one;
# the credentials expire with their room.
. "$(dirname "$0")/lib.sh"
create_room '{"roomNm":"turn","roomKey":"5555"}'
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"5555\",\"userId\":\"turn-user\"}"
eq "joined" "$STATUS" 200
U=$(jqr '.data.ice[] | select(.username) | .username'); C=$(jqr '.data.ice[] | select(.username) | .credential')
out=$(timeout 20 turnutils_uclient -p 3478 -u "$U" -w "$C" -n 1 -m 1 -y -e 127.0.0.1 127.0.0.1 2>&1)
check "allocation succeeds with the issued credentials" grep -q 'Total transmit time' <<<"$out"
check "no allocation error" bash -c "! grep -q 'Cannot complete Allocation' <<<\"\$1\"" _ "$out"
out=$(timeout 20 turnutils_uclient -p 3478 -u "$U" -w "wrong$C" -n 1 -m 1 -y -e 127.0.0.1 127.0.0.1 2>&1)
check "a wrong credential is refused" grep -q 'Cannot complete Allocation' <<<"$out"

# turns: (TLS, 5349) is offered when configured, and allocates for real
match "the ice list offers turns:" "$(jqr '[.data.ice[] | select(.username) | .urls[]] | join(" ")')" 'turns:127\.0\.0\.1:5349\?transport=tcp'
out=$(timeout 20 turnutils_uclient -t -S -p 5349 -u "$U" -w "$C" -n 1 -m 1 -y -e 127.0.0.1 127.0.0.1 2>&1)
check "allocation over TLS (turns:) succeeds" grep -q 'Total transmit time' <<<"$out"

# Issue 19: the credential lives as long as the room (+ seat_grace), capped by credential_ttl
GRACE=$(conf_get "$CONF" rooms seat_grace); CAP=$(conf_get "$CONF" turn credential_ttl)
eq "a 1-hour room's credential expires at its end + seat_grace ($GRACE s)" "${U%%:*}" \
  "$(( $(sql "SELECT expires_at FROM rooms WHERE id='$ROOM'") + GRACE ))"
create_room '{"roomNm":"long turn","roomKey":"5555","ttlSeconds":86400}'
t0=$(date +%s)
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"5555\",\"userId\":\"turn-user\"}"
exp=$(jqr '.data.ice[] | select(.username) | .username'); exp=${exp%%:*}
check "a day-long room's credential is capped at credential_ttl ($CAP s) from the join" \
  test "$exp" -ge "$((t0 + CAP))" -a "$exp" -le "$(( $(date +%s) + CAP ))"
# coturn itself refuses a credential past its expiry: this is what ends the relay
old_user="$(( $(date +%s) - 5 )):turn-user"
old_cred=$(printf '%s' "$old_user" | openssl dgst -sha1 -hmac "$(conf_get "$CONF" turn secret)" -binary | base64)
out=$(timeout 20 turnutils_uclient -p 3478 -u "$old_user" -w "$old_cred" -n 1 -m 1 -y -e 127.0.0.1 127.0.0.1 2>&1)
check "coturn refuses a correctly signed credential once it has expired" grep -q 'Cannot complete Allocation' <<<"$out"
finish
