#!/usr/bin/env bash
# A Janus killed and restarted (no shutdown event, only its start-up event)
# has lost its rooms: the next join recreates the room there. A Janus that
# shuts down (SIGTERM): its live rooms move to the other server at once.
. "$(dirname "$0")/lib.sh"
# This test is about the event path: keep the poller (t_cron's subject) out.
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1

create_room '{"roomNm":"survivor","roomKey":"8642"}'
eq "room created" "$STATUS" 201
S=$SERVER
boot=$(sql "SELECT boot FROM servers WHERE id='$S'")
"$ROOT/scripts/stack.sh" janus-stop "$S" KILL >/dev/null
"$ROOT/scripts/stack.sh" janus-start "$S" >/dev/null
check "the started event bumped $S's boot" wait_for 10 db_gt "SELECT boot FROM servers WHERE id='$S'" "$boot"
check "server healthy again" wait_for 10 db_is "SELECT healthy FROM servers WHERE id='$S'" 1
eq "room is gone from the restarted Janus" "$(room_exists_on "$S" "$ROOM")" false
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"8642\"}"
eq "join after restart -> 200" "$STATUS" 200
eq "same server" "$(jqr .data.server)" "$(server_conf "$S" public_url)"
eq "room recreated on $S" "$(room_exists_on "$S" "$ROOM")" true
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"8642\"}"
eq "second join still fine" "$STATUS" 200

# Several live rooms on S, one expired room, and rooms on the other server.
S=janus-a; OTHER=janus-b
sql "UPDATE servers SET state='disabled' WHERE id='$OTHER'"
movers=()
for i in 1 2 3 4; do create_room "{\"roomNm\":\"mover $i\",\"roomKey\":\"7531\"}"; movers+=("$ROOM"); done
create_room '{"roomNm":"expired mover"}'; expired=$ROOM
sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE id = '$expired'"
sql "UPDATE servers SET state='enabled' WHERE id='$OTHER'; UPDATE servers SET state='disabled' WHERE id='$S'"
create_room '{"roomNm":"stays"}'; stays=$ROOM
sql "UPDATE servers SET state='enabled' WHERE id='$S'"
eq "stay-put room is on $OTHER" "$SERVER" "$OTHER"
t0=$(date +%s%N)
"$ROOT/scripts/stack.sh" janus-stop "$S" TERM >/dev/null
all_moved() { for r in "${movers[@]}"; do [ "$(room_exists_on "$OTHER" "$r")" = true ] || return 1; done; }
check "all 4 live rooms exist on $OTHER within 5 s of SIGTERM" wait_for 5 all_moved
ms=$(( ($(date +%s%N) - t0) / 1000000 )); echo "       (moved in ${ms} ms)"
eq "the shutdown event marked $S down" "$(sql "SELECT healthy FROM servers WHERE id='$S'")" 0
eq "mappings updated" "$(sql "SELECT COUNT(*) FROM rooms WHERE server_id='$OTHER' AND id IN ('${movers[0]}','${movers[1]}','${movers[2]}','${movers[3]}')")" 4
eq "expired room not moved" "$(sql "SELECT server_id FROM rooms WHERE id='$expired'")" "$S"
eq "room on the healthy server untouched" "$(sql "SELECT server_id FROM rooms WHERE id='$stays'")" "$OTHER"
post join-room "{\"roomId\":\"${movers[0]}\",\"roomKey\":\"7531\"}"
eq "join a moved room -> 200" "$STATUS" 200
eq "join sends the guest to $OTHER" "$(jqr .data.server)" "$(server_conf "$OTHER" public_url)"
create_room '{"roomNm":"while down"}'
eq "new rooms avoid the down server" "$SERVER" "$OTHER"
"$ROOT/scripts/stack.sh" janus-start "$S" >/dev/null
check "$S back up" wait_for 10 db_is "SELECT healthy FROM servers WHERE id='$S'" 1
"$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1
finish
