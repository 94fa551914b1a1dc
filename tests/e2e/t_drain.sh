#!/usr/bin/env bash
# Drain with a deadline, and a way back (mrbctl server drain / undrain): no
# new rooms go to a draining server; its empty rooms move at the next poll;
# busy ones (someone present, or a seat held) stay until the deadline, then
# move at most [health] drain_rate a second of the poll interval; each old
# copy is destroyed at once (its people hear Janus's "destroyed") without a
# seat freed; the drain is in the database (a new mrb-health run goes on
# with it); undrain cancels; once empty the server is disabled; --now moves
# everything at once. mrb-health is run by hand (--once), the scheduler off.
. "$(dirname "$0")/lib.sh"
A=janus-a; B=janus-b
HOST=$(host_token)
lease_free() { sql "UPDATE leases SET holder = '', expires_at = 0 WHERE name = 'health'"; }
poll() { lease_free; MRB_CONFIG=${1:-$CONF} "$ROOT/cron/mrb-health" --once 2>>"${MRB_DRAIN_LOG:-$TMP/health.log}"; }
# Rooms past their expiry count as open until mrb-expire ends them (they are
# not moved: nobody may join them), so a drained server is disabled only
# then, as in production where both jobs run each minute. Earlier tests
# leave such rooms behind with the scheduler off: end them before a check
# that wants the server empty.
expire() { "$ROOT/cron/mrb-expire" >/dev/null 2>&1; }
cleanup() {
  "$MRBCTL" server enable "$B" >/dev/null 2>&1; "$MRBCTL" server enable "$A" >/dev/null 2>&1
  "$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1
"$MRBCTL" server enable "$A" >/dev/null; "$MRBCTL" server enable "$B" >/dev/null
join() { post join-room "{\"roomId\":\"$1\",\"roomKey\":\"2222\",\"userId\":\"$2\"}"; }
server_of() { sql "SELECT server_id FROM rooms WHERE id = '$1'"; }
state_of() { sql "SELECT state FROM servers WHERE id = '$1'"; }
on_b() { # on_b NAME: a room created on janus-b (janus-a out of placement meanwhile)
  "$MRBCTL" server disable "$A" >/dev/null
  create_room "{\"roomNm\":\"drain $1\",\"roomKey\":\"2222\"}"
  "$MRBCTL" server enable "$A" >/dev/null
}
# Earlier tests leave live rooms on $B (with seats held, i.e. busy): a drain
# would move them first (oldest first), so this case starts from a $B that
# holds only its own rooms.
for r in $(sql "SELECT id FROM rooms WHERE server_id = '$B' AND ended_at IS NULL"); do
  "$MRBCTL" room end "$r" >/dev/null 2>&1
done
expire
poll   # both servers healthy and polled before the case

on_b empty; EMPTY=$ROOM
on_b busy; BUSY=$ROOM
join "$BUSY" dana; URL=$(jqr .data.server); TOK=$(jqr .data.token); OP=$(jqr .data.opaqueId)
janus_join "$URL" "$TOK" "$BUSY" 2222 Dana "$OP"; DSID=$JSID
check "dana is in the busy room on $B" wait_for 3 db_is "SELECT COUNT(*) FROM participants WHERE room_id = '$BUSY'" 1
on_b held; HELD=$ROOM
join "$HELD" erin   # a seat held by join-room, its user not connected yet
eq "the three rooms are on $B" "$(server_of "$EMPTY")$(server_of "$BUSY")$(server_of "$HELD")" "$B$B$B"

out=$("$MRBCTL" server drain "$B" --deadline 1h 2>&1); rc=$?
eq "server drain --deadline 1h -> exit 0" "$rc" 0
match "...says what will happen" "$out" "draining: no new rooms; empty rooms move at once"
eq "...cordoned" "$(state_of "$B")" cordoned
match "mrbctl status shows the deadline" "$("$MRBCTL" status)" "$B is draining: its busy rooms move from 20"
check "/mrb/metrics shows it" metric_gt "mrb_server_drain_deadline_seconds{server=\"$B\"}" "$(date +%s)"
create_room '{"roomNm":"drain new"}'; NEW=$ROOM
eq "a new room avoids the draining server" "$SERVER" "$A"
"$MRBCTL" room end "$NEW" >/dev/null

poll
eq "the next poll moves the empty room at once" "$(server_of "$EMPTY")" "$A"
eq "...and its old copy is destroyed on $B" "$(room_exists_on "$B" "$EMPTY")" false
eq "the busy room stays until the deadline" "$(server_of "$BUSY")" "$B"
eq "the room with a held seat stays too" "$(server_of "$HELD")" "$B"
poll   # a new run of mrb-health: the drain is in the database
eq "a new mrb-health run goes on with the drain: still cordoned" "$(state_of "$B")/$(server_of "$BUSY")" "cordoned/$B"

out=$("$MRBCTL" server undrain "$B" 2>&1); rc=$?
eq "server undrain -> exit 0" "$rc" 0
eq "...enabled again, deadline gone" "$(sql "SELECT CONCAT(state, '/', COALESCE(drain_deadline, 'none')) FROM servers WHERE id = '$B'")" "enabled/none"
eq "...and the rooms that had not moved stay" "$(server_of "$BUSY")$(server_of "$HELD")" "$B$B"
"$MRBCTL" server undrain "$B" >/dev/null 2>&1; eq "undrain of a server not draining -> exit 1" "$?" 1

seats_before=$(sql "SELECT seats_taken FROM rooms WHERE id = '$BUSY'")
"$MRBCTL" server drain "$B" --deadline 1s >/dev/null
sleep 2
expire
poll
eq "past the deadline the busy room moves" "$(server_of "$BUSY")" "$A"
eq "...and the one with a held seat" "$(server_of "$HELD")" "$A"
eq "...the busy room's old copy destroyed on $B" "$(room_exists_on "$B" "$BUSY")" false
match "dana's session on $B heard Janus's destroyed at once" "$(janus_events "$URL" "$TOK")" '"destroyed"'
sleep 1
eq "dana's seat survives the old copy's destroyed and left events" \
  "$(sql "SELECT COUNT(*) FROM seats WHERE room_id = '$BUSY' AND user_id = 'dana'")/$(sql "SELECT seats_taken FROM rooms WHERE id = '$BUSY'")" \
  "1/$seats_before"
eq "$B, empty, is disabled (and its deadline cleared)" \
  "$(sql "SELECT CONCAT(state, '/', COALESCE(drain_deadline, 'none')) FROM servers WHERE id = '$B'")" "disabled/none"
"$MRBCTL" server enable "$B" >/dev/null; poll

# the rate: past the deadline, at most drain_rate x interval busy rooms a poll
C=$TMP/rate.conf
awk '{ print } /^\[health\]/ { print "drain_rate = 1" }' "$CONF" >"$C"; chmod 600 "$C"
interval=$(conf_get "$C" health interval)
n=$((interval + 2)); ids=()
for i in $(seq 1 "$n"); do on_b "rate $i"; ids+=("$ROOM"); join "$ROOM" "u$i"; done
"$MRBCTL" server drain "$B" --deadline 1s >/dev/null; sleep 2
poll "$C"
moved=$(sql "SELECT COUNT(*) FROM rooms WHERE id IN ('$(IFS=,; echo "${ids[*]}" | sed "s/,/','/g")') AND server_id = '$A'")
eq "drain_rate = 1 with a ${interval} s interval: $interval of the $n busy rooms move in one poll" "$moved" "$interval"
poll "$C"
moved=$(sql "SELECT COUNT(*) FROM rooms WHERE id IN ('$(IFS=,; echo "${ids[*]}" | sed "s/,/','/g")') AND server_id = '$A'")
eq "...the rest at the next" "$moved" "$n"
"$MRBCTL" server enable "$B" >/dev/null; poll

# --now: everything at once, as a panic, then disabled
on_b now; NOW=$ROOM; join "$NOW" fay
expire
out=$("$MRBCTL" server drain "$B" --now 2>&1); rc=$?
eq "server drain --now -> exit 0" "$rc" 0
eq "...its busy room moved at once" "$(server_of "$NOW")" "$A"
eq "...and $B is disabled" "$(state_of "$B")" disabled

# usage
out=$("$MRBCTL" server drain "$B" --deadline soon 2>&1); rc=$?
eq "a deadline that is not a duration -> exit 2" "$rc" 2
match "...saying what a duration is" "$out" "like 90s, 15m or 2h"
for r in "$EMPTY" "$BUSY" "$HELD" "$NOW" "${ids[@]}"; do "$MRBCTL" room end "$r" >/dev/null 2>&1; done
finish
