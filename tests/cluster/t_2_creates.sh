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

found=0 other=0
for batch in $(seq 1 10); do
  for i in $(seq 1 100); do
    BASE=$BASE1 create_room "{\"roomNm\":\"cj-$RUN_ID-$batch-$i\",\"roomKey\":\"7070\"}"
    BASE=$BASE2 post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"7070\"}"
    if [ "$STATUS" = 200 ]; then found=$((found + 1)); else other=$((other + 1)); echo "       join answered $STATUS: $BODY"; fi
  done
  end_rooms "cj-$RUN_ID-$batch-"
done
eq "create on web node 1, join at once on web node 2: found 1000 of 1000" "$found" 1000
finish
