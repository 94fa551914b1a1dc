#!/usr/bin/env bash
# A client's report of an unreachable media server (join-room "unreachable"):
# probed at once, the room moved when the probe fails, the same server when
# it answers, ignored when the URL is not the room's server; at most one
# probe a second however many report; reports from several rooms take the
# server down and evacuate it; a full room's members get back in.
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1   # no poll may notice first
trap '"$ROOT/scripts/stack.sh" janus-start janus-a >/dev/null 2>&1; "$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1; rm -rf "$TMP"' EXIT
A_URL=$(server_conf janus-a public_url); B_URL=$(server_conf janus-b public_url)
now_ms() { date +%s%3N; }
report() { # report ROOM USER URL: a rejoin naming URL unreachable
  post join-room "{\"roomId\":\"$1\",\"roomKey\":\"6161\",\"userId\":\"$2\",\"unreachable\":\"$3\"}"
}
sql "UPDATE servers SET fail_count = 0 WHERE id IN ('janus-a', 'janus-b')"
# rooms on janus-a (janus-b disabled while they are made), one on janus-b
sql "UPDATE servers SET state = 'disabled' WHERE id = 'janus-b'"
for i in 1 2 3; do create_room "{\"roomNm\":\"rejoin $i\",\"roomKey\":\"6161\",\"maxParticipants\":2}"; eval "R$i=\$ROOM"; done
sql "UPDATE servers SET state = 'enabled' WHERE id = 'janus-b'; UPDATE servers SET state = 'disabled' WHERE id = 'janus-a'"
create_room '{"roomNm":"rejoin b","roomKey":"6161"}'; RB=$ROOM
sql "UPDATE servers SET state = 'enabled' WHERE id = 'janus-a'"
eq "three rooms on janus-a, one on janus-b" "$(sql "SELECT GROUP_CONCAT(server_id ORDER BY name) FROM rooms WHERE id IN ('$R1','$R2','$R3','$RB')")" "janus-a,janus-a,janus-a,janus-b"

# --- a healthy server, an unrelated URL ------------------------------------
healthy=$(metric 'mrb_client_reports_total{outcome="healthy"}'); ignored=$(metric 'mrb_client_reports_total{outcome="ignored"}')
report "$RB" rb-user "$B_URL"
eq "a report of a server that answers -> 200 on the same server" "$STATUS/$(jqr .data.server)" "200/$B_URL"
report "$RB" rb-user "http://127.0.0.1:1/janus"
eq "a report naming an unrelated URL is ignored: same server" "$STATUS/$(jqr .data.server)" "200/$B_URL"
check "...counted healthy" wait_for 5 bash -c "[ \$(curl -s $BASE/metrics | awk '\$1 == \"mrb_client_reports_total{outcome=\\\"healthy\\\"}\" {print \$2}') -gt $healthy ]"
check "...and ignored" wait_for 5 bash -c "[ \$(curl -s $BASE/metrics | awk '\$1 == \"mrb_client_reports_total{outcome=\\\"ignored\\\"}\" {print \$2}') -gt $ignored ]"

# --- a full 2-seat room on janus-a, then janus-a dies ------------------------
post join-room "{\"roomId\":\"$R1\",\"roomKey\":\"6161\",\"userId\":\"m1\"}"; OP1=$(jqr .data.opaqueId)
post join-room "{\"roomId\":\"$R1\",\"roomKey\":\"6161\",\"userId\":\"m2\"}"
post join-room "{\"roomId\":\"$R1\",\"roomKey\":\"6161\",\"userId\":\"m3\"}"; eq "the room is full (409 to a third)" "$STATUS" 409
"$ROOT/scripts/stack.sh" janus-stop janus-a KILL >/dev/null
t0=$(now_ms); report "$R1" m1 "$A_URL"; ms=$(( $(now_ms) - t0 ))
eq "a member reporting the dead server -> 200 on janus-b" "$STATUS/$(jqr .data.server)" "200/$B_URL"
timeout=$(conf_get "$CONF" janus probe_timeout_ms || echo 1000)
check "...within the probe timeout + 1 s ($ms ms)" test "$ms" -lt $((timeout + 1000))
eq "...keeping its seat (same opaqueId) in the full room" "$(jqr .data.opaqueId)" "$OP1"
report "$R1" m2 "$A_URL"
eq "the other member gets back in too, now that the room moved" "$STATUS/$(jqr .data.server)" "200/$B_URL"
eq "the room exists on janus-b" "$(room_exists_on janus-b "$R1")" true
eq "janus-a is still up after one failed probe (fail_threshold 2)" "$(sql "SELECT healthy FROM servers WHERE id='janus-a'")" 1

# --- a storm of reports: at most one probe a second --------------------------
sleep 1.1   # the first probe's result is no longer fresh
probes=$(metric 'mrb_server_probes_total{result="down"}')
t0=$(now_ms)
for i in $(seq 1 50); do
  curl -s -o "$TMP/storm-$i" -w '%{http_code}\n' -X POST "$BASE/join-room" -H 'Content-Type: application/json' \
    -d "{\"roomId\":\"$R2\",\"roomKey\":\"6161\",\"userId\":\"s$((i % 2))\",\"unreachable\":\"$A_URL\"}" &
done >"$TMP/storm"; wait
secs=$(( ($(now_ms) - t0 + 999) / 1000 ))
eq "50 concurrent reports -> 50 answers 200" "$(grep -c '^200$' "$TMP/storm")" 50
for i in $(seq 1 50); do jq -e '.code == "000"' "$TMP/storm-$i" >/dev/null || echo "       answer $i: $(cat "$TMP/storm-$i")"; done
check "...wait for the counted probes" wait_for 5 bash -c "[ \$(curl -s $BASE/metrics | awk '\$1 == \"mrb_server_probes_total{result=\\\"down\\\"}\" {print \$2}') -gt $probes ]"
n=$(( $(metric 'mrb_server_probes_total{result="down"}') - probes ))
check "...at most one probe a second: $n probe(s) in $secs s" test "$n" -ge 1 -a "$n" -le "$secs"

# --- two rooms' reports took janus-a down: every room of it moved -----------
eq "janus-a marked down after its second failed probe" "$(sql "SELECT healthy FROM servers WHERE id='janus-a'")" 0
check "the unreported third room was evacuated to janus-b" wait_for 5 db_is "SELECT server_id FROM rooms WHERE id='$R3'" janus-b
eq "...and exists there" "$(room_exists_on janus-b "$R3")" true
finish
