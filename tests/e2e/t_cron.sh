#!/usr/bin/env bash
# cron/mrb-expire and cron/mrb-health on the real stack: expiry, real
# metrics, failover after a SIGKILL, recovery, and the lease.
. "$(dirname "$0")/lib.sh"
EXPIRE="$ROOT/cron/mrb-expire"; HEALTH="$ROOT/cron/mrb-health"
# The stack's scheduler would run the same jobs; run them by hand here.
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1
sql "DELETE FROM leases"

# --- expiry -------------------------------------------------------------
create_room '{"roomNm":"short","roomKey":"1010","ttlSeconds":10}'
eq "10-second room created" "$STATUS" 201
R=$ROOM; S=$SERVER
eq "it exists on $S" "$(room_exists_on "$S" "$R")" true
post join-room "{\"roomId\":\"$R\",\"roomKey\":\"1010\"}"; eq "joinable before 10 s" "$STATUS" 200
sleep 10.5
post join-room "{\"roomId\":\"$R\",\"roomKey\":\"1010\"}"; eq "after 10 s -> 410" "$STATUS" 410; eq "code 105" "$(jqr .code)" 105
out=$("$EXPIRE" --dry-run 2>&1); rc=$?
eq "dry run exits 0" "$rc" 0
match "dry run names the room" "$out" "would destroy room $R"
eq "dry run destroys nothing" "$(room_exists_on "$S" "$R")" true
out=$("$EXPIRE" 2>&1); rc=$?
eq "expire run exits 0" "$rc" 0
match "one log line for the room" "$out" "room $R destroyed on $S"
eq "gone from $S after the run" "$(room_exists_on "$S" "$R")" false
check "marked ended" test "$(sql "SELECT ended_at IS NOT NULL FROM rooms WHERE id='$R'")" = 1
out=$("$EXPIRE" 2>&1); rc=$?
eq "second run is a no-op (idempotent)" "$rc/$(grep -c "room $R" <<<"$out")" "0/0"
# a room already gone from Janus (485) counts as done
create_room '{"roomNm":"vanished"}'; V=$ROOM; VS=$SERVER
sql "SELECT secret FROM rooms WHERE id='$V'" >"$TMP/sec"
janus_admin "$VS" "{\"request\":\"destroy\",\"room\":\"$V\",\"secret\":\"$(cat "$TMP/sec")\"}" >/dev/null
sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE id='$V'"
out=$("$EXPIRE" 2>&1)
match "485 counts as done" "$out" "room $V already gone"
eq "and is marked ended" "$(sql "SELECT ended_at IS NOT NULL FROM rooms WHERE id='$V'")" 1

# --- metrics from real polls ----------------------------------------------
"$HEALTH" --once 2>/dev/null; sleep 1; "$HEALTH" --once 2>/dev/null
row=$(sql "SELECT sessions IS NOT NULL, cpu BETWEEN 0 AND 1, mem > 0 AND mem < 1, sockets > 0, metrics_at >= UNIX_TIMESTAMP() - 5 FROM servers WHERE id='janus-a'")
eq "janus-a: sessions, cpu, mem, sockets and a fresh timestamp from real polls" "$row" "$(printf '1\t1\t1\t1\t1')"
URL=$(server_conf janus-a public_url)
post join-room "{\"roomId\":\"$R\",\"roomKey\":\"1010\"}" >/dev/null
create_room '{"roomNm":"session count","roomKey":"3030"}'
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"3030\"}"; TOK=$(jqr .data.token); SURL=$(jqr .data.server); SS=$SERVER
for i in 1 2 3; do curl -s -X POST "$SURL" -d "{\"janus\":\"create\",\"transaction\":\"s$i\",\"token\":\"$TOK\"}" >/dev/null; done
"$HEALTH" --once 2>/dev/null
check "session count polled from $SS's Admin API (>= 3)" test "$(sql "SELECT sessions FROM servers WHERE id='$SS'")" -ge 3

