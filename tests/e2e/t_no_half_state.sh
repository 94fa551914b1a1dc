#!/usr/bin/env bash
# When no server can take a room: 503 (code 503) and no row, no Janus room.
. "$(dirname "$0")/lib.sh"
before=$(sql "SELECT COUNT(*) FROM rooms")
sql "UPDATE servers SET state='disabled'"
create_room '{"roomNm":"nowhere"}'
eq "no enabled server -> 503" "$STATUS" 503; eq "code 503" "$(jqr .code)" 503
sql "UPDATE servers SET state='enabled'"
# both reachable in the DB but their admin API refuses (wrong secret)
sql "UPDATE servers SET admin_secret=CONCAT(admin_secret,'-wrong')"
create_room '{"roomNm":"refused"}'
eq "every server refuses -> 503" "$STATUS" 503
sql "UPDATE servers SET admin_secret=LEFT(admin_secret, LENGTH(admin_secret)-6)"
eq "no row left behind" "$(sql "SELECT COUNT(*) FROM rooms")" "$before"
# one server unreachable: the next best takes the room
sql "UPDATE servers SET admin_url='http://127.0.0.1:9/admin' WHERE id='janus-a'"
create_room '{"roomNm":"fallback"}'
eq "unreachable best server -> next one takes it" "$STATUS/$SERVER" "201/janus-b"
"$MRBCTL" server sync "$CONF" >/dev/null
create_room '{"roomNm":"healed config"}'
eq "sync restores the registration" "$STATUS" 201
# Janus created the room, then the database write fails: the Janus room is
# destroyed again. A trigger (test-only) makes that one insert fail.
sql "DROP TRIGGER IF EXISTS mrb_test_fail_insert"
# (one statement, no ';' inside: NULL into a NOT NULL column fails the insert)
sql "CREATE TRIGGER mrb_test_fail_insert BEFORE INSERT ON rooms FOR EACH ROW
     SET NEW.max_participants = IF(NEW.name = 'db write fails', NULL, NEW.max_participants)"
before=$(sql "SELECT COUNT(*) FROM rooms")
calls=$(metric 'mrb_media_server_calls_total{program="create-room"}')
create_room '{"roomNm":"db write fails"}'
sql "DROP TRIGGER IF EXISTS mrb_test_fail_insert"
eq "Janus says yes, the database says no -> 503" "$STATUS/$(jqr .code)" 503/503
# placement succeeded (a refusal by every server says "no media server ...")
eq "...failed at the database, after a media server took the room" "$(jqr .message)" "database unavailable"
eq "no row" "$(sql "SELECT COUNT(*) FROM rooms")" "$before"
# Janus really made the room (a create), and was asked to destroy it: two
# Admin API calls by create-room, or more if a server refused first.
check "Janus was called to create the room and to destroy it again" \
  wait_for 5 metric_gt 'mrb_media_server_calls_total{program="create-room"}' $((calls + 1))
left=0 listed=0
for s in janus-a janus-b; do
  n=$(janus_admin "$s" '{"request":"list"}' | jq -e '[.response.list[] | select(.description == "db write fails")] | length') \
    && listed=$((listed + 1)) && left=$((left + n))
done
eq "both media servers answered the room list" "$listed" 2
eq "and the room Janus made was destroyed again" "$left" 0
finish
