#!/usr/bin/env bash
# Seats on the cluster: 60 distinct users race for a 20-seat room, half
# through each web node (each web node on its own Galera node), round after
# round; then the same race for a room whose 20 seats have all lapsed.
# Every round admits exactly 20 with no 5xx, and every node holds 20 seat
# rows with seats_taken = 20. Certification conflicts must have happened
# (and been retried): the race is real.
. "$(dirname "$0")/lib.sh"

ROUNDS=${CLUSTER_SEAT_ROUNDS:-10} SEATS=20 USERS=60 KEYV=202020
RUN_ID=$(date +%s%N | tail -c 9)
c0=$(conflicts)

# round NAME LAPSED: one race; prints nothing, counts failures in BAD.
BAD=0 FIVE=0
round() {
  local name=$1 lapsed=$2 r u n cfg out admitted rows
  create_room "{\"roomNm\":\"$name\",\"roomKey\":\"$KEYV\",\"maxParticipants\":16}"; r=$ROOM
  sql "UPDATE rooms SET max_participants = $SEATS WHERE id = '$r'"
  if [ "$lapsed" = 1 ]; then
    for u in $(seq 1 "$SEATS"); do
      post join-room "{\"roomId\":\"$r\",\"roomKey\":\"$KEYV\",\"userId\":\"holder-$RUN_ID-$name-$u\"}"
    done
    sql "UPDATE seats SET held_until = UNIX_TIMESTAMP() - 1 WHERE room_id = '$r'"
  fi
  cfg=$TMP/$name.cfg out=$TMP/$name.out
  : >"$cfg"
  for u in $(seq 1 "$USERS"); do
    if ((u % 2)); then join_cfg "$BASE1" "$r" "$KEYV" "u-$RUN_ID-$name-$u"; else join_cfg "$BASE2" "$r" "$KEYV" "u-$RUN_ID-$name-$u"; fi
  done >>"$cfg"
  race "$cfg" "$out"
  admitted=$(grep -c '^200 ' "$out")
  n=$(grep -c '^5' "$out")
  FIVE=$((FIVE + n))
  for n in "${NODES[@]}"; do
    rows=$(node_sql "$n" "SELECT CONCAT((SELECT COUNT(*) FROM seats WHERE room_id = '$r'), '/', seats_taken) FROM rooms WHERE id = '$r'")
    [ "$rows" = "$SEATS/$SEATS" ] || { BAD=$((BAD + 1)); echo "       $name: node $n holds $rows (rows/seats_taken)"; }
  done
  if [ "$admitted" != "$SEATS" ]; then
    BAD=$((BAD + 1)); echo "       $name: admitted $admitted"
    # who was answered 200 without a seat row, and what the row holds
    node_sql 1 "SELECT user_id FROM seats WHERE room_id = '$r'" | sort >"$TMP/$name.seated"
    awk '$1 == 200 { print $2 }' "$out" | sort | comm -23 - "$TMP/$name.seated" | sed "s/^/       $name: 200 without a seat: /"
    awk '{ print $2 }' "$out" | sort | uniq -d | sed "s/^/       $name: answered twice: /"
  fi
  echo "       $name: admitted $admitted of $USERS ($(grep -c '^409 ' "$out") x 409, $(grep -c "^200 .*8081" "$out") admitted through web node 2)"
}

for i in $(seq 1 "$ROUNDS"); do round "fresh-$i" 0; done
eq "fresh seats: $ROUNDS rounds of $USERS users for $SEATS seats through both web nodes admit exactly $SEATS, on every node" "$BAD" 0
eq "fresh seats: no 5xx" "$FIVE" 0
BAD=0 FIVE=0
for i in 1 2 3; do round "lapsed-$i" 1; done
eq "lapsed seats: 3 rounds admit exactly $SEATS, on every node" "$BAD" 0
eq "lapsed seats: no 5xx" "$FIVE" 0
c1=$(conflicts)
echo "       certification failures + brute-force aborts over the nodes: $c0 before, $c1 after"
check "certification conflicts happened, and were retried (no 5xx above)" test "$c1" -gt "$c0"
finish
