#!/usr/bin/env bash
# Exact seats under the races that matter, at the durability users run
# (innodb_flush_log_at_trx_commit = 1, which the dev stack starts with and
# this file checks first):
#  - lapsed rooms: every seat of a room is held by users who never connected
#    and whose grace has passed; many new users race for the seats, so some
#    joins take the fast claim while others reclaim and recount the room;
#  - a mixed race: fresh users, users reloading their live seat (twice at
#    once) and users whose seat lapsed, all in one room at once.
# After each race: exactly the capacity admitted, seats_taken equal to the
# seat rows, and no user holding two seats or told two different opaque ids.
. "$(dirname "$0")/lib.sh"

ROOMS=${SEATS_RACE_ROOMS:-8} SEATS=10 RACERS=${SEATS_RACE_USERS:-60} ROUNDS=${SEATS_RACE_ROUNDS:-5}
KEYV=424242
RUN_ID=$(date +%s%N | tail -c 9)

# A race needs joins that really run at once: 4 join-room workers instead of
# the dev stack's 2 (with 2 the old two-commit claim over-admitted in 1 of
# 40 rooms here, with 4 in 9-11 of 40). lighttpd goes back to the defaults
# when this file ends.
trap '"$ROOT/scripts/stack.sh" lighttpd-restart >/dev/null 2>&1; rm -rf "$TMP"' EXIT
MRB_FCGI_PROCS_join_room=4 "$ROOT/scripts/stack.sh" lighttpd-restart >/dev/null 2>&1
wait_for 5 curl -sf -o /dev/null "$BASE/health"
eq "4 join-room workers serve the race" "$(pgrep -c -f "$ROOT/cgi-bin/join-room")" 4
eq "MariaDB runs with innodb_flush_log_at_trx_commit = 1" \
  "$(sql "SELECT @@GLOBAL.innodb_flush_log_at_trx_commit")" 1

# join_cfg ROOM USER OUT: one join-room transfer for curl -K (parallel).
join_cfg() {
  printf 'next\nurl = "%s/join-room"\nheader = "Content-Type: application/json"\n' "$BASE"
  printf 'data = "{\\"roomId\\":\\"%s\\",\\"roomKey\\":\\"%s\\",\\"userId\\":\\"%s\\"}"\n' "$1" "$KEYV" "$2"
  printf 'output = "%s"\nwrite-out = "%%{http_code} %s %s\\n"\n' "$3" "$1" "$2"
}
# race CONFIG OUT: runs every transfer of CONFIG at once; OUT gets
# "status room user" per answer.
race() { curl -s --no-progress-meter -Z --parallel-immediate --parallel-max 300 -K "$1" >"$2"; }

# seat_rows_ok ROOM: seats_taken equals the room's seat rows.
seat_rows_ok() { [ "$(sql "SELECT seats_taken = (SELECT COUNT(*) FROM seats WHERE room_id = id) FROM rooms WHERE id = '$1'")" = 1 ]; }

# fill ROOM PREFIX: SEATS users take every seat (one at a time).
fill() {
  local i
  for i in $(seq 1 "$SEATS"); do
    post join-room "{\"roomId\":\"$1\",\"roomKey\":\"$KEYV\",\"userId\":\"$2-$i\"}"
    [ "$STATUS" = 200 ] || return 1
  done
}

# --- lapsed rooms ---------------------------------------------------------
bad_rooms=0 bad_counts=0 over=0 ran_rooms=0 fill_fail=0
for round in $(seq 1 "$ROUNDS"); do
  ids=()
  for r in $(seq 1 "$ROOMS"); do
    create_room "{\"roomNm\":\"lapsed $round/$r\",\"roomKey\":\"$KEYV\",\"maxParticipants\":$SEATS}"
    ids+=("$ROOM")
    fill "$ROOM" "holder-$RUN_ID-$round-$r" || fill_fail=$((fill_fail + 1))
  done
  in_list=$(printf "'%s'," "${ids[@]}"); in_list=${in_list%,}
  # Nobody connected: let every seat's grace run out.
  sql "UPDATE seats SET held_until = UNIX_TIMESTAMP() - 1 WHERE room_id IN ($in_list)"
  cfg=$TMP/lapsed-$round.cfg; : >"$cfg"
  # Interleave the rooms so every room's racers arrive together.
  for u in $(seq 1 "$RACERS"); do
    for r in $(seq 1 "$ROOMS"); do
      join_cfg "${ids[$((r - 1))]}" "racer-$RUN_ID-$round-$r-$u" /dev/null >>"$cfg"
    done
  done
  race "$cfg" "$TMP/lapsed-$round.out"
  for id in "${ids[@]}"; do
    ran_rooms=$((ran_rooms + 1))
    admitted=$(awk -v r="$id" '$1 == 200 && $2 == r' "$TMP/lapsed-$round.out" | wc -l)
    refused=$(awk -v r="$id" '$1 == 409 && $2 == r' "$TMP/lapsed-$round.out" | wc -l)
    rows=$(sql "SELECT COUNT(*) FROM seats WHERE room_id = '$id'")
    if [ "$admitted" != "$SEATS" ] || [ "$refused" != $((RACERS - SEATS)) ] || [ "$rows" != "$SEATS" ]; then
      bad_rooms=$((bad_rooms + 1))
      [ "$admitted" -gt "$SEATS" ] && over=$((over + 1))
      echo "       round $round room $id: admitted $admitted, refused $refused, seat rows $rows"
    fi
    seat_rows_ok "$id" || { bad_counts=$((bad_counts + 1)); echo "       round $round room $id: seats_taken $(sql "SELECT seats_taken FROM rooms WHERE id='$id'") but $rows rows"; }
  done
