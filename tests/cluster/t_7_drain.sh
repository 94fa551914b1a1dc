#!/usr/bin/env bash
# A drain on the cluster: the drain is a row in the database, and the web
# nodes' schedulers both run mrb-health each minute; the one holding the
# health lease acts on it. A busy room (a seat held) on a server drained
# with a 5 s deadline moves after the deadline, exactly once, logged by one
# web node's mrb-health; its old copy is destroyed.
. "$(dirname "$0")/lib.sh"
A=janus-a; B=janus-b
HOST=$(host_token)
LOGS=("$ROOT/run/log/cron.log" "$ROOT/run/web2/log/cron.log")
cleanup() { "$MRBCTL" server enable "$A" >/dev/null 2>&1; "$MRBCTL" server enable "$B" >/dev/null 2>&1; rm -rf "$TMP"; }
trap cleanup EXIT
"$MRBCTL" server enable "$A" >/dev/null; "$MRBCTL" server enable "$B" >/dev/null
"$MRBCTL" server disable "$A" >/dev/null
BASE=$BASE2 create_room '{"roomNm":"cluster drain","roomKey":"2222"}'
"$MRBCTL" server enable "$A" >/dev/null
R=$ROOM
eq "a room created through web node 2 on $B" "$STATUS/$SERVER" "201/$B"
BASE=$BASE1 post join-room "{\"roomId\":\"$R\",\"roomKey\":\"2222\",\"userId\":\"ivy\"}"
eq "ivy holds a seat in it, through web node 1 (the room is busy)" "$STATUS" 200

t0=$(date +%s)
"$MRBCTL" server drain "$B" --deadline 5s >/dev/null
eq "drained with a 5 s deadline: cordoned on every node" \
  "$(for n in "${NODES[@]}"; do node_sql "$n" "SELECT state FROM servers WHERE id = '$B'"; done | sort -u)" cordoned
moved_to() { [ "$(node_sql 1 "SELECT server_id FROM rooms WHERE id = '$R'")" = "$A" ]; }
check "the busy room moves to $A within the deadline + 2 minutes of scheduler runs" wait_for 130 moved_to
took=$(( $(date +%s) - t0 ))
echo "       (moved $took s after the drain began)"
check "...not before the deadline" test "$took" -ge 5
sleep 1
lines=$(cat "${LOGS[@]}" | grep -c "room $R moved from $B to $A")
eq "...moved exactly once, by one web node's mrb-health (lines in both cron logs)" "$lines" 1
by=1; grep -q "room $R moved from" "${LOGS[1]}" && by=2
echo "       (moved by web node $by)"
eq "...its old copy on $B is destroyed" "$(room_exists_on "$B" "$R")" false
eq "...ivy's seat stayed" "$(node_sql 2 "SELECT COUNT(*) FROM seats WHERE room_id = '$R' AND user_id = 'ivy'")" 1
"$MRBCTL" room end "$R" >/dev/null 2>&1
finish