# --- the lease: two runs started together, one acts ------------------------
sed -e 's/^\[health\]$/[health]\nrun_seconds = 3/' -e 's/^interval = 5$/interval = 1/' "$CONF" >"$TMP/lease.conf"
chmod 600 "$TMP/lease.conf"   # the programs refuse a config others can read
"$HEALTH" -c "$TMP/lease.conf" >"$TMP/h1" 2>&1 & p1=$!
"$HEALTH" -c "$TMP/lease.conf" >"$TMP/h2" 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
eq "both exit 0" "$r1/$r2" "0/0"
eq "exactly one found the lease taken" "$(cat "$TMP/h1" "$TMP/h2" | grep -c 'another run holds the lease')" 1

# --- SIGKILL: detected by polling, rooms moved within 20 s -----------------
S=janus-a; OTHER=janus-b
sql "UPDATE servers SET state='disabled' WHERE id='$OTHER'"
victims=(); for i in 1 2 3; do create_room "{\"roomNm\":\"victim $i\",\"roomKey\":\"4040\"}"; victims+=("$ROOM"); done
sql "UPDATE servers SET state='enabled' WHERE id='$OTHER'; UPDATE servers SET state='disabled' WHERE id='$S'"
create_room '{"roomNm":"bystander","roomKey":"4040"}'; bystander=$ROOM
sql "UPDATE servers SET state='enabled' WHERE id='$S'"
sql "DELETE FROM leases"
"$HEALTH" >"$TMP/health.log" 2>&1 & hp=$!
sleep 1
t0=$(date +%s%N)
"$ROOT/scripts/stack.sh" janus-stop "$S" KILL >/dev/null
joinable() {
  for r in "${victims[@]}"; do
    post join-room "{\"roomId\":\"$r\",\"roomKey\":\"4040\",\"userId\":\"prober\"}"
    [ "$STATUS" = 200 ] && [ "$(jqr .data.server)" = "$(server_conf "$OTHER" public_url)" ] || return 1
    [ "$(room_exists_on "$OTHER" "$r")" = true ] || return 1
  done
}
# until the poller notices, join-room still (correctly, from what it knows) sends guests to $S
check "every room of $S joinable on $OTHER within 20 s of the SIGKILL, existing there" wait_for 20 joinable
echo "       (after $(( ($(date +%s%N) - t0) / 1000000 )) ms)"
eq "$S marked down by polling" "$(sql "SELECT healthy FROM servers WHERE id='$S'")" 0
eq "rooms on the healthy server stay put" "$(sql "SELECT server_id FROM rooms WHERE id='$bystander'")" "$OTHER"
create_room '{"roomNm":"after the kill"}'; eq "new rooms avoid the dead server" "$SERVER" "$OTHER"
match "one log line: server down" "$(cat "$TMP/health.log")" "server $S down"
match "a log line per room it moved (joins may move some first)" "$(cat "$TMP/health.log")" "room [A-Za-z0-9_-]+ moved from $S to $OTHER"

# --- recovery: the restarted server is eligible again ----------------------
"$ROOT/scripts/stack.sh" janus-start "$S" >/dev/null
check "$S healthy again within 15 s" wait_for 15 db_is "SELECT healthy FROM servers WHERE id='$S'" 1
check "the canary room is back on $S" wait_for 10 exists_is "$S" mrb-canary true
sql "UPDATE servers SET state='disabled' WHERE id='$OTHER'"
create_room '{"roomNm":"back on its feet"}'; eq "$S takes new rooms again" "$STATUS/$SERVER" "201/$S"
sql "UPDATE servers SET state='enabled' WHERE id='$OTHER'"
cp "$TMP/health.log" "$ROOT/run/log/t_cron-health.log"
kill $hp 2>/dev/null; wait $hp 2>/dev/null
eq "mrb-health exits 0 on SIGTERM" "$?" 0
"$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1
finish
