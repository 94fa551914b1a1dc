#!/usr/bin/env bash
# coturn allocates a relay with the TURN REST credentials join-room issues,
# and refuses a wrong credential.
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
finish
