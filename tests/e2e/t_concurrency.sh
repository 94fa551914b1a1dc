#!/usr/bin/env bash
# Concurrency: 100 concurrent create-room calls, 200 concurrent joins into a
# 10-seat room, 8 concurrent webhook posters with duplicate deliveries.
. "$(dirname "$0")/lib.sh"

HOST=$(host_token)
scores=$(sql "SELECT GROUP_CONCAT(CONCAT(id, '=', ROUND(score, 2)) ORDER BY id SEPARATOR ' ') FROM servers WHERE state='enabled' AND healthy=1")
seq 1 100 | xargs -P 25 -I{} curl -s -X POST "$BASE/create-room" -H "Authorization: Bearer $HOST" \
  -H 'Content-Type: application/json' -d '{"roomNm":"concurrent-{}"}' >"$TMP/creates"
eq "100 concurrent creates -> 100 answers 201" "$(jq -r '.code' "$TMP/creates" | grep -c '^000$')" 100
eq "...100 distinct rooms" "$(jq -r '.data.roomId' "$TMP/creates" | sort -u | wc -l)" 100
a=$(jq -r '.data.server' "$TMP/creates" | grep -c '^janus-a$'); b=$(jq -r '.data.server' "$TMP/creates" | grep -c '^janus-b$')
echo "       (split: janus-a $a, janus-b $b; scores before: $scores)"
check "...spread over both servers ($a/$b)" test "$a" -ge 10 -a "$b" -ge 10
bad=0
while read -r id srv; do [ "$(room_exists_on "$srv" "$id")" = true ] || bad=$((bad + 1)); done \
  < <(jq -r '[.data.roomId, .data.server] | @tsv' "$TMP/creates")
eq "...each exists on the server it was placed on" "$bad" 0

create_room '{"roomNm":"ten seats","roomKey":"1010","maxParticipants":10}'; R=$ROOM
deadlocks() { sql "SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'" | cut -f2; }
dl0=$(deadlocks)
seq 1 200 | xargs -P 50 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST "$BASE/join-room" \
  -H 'Content-Type: application/json' -d "{\"roomId\":\"$R\",\"roomKey\":\"1010\",\"userId\":\"c-{}\"}" >"$TMP/joins"
eq "200 concurrent joins into a 10-seat room admit exactly 10" "$(grep -c '^200$' "$TMP/joins")" 10
eq "...and refuse 190 with 409 (answers: $(sort "$TMP/joins" | uniq -c | tr -s ' \n' ' '))" "$(grep -c '^409$' "$TMP/joins")" 190
# A full room's joins once deadlocked with each other (a range DELETE of
# lapsed seats against the others' fresh seat rows); 4 in a row made a 503.
eq "...without a single InnoDB deadlock" "$(($(deadlocks) - dl0))" 0
eq "...10 seats stored, 10 counted" "$(sql "SELECT CONCAT((SELECT COUNT(*) FROM seats WHERE room_id='$R'), '/', seats_taken) FROM rooms WHERE id='$R'")" 10/10

# 8 posters x (5 batches of 100 session "created" events, each delivered twice,
# then 1 batch destroying 50 of them): 1,100 events each, exact counts after
CRED=$(hook_cred janus-b)
base=8200000000
ts0=$(date +%s%N)   # part of every event: batches of an earlier run must not look like re-deliveries
sql "DELETE FROM server_sessions WHERE server_id='janus-b' AND session_id BETWEEN $base AND $((base + 99999))"
poster() {
  local p=$1 b i ev
  for b in 0 1 2 3 4; do
    ev=$(for i in $(seq 0 99); do printf '{"emitter":"janus-b","type":1,"timestamp":%d,"session_id":%d,"event":{"name":"created"}}\n' \
      "$((ts0 + p * 1000 + b * 100 + i))" "$((base + p * 1000 + b * 100 + i))"; done | jq -sc .)
    for _ in 1 2; do curl -s -o /dev/null -u "$CRED" -X POST "$BASE/event-webhook" -H 'Content-Type: application/json' -d "$ev"; done
  done
  ev=$(for i in $(seq 0 49); do printf '{"emitter":"janus-b","type":1,"timestamp":%d,"session_id":%d,"event":{"name":"destroyed"}}\n' \
    "$((ts0 + 900000 + p * 1000 + i))" "$((base + p * 1000 + i))"; done | jq -sc .)
  curl -s -o /dev/null -u "$CRED" -X POST "$BASE/event-webhook" -H 'Content-Type: application/json' -d "$ev"
}
for p in 1 2 3 4 5 6 7 8; do poster "$p" & done; wait
eq "8 concurrent posters with duplicates leave exactly 8 x 450 sessions" \
  "$(sql "SELECT COUNT(*) FROM server_sessions WHERE server_id='janus-b' AND session_id BETWEEN $base AND $((base + 99999))")" 3600
sql "DELETE FROM server_sessions WHERE server_id='janus-b' AND session_id BETWEEN $base AND $((base + 99999))"
# 100 live AudioBridge rooms are 100 mixer threads: end them for the tests after this one
sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE name LIKE 'concurrent-%' AND ended_at IS NULL"
"$ROOT/cron/mrb-expire" >/dev/null 2>&1
finish