done
echo "       lapsed rooms: $ran_rooms rooms over $ROUNDS rounds, $RACERS racers each for $SEATS lapsed seats"
eq "every room was filled with $SEATS unconnected holders first" "$fill_fail" 0
eq "lapsed rooms: $ran_rooms rooms admitted exactly $SEATS of $RACERS (refused the rest with 409)" "$bad_rooms" 0
eq "lapsed rooms: no room over-admitted" "$over" 0
eq "lapsed rooms: seats_taken equals the seat rows in every room" "$bad_counts" 0

# --- mixed race -----------------------------------------------------------
# 10 seats: 4 live holders reload (each twice at once), 3 lapsed holders come
# back, 3 seats are free, and 30 fresh users race for what is left.
create_room "{\"roomNm\":\"mixed\",\"roomKey\":\"$KEYV\",\"maxParticipants\":$SEATS}"
R=$ROOM
for u in live-1 live-2 live-3 live-4 lapsed-1 lapsed-2 lapsed-3; do
  post join-room "{\"roomId\":\"$R\",\"roomKey\":\"$KEYV\",\"userId\":\"$u\"}"
  [ "$STATUS" = 200 ] || not_ok "mixed race: $u takes a seat first" "status $STATUS"
  printf '%s %s\n' "$u" "$(jqr .data.opaqueId)" >>"$TMP/mixed-before"
done
sql "UPDATE seats SET held_until = UNIX_TIMESTAMP() - 1 WHERE room_id = '$R' AND user_id LIKE 'lapsed-%'"
# A reload with more than half its grace left writes nothing; push the live
# seats under half so that their reloads write (seat_extend) during the race.
sql "UPDATE seats SET held_until = UNIX_TIMESTAMP() + 5 WHERE room_id = '$R' AND user_id LIKE 'live-%'"
cfg=$TMP/mixed.cfg; : >"$cfg"
for i in $(seq 1 30); do
  join_cfg "$R" "fresh-$i" "$TMP/mixed-body-fresh-$i" >>"$cfg"
  case $i in
  1 | 2 | 3 | 4) join_cfg "$R" "live-$i" "$TMP/mixed-body-live-$i-a" >>"$cfg"
                 join_cfg "$R" "live-$i" "$TMP/mixed-body-live-$i-b" >>"$cfg" ;;
  5 | 6 | 7) join_cfg "$R" "lapsed-$((i - 4))" "$TMP/mixed-body-lapsed-$((i - 4))" >>"$cfg" ;;
  esac
done
race "$cfg" "$TMP/mixed.out"
rows=$(sql "SELECT COUNT(*) FROM seats WHERE room_id = '$R'")
eq "mixed race: the room holds exactly $SEATS seats" "$rows" "$SEATS"
check "mixed race: seats_taken equals the seat rows" seat_rows_ok "$R"
eq "mixed race: distinct users answered 200 = $SEATS" \
  "$(awk '$1 == 200 { print $3 }' "$TMP/mixed.out" | sort -u | wc -l)" "$SEATS"
eq "mixed race: every live holder kept its seat (all 8 reloads 200)" \
  "$(awk '$1 == 200 && $3 ~ /^live-/' "$TMP/mixed.out" | wc -l)" 8
eq "mixed race: no answer other than 200 or 409" "$(awk '$1 != 200 && $1 != 409' "$TMP/mixed.out" | wc -l)" 0
same=0
for u in 1 2 3 4; do
  want=$(awk -v u="live-$u" '$1 == u { print $2 }' "$TMP/mixed-before")
  a=$(jq -r .data.opaqueId "$TMP/mixed-body-live-$u-a") b=$(jq -r .data.opaqueId "$TMP/mixed-body-live-$u-b")
  [ "$a" = "$want" ] && [ "$b" = "$want" ] && same=$((same + 1))
done
eq "mixed race: both reloads of each live holder got its own opaqueId back" "$same" 4
# Every user answered 200 holds exactly the seat whose opaque id it was told.
mism=0
while read -r code _ user; do
  [ "$code" = 200 ] || continue
  for f in "$TMP"/mixed-body-"$user" "$TMP"/mixed-body-"$user"-a "$TMP"/mixed-body-"$user"-b; do
    [ -f "$f" ] || continue
    told=$(jq -r .data.opaqueId "$f")
    [ "$(sql "SELECT COUNT(*) FROM seats WHERE room_id = '$R' AND user_id = '$user' AND opaque_id = '$told'")" = 1 ] \
      || mism=$((mism + 1))
  done
done <"$TMP/mixed.out"
eq "mixed race: each admitted user holds exactly the seat it was told" "$mism" 0
eq "mixed race: no seat without an admitted answer" \
  "$(sql "SELECT user_id FROM seats WHERE room_id = '$R' AND user_id NOT LIKE 'live-%'" | sort | comm -23 - <(awk '$1 == 200 { print $3 }' "$TMP/mixed.out" | sort -u) | wc -l)" 0
finish
