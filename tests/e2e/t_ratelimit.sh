#!/usr/bin/env bash
# Room-key guessing: after [limits] key_failures_per_room wrong keys for one
# room (default 10 per 600 s), every further attempt for it gets 429 / 109
# with Retry-After, even with the right key; the same after
# key_failures_per_client wrong keys from one address across rooms (30).
# The host can still edit (a new key resets the room's count) and end it.
. "$(dirname "$0")/lib.sh"

ALICE=$(host_token alice)
create_room '{"roomNm":"guess me","roomKey":"8642","maxParticipants":4}'; R=$ROOM
for i in $(seq 1 10); do post join-room "{\"roomId\":\"$R\",\"roomKey\":\"$((1000 + i))\"}"; done
eq "the 10th wrong key is still just wrong -> 403 / 106" "$STATUS/$(jqr .code)" 403/106
s=$(curl -s -D "$TMP/h" -o "$TMP/b" -w '%{http_code}' -X POST "$BASE/join-room" -H 'Content-Type: application/json' \
  -d "{\"roomId\":\"$R\",\"roomKey\":\"8642\"}")
eq "then even the right key -> 429 / 109" "$s/$(jq -r .code "$TMP/b")" 429/109
retry=$(tr -d '\r' <"$TMP/h" | sed -n 's/^Retry-After: //Ip')
check "with Retry-After within the window ($retry s)" test "${retry:-0}" -ge 1 -a "${retry:-0}" -le 600
eq "no seat was taken" "$(sql "SELECT COUNT(*) FROM seats WHERE room_id='$R'")" 0
create_room '{"roomNm":"other room","roomKey":"1357"}'; OTHER=$ROOM
post join-room "{\"roomId\":\"$OTHER\",\"roomKey\":\"1357\"}"
eq "another room is not affected" "$STATUS" 200
post room-edit "{\"roomId\":\"$R\",\"roomNm\":\"renamed while guessed\"}" -H "Authorization: Bearer $ALICE"
eq "the host can still edit the room" "$STATUS" 200
post join-room "{\"roomId\":\"$R\",\"roomKey\":\"8642\"}"
eq "a rename does not lift the limit" "$STATUS" 429
post room-edit "{\"roomId\":\"$R\",\"roomKey\":\"97531\"}" -H "Authorization: Bearer $ALICE"
eq "the host sets a new key" "$STATUS" 200
post join-room "{\"roomId\":\"$R\",\"roomKey\":\"97531\"}"
eq "...which lifts the room's limit: the new key works" "$STATUS" 200
post room-end "{\"roomId\":\"$R\"}" -H "Authorization: Bearer $ALICE"
eq "and the host can end it" "$STATUS" 200

# one address guessing across rooms: 30 wrong keys, 6 per room (under the room limit)
sql "DELETE FROM key_failures"
for r in 1 2 3 4 5; do
  create_room "{\"roomNm\":\"spread $r\",\"roomKey\":\"2468\"}"
  for i in $(seq 1 6); do post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"$((3000 + i))\"}"; done
done
create_room '{"roomNm":"innocent","roomKey":"1122"}'
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"1122\"}"
eq "after 30 wrong keys from one address, its next join anywhere -> 429 / 109" "$STATUS/$(jqr .code)" 429/109
rate_limited_counted() { curl -s "$BASE/metrics" | grep -q '^mrb_joins_total{outcome="rate_limited"} [1-9]'; }
check "counted as mrb_joins_total{outcome=\"rate_limited\"}" wait_for 5 rate_limited_counted
sql "UPDATE key_failures SET window_start = window_start - 601 WHERE scope = 'c'"   # the window has passed
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"1122\"}"
eq "once the window has passed, the address may join again" "$STATUS" 200
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"0000\"}"
eq "a wrong key then starts a new window at 1" "$(sql "SELECT failures FROM key_failures WHERE scope='c' AND subject='127.0.0.1'")" 1
finish
