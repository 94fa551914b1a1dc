#!/usr/bin/env bash
# A restarted Janus has lost its rooms: the next join recreates the room
# there. A Janus that shut down: the next join moves the room to the other.
. "$(dirname "$0")/lib.sh"

create_room '{"roomNm":"survivor","roomKey":"8642"}'
eq "room created" "$STATUS" 201
S=$SERVER
boot=$(sql "SELECT boot FROM servers WHERE id='$S'")
"$ROOT/scripts/stack.sh" janus-stop "$S" TERM >/dev/null
"$ROOT/scripts/stack.sh" janus-start "$S" >/dev/null
check "the started event bumped $S's boot" wait_for 10 test "$(sql "SELECT boot FROM servers WHERE id='$S'")" -gt "$boot"
check "server healthy again" wait_for 10 test "$(sql "SELECT healthy FROM servers WHERE id='$S'")" = 1
eq "room is gone from the restarted Janus" "$(room_exists_on "$S" "$ROOM")" false
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"8642\"}"
eq "join after restart -> 200" "$STATUS" 200
eq "same server" "$(jqr .data.server)" "$(server_conf "$S" public_url)"
eq "room recreated on $S" "$(room_exists_on "$S" "$ROOM")" true
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"8642\"}"
eq "second join still fine" "$STATUS" 200

create_room '{"roomNm":"mover","roomKey":"7531"}'
S=$SERVER; OTHER=janus-a; [ "$S" = janus-a ] && OTHER=janus-b
"$ROOT/scripts/stack.sh" janus-stop "$S" TERM >/dev/null
check "the shutdown event marked $S down" wait_for 10 test "$(sql "SELECT healthy FROM servers WHERE id='$S'")" = 0
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"7531\"}"
eq "join while its server is down -> 200" "$STATUS" 200
eq "moved to the other server" "$(jqr .data.server)" "$(server_conf "$OTHER" public_url)"
eq "room exists on $OTHER" "$(room_exists_on "$OTHER" "$ROOM")" true
eq "mapping updated" "$(sql "SELECT server_id FROM rooms WHERE id='$ROOM'")" "$OTHER"
create_room '{"roomNm":"while down"}'
eq "new rooms avoid the down server" "$SERVER" "$OTHER"
"$ROOT/scripts/stack.sh" janus-start "$S" >/dev/null
check "$S back up" wait_for 10 test "$(sql "SELECT healthy FROM servers WHERE id='$S'")" = 1
finish
