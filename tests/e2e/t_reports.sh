#!/usr/bin/env bash
# Rooms moved off a server their people cannot reach (join-room
# "unreachable" while MRB's probe of that server succeeds): one member's
# report, with another member present who did not report, changes nothing;
# a second member's report within [reports] window moves the room (its old
# copy destroyed, no seat freed by the old copy's "destroyed"/"left"), and
# marks the server suspect (status, metrics; new rooms avoid it; it clears
# by itself). A report older than the window does not count; a lone member
# present is every member present (a reporter nobody saw in the room moves
# nothing alone: t_rejoin); the per-room limit holds a room that
# has just moved, the per-server limit (server_rate a minute) holds the
# next room of a server that has had its moves, and a room never goes back
# to a server it left this way. Both servers answer MRB throughout.
. "$(dirname "$0")/lib.sh"
A=janus-a; B=janus-b
HOST=$(host_token)
cleanup() {
  sql "UPDATE servers SET suspect_until = NULL; DELETE FROM report_moves WHERE room_id LIKE 'fake-%'"
  "$MRBCTL" server enable "$A" >/dev/null 2>&1; "$MRBCTL" server enable "$B" >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT
"$MRBCTL" server enable "$A" >/dev/null; "$MRBCTL" server enable "$B" >/dev/null
sql "UPDATE servers SET suspect_until = NULL"
server_of() { sql "SELECT server_id FROM rooms WHERE id = '$1'"; }
url_of() { sql "SELECT public_url FROM servers WHERE id = '$1'"; }
URL_A=$(url_of "$A"); URL_B=$(url_of "$B")
on() { # on SERVER NAME: a room created there (the other one out of placement meanwhile)
  local other=$A; [ "$1" = "$A" ] && other=$B
  "$MRBCTL" server disable "$other" >/dev/null
  create_room "{\"roomNm\":\"reports $2\",\"roomKey\":\"2222\",\"maxParticipants\":4}"
  "$MRBCTL" server enable "$other" >/dev/null
}
# enter ROOM USER DISPLAY: joins through MRB and into the room on Janus
enter() {
  post join-room "{\"roomId\":\"$1\",\"roomKey\":\"2222\",\"userId\":\"$2\"}"
  janus_join "$(jqr .data.server)" "$(jqr .data.token)" "$1" 2222 "$3" "$(jqr .data.opaqueId)"
}
present() { sql "SELECT COUNT(*) FROM participants WHERE room_id = '$1' AND main_id IS NULL"; }
# report ROOM USER URL: join-room naming URL unreachable; sets BODY
report() { post join-room "{\"roomId\":\"$1\",\"roomKey\":\"2222\",\"userId\":\"$2\",\"unreachable\":\"$3\"}"; }
outcome() { metric "mrb_client_reports_total{outcome=\"$1\"}"; }
suspect_b() { sql "SELECT COALESCE(suspect_until, 0) > UNIX_TIMESTAMP() FROM servers WHERE id = '$B'"; }

# Two people in a room on B, both present by Janus's events.
on "$B" pair; R=$ROOM
enter "$R" dana Dana; enter "$R" erin Erin
check "dana and erin are present in the room on $B" wait_for 5 db_is "SELECT COUNT(*) FROM participants WHERE room_id = '$R' AND main_id IS NULL" 2
seats=$(sql "SELECT seats_taken FROM rooms WHERE id = '$R'")

healthy0=$(outcome healthy)
report "$R" dana "$URL_B"
eq "one member's report (the other present, not reporting) -> 200, the same server" "$STATUS/$(jqr .data.server)" "200/$URL_B"
eq "...the room stays on $B" "$(server_of "$R")" "$B"
eq "...the server is not suspect" "$(suspect_b)" 0
eq "...counted as healthy" "$(outcome healthy)" "$((healthy0 + 1))"
report "$R" dana "$URL_B"
eq "the same member again changes nothing" "$(server_of "$R")" "$B"

# A report older than the window does not count with a new one.
sql "UPDATE unreachable_reports SET reported_at = reported_at - 31 WHERE room_id = '$R'"
report "$R" erin "$URL_B"
eq "erin's report, dana's older than the window (30 s) -> the room stays" "$(server_of "$R")/$(suspect_b)" "$B/0"

moved0=$(outcome moved_members)
t0=$(date +%s%N)
report "$R" dana "$URL_B"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
eq "a second member within the window -> the answer is the other server ($ms ms)" "$STATUS/$(jqr .data.server)" "200/$URL_A"
eq "...the room is mapped to $A" "$(server_of "$R")" "$A"
eq "...its old copy on $B is destroyed" "$(room_exists_on "$B" "$R")" false
eq "...it exists on $A" "$(room_exists_on "$A" "$R")" true
eq "...counted as moved_members" "$(outcome moved_members)" "$((moved0 + 1))"
eq "...$B is suspect" "$(suspect_b)" 1
match "...mrbctl status says so" "$("$MRBCTL" status)" "$B is suspect until 20"
eq "...and /mrb/metrics" "$(metric "mrb_server_suspect{server=\"$B\"}")" 1
eq "...$A is not" "$(metric "mrb_server_suspect{server=\"$A\"}")" 0
eq "...$B stays up and enabled" "$(sql "SELECT CONCAT(healthy, state) FROM servers WHERE id = '$B'")" "1enabled"
sleep 2   # the old copy's "destroyed" and "left" events reach the webhook
eq "no seat freed by the old copy's destroyed/left events" "$(sql "SELECT seats_taken FROM rooms WHERE id = '$R'")" "$seats"
eq "...both seats are still there" "$(sql "SELECT COUNT(*) FROM seats WHERE room_id = '$R'")" 2

# New rooms avoid a suspect server (B is otherwise as placeable as A).
create_room '{"roomNm":"reports new"}'; NEW=$ROOM
eq "a new room avoids the suspect server" "$SERVER" "$A"
"$MRBCTL" room end "$NEW" >/dev/null 2>&1
"$MRBCTL" server disable "$A" >/dev/null
create_room '{"roomNm":"reports only b"}'; ONLY=$ROOM
eq "...but takes it when no other server can" "$STATUS/$SERVER" "201/$B"
"$MRBCTL" server enable "$A" >/dev/null
"$MRBCTL" room end "$ONLY" >/dev/null 2>&1

# Per room: the room has just moved this way; both report its new server.
limited0=$(outcome limited)
enter "$R" dana Dana; enter "$R" erin Erin
report "$R" dana "$URL_A"; report "$R" erin "$URL_A"
eq "both members report $A right after the move -> the room stays (room_interval)" "$(server_of "$R")" "$A"
eq "...counted as limited" "$(outcome limited)" "$((limited0 + 1))"
# Past the room's limit it could move again, but never back to $B.
sql "UPDATE report_moves SET moved_at = moved_at - 301 WHERE room_id = '$R'"
report "$R" dana "$URL_A"; report "$R" erin "$URL_A"
eq "past room_interval, with $B the only other server: it does not go back" "$STATUS/$(server_of "$R")" "200/$A"
eq "...and $A is not marked suspect for a move that did not happen" "$(sql "SELECT COALESCE(suspect_until, 0) > UNIX_TIMESTAMP() FROM servers WHERE id = '$A'")" 0
eq "...nor counted against the room" "$(sql "SELECT COUNT(*) FROM report_moves WHERE room_id = '$R' AND from_server = '$A'")" 0
"$MRBCTL" room end "$R" >/dev/null 2>&1

# A lone member present is every member present.
sql "UPDATE servers SET suspect_until = NULL"
on "$B" lone; L=$ROOM
enter "$L" fay Fay
check "fay alone is present in a room on $B" wait_for 5 db_is "SELECT COUNT(*) FROM participants WHERE room_id = '$L' AND main_id IS NULL" 1
report "$L" fay "$URL_B"
eq "the only member present reports -> the room moves" "$(server_of "$L")" "$A"
"$MRBCTL" room end "$L" >/dev/null 2>&1

# Per server: $B has had server_rate (60) moves this minute.
sql "UPDATE servers SET suspect_until = NULL"
on "$B" busy; S=$ROOM
enter "$S" gus Gus; enter "$S" hal Hal
check "gus and hal are present in a room on $B" wait_for 5 db_is "SELECT COUNT(*) FROM participants WHERE room_id = '$S' AND main_id IS NULL" 2
sql "INSERT INTO report_moves (room_id, from_server, moved_at) SELECT CONCAT('fake-', seq), '$B', UNIX_TIMESTAMP() FROM seq_1_to_60"
limited0=$(outcome limited)
report "$S" gus "$URL_B"; report "$S" hal "$URL_B"
eq "two members report, $B moved 60 rooms this minute -> the room stays (server_rate)" "$(server_of "$S")" "$B"
eq "...counted as limited" "$(outcome limited)" "$((limited0 + 1))"
sql "DELETE FROM report_moves WHERE room_id LIKE 'fake-%'"
report "$S" hal "$URL_B"
eq "once under the rate, the next report moves it" "$(server_of "$S")" "$A"
"$MRBCTL" room end "$S" >/dev/null 2>&1

# The mark clears by itself.
# (3 s, not 1: a read that crosses a second boundary must still be inside it)
sql "UPDATE servers SET suspect_until = UNIX_TIMESTAMP() + 3 WHERE id = '$B'"
eq "suspect for a few more seconds" "$(metric "mrb_server_suspect{server=\"$B\"}")" 1
sleep 4
eq "...then not, without anyone acting" "$(metric "mrb_server_suspect{server=\"$B\"}")/$(suspect_b)" "0/0"
if "$MRBCTL" status | grep -q "$B is suspect"; then not_ok "...mrbctl status no longer says so"; else ok "...mrbctl status no longer says so"; fi

finish
