#!/usr/bin/env bash
# Ended rooms do not pile up: mrb-expire purges rooms that ended more than
# [rooms] retain_days ago (30 by default), with their presence rows, in
# bounded batches; rooms ended more recently stay for support and billing
# questions; live rooms are untouched; /mrb/metrics' counters survive.
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1
trap '"$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1; rm -rf "$TMP"' EXIT
DAYS=$(conf_get "$CONF" rooms retain_days)
eq "retain_days as the programs read it (the default)" "$DAYS" 30
now=$(date +%s)
tag="ret-$RANDOM"
create_room "{\"roomNm\":\"$tag old\"}"; OLD=$ROOM
create_room "{\"roomNm\":\"$tag recent\"}"; RECENT=$ROOM
create_room "{\"roomNm\":\"$tag live\"}"; LIVE=$ROOM
"$MRBCTL" room end "$OLD" >/dev/null; "$MRBCTL" room end "$RECENT" >/dev/null
sql "UPDATE rooms SET ended_at = $((now - DAYS * 86400 - 60)) WHERE id = '$OLD'"
sql "UPDATE rooms SET ended_at = $((now - DAYS * 86400 + 3600)) WHERE id = '$RECENT'"
sql "INSERT IGNORE INTO presence_checks (room_id, server_id) VALUES ('$OLD', 'janus-a')"
# a backlog bigger than one batch (500): copies of the old room under new ids
sql "INSERT INTO rooms (id, name, description, room_key, secret, max_participants, record, created_by, server_id,
       server_boot, created_at, expires_at, ended_at, room_type)
     SELECT CONCAT('$tag-', seq), name, description, room_key, secret, max_participants, record, created_by,
       server_id, server_boot, created_at, expires_at, ended_at, room_type
     FROM rooms, seq_1_to_1200 WHERE id = '$OLD'"
metric() { curl -s "$BASE/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
# the FastCGI workers write their counters once a second (or when idle):
# take the baseline once the creates above have landed
settled() { local a b; for _ in 1 2 3 4 5 6 7 8 9 10; do a=$(metric "$1"); sleep 1.2; b=$(metric "$1"); [ "$a" = "$b" ] && break; done; echo "$b"; }
created=$(settled mrb_rooms_created_total); ended=$(settled mrb_rooms_ended_total)

"$ROOT/cron/mrb-expire" 2>"$TMP/expire.log"; rc=$?
eq "mrb-expire: exit 0" "$rc" 0
match "...its summary counts the purged rooms" "$(cat "$TMP/expire.log")" "1201 ended rooms past retain_days"
eq "a room ended more than retain_days ago is gone" "$(sql "SELECT COUNT(*) FROM rooms WHERE id = '$OLD'")" 0
eq "...and the backlog of 1,200 with it (3 batches of 500 in one run)" \
  "$(sql "SELECT COUNT(*) FROM rooms WHERE id LIKE '$tag-%'")" 0
eq "...with its presence row" "$(sql "SELECT COUNT(*) FROM presence_checks WHERE room_id = '$OLD'")" 0
eq "a room ended within retain_days stays" "$(sql "SELECT COUNT(*) FROM rooms WHERE id = '$RECENT'")" 1
eq "a live room stays" "$(sql "SELECT COUNT(*) FROM rooms WHERE id = '$LIVE' AND ended_at IS NULL")" 1
eq "mrb_rooms_created_total survives the purge" "$(metric mrb_rooms_created_total)" "$created"
eq "mrb_rooms_ended_total survives the purge" "$(metric mrb_rooms_ended_total)" "$ended"
post room-status "{\"roomId\":\"$OLD\"}" -H "Authorization: Bearer $(host_token)"
eq "room-status of a purged room: 404, as any unknown room" "$STATUS/$(jqr .code)" "404/104"

# retain_days = 0 keeps ended rooms for ever
C=$TMP/keep.conf
awk '{ print } /^\[rooms\]/ { print "retain_days = 0" }' "$CONF" >"$C"; chmod 600 "$C"
sql "UPDATE rooms SET ended_at = 1 WHERE id = '$RECENT'"
MRB_CONFIG=$C "$ROOT/cron/mrb-expire" 2>/dev/null
eq "retain_days = 0: even a room ended in 1970 stays" "$(sql "SELECT COUNT(*) FROM rooms WHERE id = '$RECENT'")" 1
"$ROOT/cron/mrb-expire" 2>/dev/null
eq "...and the default purges it" "$(sql "SELECT COUNT(*) FROM rooms WHERE id = '$RECENT'")" 0
"$MRBCTL" room end "$LIVE" >/dev/null
finish
