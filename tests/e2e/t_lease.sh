#!/usr/bin/env bash
# One mrb-health acts at a time, even when one poll outlasts the lease: a
# run evacuating a dead server's rooms onto a target that hangs (SIGSTOP:
# every create waits out [janus] timeout_ms) renews its lease before each
# room it moves, so a standby run started after the lease's length still
# finds it held and does not act alongside.
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1
# a run the scheduler's stop had to KILL (mid-poll) left its lease behind
sql "UPDATE leases SET holder = '', expires_at = 0 WHERE name = 'health'"
A=janus-a; B=janus-b
cleanup() {
  kill -CONT "$(cat "$ROOT/run/$B.pid")" 2>/dev/null
  "$ROOT/scripts/stack.sh" janus-start "$A" >/dev/null 2>&1
  sql "UPDATE servers SET state='enabled' WHERE id IN ('$A','$B')"
  "$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT
interval=$(conf_get "$CONF" health interval); timeout=$(conf_get "$CONF" health timeout_ms)
ttl=$(( interval * 3 + timeout / 1000 + 1 ))
jt=$(conf_get "$CONF" janus timeout_ms)
n=$(( (ttl * 1000 + 6000) / jt + 1 ))   # rooms enough to outlast the lease by 6 s
sql "UPDATE servers SET state='disabled' WHERE id='$B'"
tag="lease-$RANDOM"
for i in $(seq 1 "$n"); do create_room "{\"roomNm\":\"$tag $i\"}"; done
sql "UPDATE servers SET state='enabled' WHERE id='$B'"
eq "$n rooms on $A" "$(sql "SELECT COUNT(*) FROM rooms WHERE server_id='$A' AND ended_at IS NULL AND name LIKE '$tag %'")" "$n"
sql "UPDATE servers SET fail_count = $(( $(conf_get "$CONF" health fail_threshold) - 1 )) WHERE id='$A'"
"$ROOT/scripts/stack.sh" janus-stop "$A" KILL >/dev/null
kill -STOP "$(cat "$ROOT/run/$B.pid")"
t0=$SECONDS
"$ROOT/cron/mrb-health" --once >"$TMP/run1.log" 2>&1 &
run1=$!
sleep $(( ttl + 2 ))
"$ROOT/cron/mrb-health" --once >"$TMP/run2.log" 2>&1
still=$(kill -0 $run1 2>/dev/null && echo running || echo done)
match "the first run took the lease" "$(cat "$TMP/run1.log")" "took the lease"
eq "the first run is still evacuating after the lease's length ($ttl s)" "$still" running
match "a second run then finds the lease held" "$(cat "$TMP/run2.log")" "another run holds the lease"
check "...and does not take it" bash -c "! grep -q 'took the lease' '$TMP/run2.log'"
kill -CONT "$(cat "$ROOT/run/$B.pid")"
wait $run1
echo "       (the first run took $((SECONDS - t0)) s; lease $ttl s)"
check "the first run never lost its lease" bash -c "! grep -q 'lost the lease' '$TMP/run1.log'"
finish
