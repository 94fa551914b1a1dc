#!/usr/bin/env bash
# Creates on the cluster: 400 creates, 200 through each web node, give 400
# distinct rooms present on every node; and a create through web node 1
# followed at once by a join through web node 2 finds the room 1,000 times
# out of 1,000 (join-room re-reads a refusal causally).
. "$(dirname "$0")/lib.sh"

HOST=$(host_token)
RUN_ID=$(date +%s%N | tail -c 9)
# end_rooms NAME_PREFIX: expire what we made and let mrb-expire destroy it
end_rooms() {
  sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE name LIKE '$1%' AND ended_at IS NULL"
  "$ROOT/cron/mrb-expire" >/dev/null 2>&1
}

cfg=$TMP/creates.cfg; : >"$cfg"
for i in $(seq 1 400); do
  base=$BASE1; ((i % 2)) || base=$BASE2
  printf 'next\nurl = "%s/create-room"\nheader = "Content-Type: application/json"\nheader = "Authorization: Bearer %s"\n' "$base" "$HOST"
  printf 'data = "{\\"roomNm\\":\\"c400-%s-%d\\"}"\noutput = "%s/c-%d.json"\nwrite-out = "%%{http_code}\\n"\n' "$RUN_ID" "$i" "$TMP" "$i"
done >>"$cfg"
t0=$(date +%s%N)
curl -s --no-progress-meter -Z --parallel-max 16 -K "$cfg" >"$TMP/creates.out"
echo "       (400 creates in $(( ($(date +%s%N) - t0) / 1000000 )) ms, 16 at a time)"
eq "400 creates through both web nodes -> 400 x 201" "$(grep -c '^201$' "$TMP/creates.out")" 400
eq "...400 distinct room ids" "$(cat "$TMP"/c-*.json | jq -r .data.roomId | sort -u | wc -l)" 400
for n in "${NODES[@]}"; do
  eq "...all 400 present on node $n" "$(node_sql "$n" "SELECT COUNT(DISTINCT id) FROM rooms WHERE name LIKE 'c400-$RUN_ID-%'")" 400
done
end_rooms "c400-$RUN_ID"

# pair N: a create through web node 1, then at once a join through web node
# 2; prints the join's status. 8 pairs at a time, the rooms ended per 50.
pair() {
  local room
  room=$(curl -s -X POST "$BASE1/create-room" -H "Authorization: Bearer $HOST" -H 'Content-Type: application/json' \
    -d "{\"roomNm\":\"cj-$RUN_ID-$1\",\"roomKey\":\"7070\"}" | jq -r .data.roomId)
  curl -s -o /dev/null -w '%{http_code}\n' -X POST "$BASE2/join-room" -H 'Content-Type: application/json' \
    -d "{\"roomId\":\"$room\",\"roomKey\":\"7070\"}"
}
export -f pair; export BASE1 BASE2 HOST RUN_ID
t0=$(date +%s%N)
# (each AudioBridge room runs a mixer thread: few alive at a time keeps
# the two media servers, on this machine's two cores, quick)
for batch in $(seq 0 19); do
  seq $((batch * 50 + 1)) $((batch * 50 + 50)) | xargs -P 8 -I{} bash -c 'pair {}' >>"$TMP/pairs.out"
  end_rooms "cj-$RUN_ID-"
done
echo "       (1,000 pairs in $(( ($(date +%s%N) - t0) / 1000000 )) ms, 8 at a time)"
found=$(grep -c '^200$' "$TMP/pairs.out")
grep -v '^200$' "$TMP/pairs.out" | sort | uniq -c | sed 's/^/       other answers: /'
eq "create on web node 1, join at once on web node 2: found 1000 of 1000" "$found" 1000
finish
