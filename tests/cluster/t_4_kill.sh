#!/usr/bin/env bash
# SIGKILL of one Galera node under steady mixed load: about 20 requests/s
# (creates, joins, webhook batches: 1, 6 and 3 in 10) through both web
# nodes for 60 s, node 2 killed 15 s in. Every 2xx answer's row exists afterwards on the surviving
# nodes; errors happen only in the first 5 s after the kill; the node comes
# back by IST and CHECKSUM TABLE agrees on all three.
. "$(dirname "$0")/lib.sh"

DURATION=${CLUSTER_LOAD_SECONDS:-60} KILL_AT=15 VICTIM=2
HOST=$(host_token)
CRED=$(hook_cred janus-a)
RUN_ID=$(date +%s%N | tail -c 9)
web2_stack() { MRB_RUN_DIR=$ROOT/run/web2 MRB_CONFIG=$ROOT/run/mrb.cluster-2.conf "$ROOT/scripts/stack.sh" "$@"; }

rooms=()
for i in 1 2 3 4; do create_room "{\"roomNm\":\"load-$RUN_ID-$i\",\"roomKey\":\"8080\"}"; rooms+=("$ROOM"); done
sql "UPDATE rooms SET max_participants = 100000 WHERE name LIKE 'load-$RUN_ID-%'"
sid0=$((9200000000 + $(date +%s) % 100000 * 1000))

# one request in the background; its line: "ms kind status id"
fire() {
  local kind=$1 base=$2 id=$3 t code
  t=$(ms_now)
  case $kind in
    create) code=$(curl -s -m 10 -o "$TMP/r-$id" -w '%{http_code}' -X POST "$base/create-room" -H "Authorization: Bearer $HOST" \
              -H 'Content-Type: application/json' -d "{\"roomNm\":\"load-$RUN_ID-c$id\"}") ;;
    join) code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST "$base/join-room" -H 'Content-Type: application/json' \
              -d "{\"roomId\":\"${rooms[$((id % 4))]}\",\"roomKey\":\"8080\",\"userId\":\"lu-$RUN_ID-$id\"}") ;;
    hook) code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -u "$CRED" -X POST "$base/event-webhook" -H 'Content-Type: application/json' \
              --data-binary "[{\"emitter\":\"janus-a\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":$((sid0 + id)),\"event\":{\"name\":\"created\"}}]") ;;
  esac
  echo "$t $kind $code $id" >>"$TMP/load.log"
}

ms_now() { local t=${EPOCHREALTIME/./}; echo "${t:0:13}"; }
now_ms() { NOW=${EPOCHREALTIME/./}; NOW=${NOW:0:13}; } # no fork: the loop must keep up
check_cluster "the cluster is whole before the load" wait_for 60 cluster_whole
now_ms; start=$NOW; kill_ms=0; i=0
while :; do
  now_ms; now=$NOW
  ((now - start >= DURATION * 1000)) && break
  if ((kill_ms == 0 && now - start >= KILL_AT * 1000)); then
    kill_ms=$now
    "$ROOT/scripts/stack.sh" galera-stop $VICTIM KILL >/dev/null &
  fi
  i=$((i + 1))
  base=$BASE1; ((i % 2)) || base=$BASE2
  # 1 in 10 a create (each makes a real AudioBridge room, whose mixer
  # thread costs the two cores all test long), 3 webhook batches, 6 joins
  case $((i % 10)) in 0) kind=create ;; 1 | 4 | 7) kind=hook ;; *) kind=join ;; esac
  fire "$kind" "$base" "$i" &
  # paced to 20 a second: sleep until this request's slot has passed
  now_ms
  wait_ms=$((start + i * 50 - NOW))
  ((wait_ms > 0 && wait_ms < 1000)) && sleep "0.$(printf '%03d' "$wait_ms")"
done
wait
total=$(wc -l <"$TMP/load.log")
ok=$(awk '$3 ~ /^2/' "$TMP/load.log" | wc -l)
bad=$(awk '$3 !~ /^2/' "$TMP/load.log" | wc -l)
late=$(awk -v k="$kill_ms" '$3 !~ /^2/ && ($1 < k || $1 > k + 5000)' "$TMP/load.log" | wc -l)
echo "       ($total requests in ${DURATION} s, $ok 2xx, $bad errors$( ((bad)) && echo ", from $(awk -v k="$kill_ms" '$3 !~ /^2/ {print $1 - k}' "$TMP/load.log" | sort -n | sed -n '1p;$p' | paste -sd' ' -) ms after the kill"))"
check "about 20 requests a second were sent (at least 15)" test "$total" -ge $((DURATION * 15))
eq "no error outside the first 5 s after the kill" "$late" 0

# every 2xx answer's row, on each surviving node
missing=0
for n in 1 3; do
  c=$(awk '$2 == "create" && $3 == 201 {print $4}' "$TMP/load.log" | while read -r id; do jq -r .data.roomId "$TMP/r-$id"; done | sort -u)
  nc=$(printf '%s\n' "$c" | grep -c .)
  got=$(node_sql "$n" "SELECT COUNT(*) FROM rooms WHERE name LIKE 'load-$RUN_ID-c%'")
  [ "$got" -ge "$nc" ] || { missing=$((missing + 1)); echo "       node $n: $got of $nc created rooms"; }
  j=$(awk '$2 == "join" && $3 == 200' "$TMP/load.log" | wc -l)
  got=$(node_sql "$n" "SELECT COUNT(*) FROM seats WHERE user_id LIKE 'lu-$RUN_ID-%'")
  [ "$got" = "$j" ] || { missing=$((missing + 1)); echo "       node $n: $got seats for $j admitted joins"; }
  h=$(awk '$2 == "hook" && $3 == 200' "$TMP/load.log" | wc -l)
  got=$(node_sql "$n" "SELECT COUNT(*) FROM server_sessions WHERE server_id = 'janus-a' AND session_id BETWEEN $sid0 AND $((sid0 + 100000))")
  [ "$got" -ge "$h" ] || { missing=$((missing + 1)); echo "       node $n: $got sessions for $h accepted batches"; }
done
eq "every 2xx answer's row exists on both surviving nodes (rooms, seats, sessions)" "$missing" 0

# back by IST, and the same data everywhere
t0=$SECONDS
"$ROOT/scripts/stack.sh" galera-start $VICTIM >/dev/null || not_ok "node $VICTIM restarts"
echo "       (node $VICTIM back and synced in $((SECONDS - t0)) s)"
check "node $VICTIM rejoined by IST" grep -q "IST received" "$("$ROOT/scripts/stack.sh" galera-dir $VICTIM)/error.log"
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1; web2_stack cron-stop >/dev/null 2>&1   # no writes while comparing
sleep 1
sums=()
for n in 1 2 3; do sums+=("$(node_sql "$n" "CHECKSUM TABLE rooms, seats, server_sessions, participants" | awk '{print $2}' | paste -sd,)"); done
echo "       (checksums: ${sums[*]})"
check "CHECKSUM TABLE is the same on all three nodes" test "${sums[0]}" = "${sums[1]}" -a "${sums[1]}" = "${sums[2]}"
"$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1; web2_stack cron-start >/dev/null 2>&1
sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE name LIKE 'load-$RUN_ID-%' AND ended_at IS NULL"
"$ROOT/cron/mrb-expire" >/dev/null 2>&1
finish
