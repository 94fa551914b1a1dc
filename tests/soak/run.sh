#!/usr/bin/env bash
# The state soak: for SOAK_SECONDS (default 150), signalling-level clients
# in many rooms on both media servers join, reload, leave and rejoin, and an
# intruder tries shared grants, while the soak kills (SIGKILL, SIGTERM),
# stops (SIGSTOP) and panics media servers and brings them back. It checks
# the invariants of a room all along (sampled from the database) and at
# each quiet point (clients paused, chaos over, two poll intervals passed:
# the convergence bound of docs/DESIGN.md), and prints how many times each
# was checked. Brings the dev stack up and down itself, as the e2e tests do.
#
#  I1 seats: no room ever holds more people than maxParticipants (distinct
#     persons among its seats and its participants, every 0.3 s);
#  I2 presence: after convergence, each room's participants in MRB are
#     exactly those Janus lists;
#  I3 grace: no seat is ever held beyond seat_grace from now, and after
#     convergence no seat is connected without its person in the room;
#  I4 copies: after convergence every live room has a copy on its server
#     that takes its current key;
#  I5 nobody without a seat: after convergence every participant (so every
#     handle Janus lists, by I2) holds a seat MRB granted.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SOAK_SECONDS=${SOAK_SECONDS:-150}
if [ "${SOAK_KEEP_STACK:-}" != 1 ]; then
  scripts/stack.sh down >/dev/null 2>&1 || true
  scripts/stack.sh up >/dev/null || { echo "soak: stack did not come up"; scripts/stack.sh down; exit 1; }
fi
. tests/e2e/lib.sh
S="$TMP/soak"; mkdir -p "$S"
cleanup() {
  touch "$S/stop"; rm -f "$S/pause"
  for s in janus-a janus-b; do kill -CONT "$(cat "$ROOT/run/$s.pid" 2>/dev/null)" 2>/dev/null; done
  wait 2>/dev/null
  sql "UPDATE servers SET state='enabled' WHERE id IN ('janus-a','janus-b')" 2>/dev/null
  [ "${SOAK_KEEP_STACK:-}" = 1 ] || scripts/stack.sh down >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT

GRACE=$(conf_get "$CONF" rooms seat_grace); INTERVAL=$(conf_get "$CONF" health interval)
TAG="soak-$RANDOM"
jp() { curl -s --max-time 3 -X POST "$1" -H 'Content-Type: application/json' -d "$2"; }
jget() { curl -s --max-time 3 "$1"; }
count() { printf "x\n" >>"$S/count.$1"; }   # count INVARIANT: one check made
violation() { printf '%s %s\n' "$(date +%T)" "$1" | tee -a "$S/violations"; }

# ---- rooms: audio and video, on both servers ----
ROOMS=()
for i in $(seq 1 8); do
  type=audio; [ $((i % 4)) = 0 ] && type=video
  create_room "{\"roomNm\":\"$TAG $i\",\"roomKey\":\"40$i$i\",\"maxParticipants\":2,\"roomType\":\"$type\"}"
  [ "$STATUS" = 201 ] || { echo "soak: create-room -> $STATUS $BODY"; exit 1; }
  ROOMS+=("$ROOM:40$i$i:$type")
done
IN_ROOMS="'$(printf '%s\n' "${ROOMS[@]}" | cut -d: -f1 | paste -sd, | sed "s/,/','/g")'"
echo "soak: ${#ROOMS[@]} rooms ($(sql "SELECT GROUP_CONCAT(CONCAT(server_id, '=', n)) FROM (SELECT server_id, COUNT(*) n FROM rooms WHERE id IN ($IN_ROOMS) GROUP BY server_id) x")), 3 people each, for ${SOAK_SECONDS} s"

# ---- a client: join-room, join at Janus, then hold, reload, leave, rejoin ----
# janus_session URL TOKEN PLUGIN OPAQUE ROOM PIN DISPLAY: a session with one
# handle that joined; prints "SID" or nothing.
janus_session() {
  local url=$1 tok=$2 plugin=$3 op=$4 room=$5 pin=$6 name=$7 sid hid ptype=""
  [ "$plugin" = videoroom ] && ptype='"ptype":"publisher",'
  sid=$(jp "$url" "{\"janus\":\"create\",\"transaction\":\"c\",\"token\":\"$tok\"}" | jq -r '.data.id // empty' 2>/dev/null)
  [ -n "$sid" ] || return 1
  hid=$(jp "$url/$sid" "{\"janus\":\"attach\",\"plugin\":\"janus.plugin.$plugin\",\"opaque_id\":\"$op\",\"transaction\":\"a\",\"token\":\"$tok\"}" | jq -r '.data.id // empty' 2>/dev/null)
  [ -n "$hid" ] || return 1
  jp "$url/$sid/$hid" "{\"janus\":\"message\",\"transaction\":\"j\",\"token\":\"$tok\",\"body\":{\"request\":\"join\",$ptype\"room\":\"$room\",\"pin\":\"$pin\",\"display\":\"$name\"}}" >/dev/null
  echo "$sid"
}
end_session() { [ -n "$2" ] && jp "$1/$2" "{\"janus\":\"destroy\",\"transaction\":\"d\",\"token\":\"$3\"}" >/dev/null; }

client() {
  local room=$1 key=$2 type=$3 user=$4 plugin=audiobridge sid="" url="" tok="" out code body new
  [ "$type" = video ] && plugin=videoroom
  while [ ! -e "$S/stop" ]; do
    while [ -e "$S/pause" ] && [ ! -e "$S/stop" ]; do sleep 0.2; done
    out=$(curl -s --max-time 5 -w '\n%{http_code}' -X POST "$BASE/join-room" -H 'Content-Type: application/json' \
      -d "{\"roomId\":\"$room\",\"roomKey\":\"$key\",\"userId\":\"$user\"}")
    code=${out##*$'\n'}; body=${out%$'\n'*}
    if [ "$code" = 200 ]; then
      local nurl ntok op
      nurl=$(jq -r .data.server <<<"$body"); ntok=$(jq -r .data.token <<<"$body"); op=$(jq -r .data.opaqueId <<<"$body")
      printf '%s %s\n' "$ntok" "$nurl" >"$S/grant.$room"   # what a guest could share
      if [ $((RANDOM % 2)) = 0 ] && [ -n "$sid" ]; then   # a reload whose old session ends first
        end_session "$url" "$sid" "$tok"; sid=""
      fi
      new=$(janus_session "$nurl" "$ntok" "$plugin" "$op" "$room" "$key" "$user")
      [ -n "$sid" ] && { sleep 0.$((RANDOM % 5)); end_session "$url" "$sid" "$tok"; }  # the old one ends after
      sid=$new; url=$nurl; tok=$ntok
    fi
    sleep $((1 + RANDOM % 3))
    if [ $((RANDOM % 3)) = 0 ]; then  # leave for a while
      end_session "$url" "$sid" "$tok"; sid=""
      sleep $((1 + RANDOM % 4))
    fi
  done
  end_session "$url" "$sid" "$tok"
}

# An intruder: a guest's grant (token) with a made-up opaque id, now and then.
intruder() {
  while [ ! -e "$S/stop" ]; do
    while [ -e "$S/pause" ] && [ ! -e "$S/stop" ]; do sleep 0.2; done
    local r=${ROOMS[$((RANDOM % ${#ROOMS[@]}))]} g plugin=audiobridge
    local room=${r%%:*} rest=${r#*:}; local key=${rest%%:*} type=${rest#*:}
    [ "$type" = video ] && plugin=videoroom
    if [ -s "$S/grant.$room" ] && read -r g url <"$S/grant.$room"; then
      sid=$(janus_session "$url" "$g" "$plugin" "made-up-$RANDOM" "$room" "$key" intruder) && sleep 2 && end_session "$url" "$sid" "$g"
    fi
    sleep 1
  done
}

# ---- invariants sampled all along: I1 and I3 (grace) ----
sampler() {
  local over held
  while [ ! -e "$S/stop" ]; do
    # people: the seats, and whoever is in the room on no seat of theirs
    over=$(sql "SELECT COUNT(*) FROM rooms r WHERE r.id IN ($IN_ROOMS) AND r.max_participants <
      (SELECT COUNT(*) FROM seats s WHERE s.room_id = r.id) +
      (SELECT COUNT(DISTINCT IFNULL(p.opaque_id, p.participant_id)) FROM participants p WHERE p.room_id = r.id
       AND NOT EXISTS (SELECT 1 FROM seats s2 WHERE s2.room_id = p.room_id AND s2.opaque_id = p.opaque_id))" 2>/dev/null)
    if [ -n "$over" ]; then
      count I1 seats; [ "$over" = 0 ] || violation "I1: $over room(s) hold more people than their seats"
    fi
    held=$(sql "SELECT COUNT(*) FROM seats WHERE room_id IN ($IN_ROOMS) AND connected = 0
                AND held_until > UNIX_TIMESTAMP() + $GRACE + 1" 2>/dev/null)
    if [ -n "$held" ]; then
      count I3 grace; [ "$held" = 0 ] || violation "I3: $held seat(s) held beyond seat_grace"
    fi
    sleep 0.3
  done
}

# ---- invariants at a quiet point: I2, I3 (connected), I4, I5 ----
janus_ids() { # SERVER ROOM PLUGIN: the participant ids Janus lists, sorted
  janus_admin "$1" "{\"request\":\"listparticipants\",\"room\":\"$2\"}" "janus.plugin.$3" \
    | jq -r '.response.participants[]?.id | tostring' | sort | paste -sd,
}
quiet_check() {
  local r room rest key type plugin srv mrb jan bad
  for r in "${ROOMS[@]}"; do
    room=${r%%:*}; rest=${r#*:}; key=${rest%%:*}; type=${rest#*:}
    plugin=audiobridge; [ "$type" = video ] && plugin=videoroom
    srv=$(sql "SELECT server_id FROM rooms WHERE id='$room'")
    mrb=$(sql "SELECT participant_id FROM participants WHERE room_id='$room'" | sort | paste -sd,)
    jan=$(janus_ids "$srv" "$room" "$plugin")
    count I2 presence
    [ "$mrb" = "$jan" ] || violation "I2: room $room on $srv: MRB lists [$mrb], Janus [$jan]"
    count I4 copies
    [ "$(room_exists_on "$srv" "$room" "janus.plugin.$plugin")" = true ] || violation "I4: room $room has no copy on $srv"
  done
  bad=$(sql "SELECT COUNT(*) FROM seats s WHERE s.room_id IN ($IN_ROOMS) AND s.connected = 1 AND NOT EXISTS
             (SELECT 1 FROM participants p WHERE p.room_id = s.room_id AND p.opaque_id = s.opaque_id)")
  count I3 grace; [ "$bad" = 0 ] || violation "I3: $bad seat(s) connected without their person in the room"
  bad=$(sql "SELECT COUNT(*) FROM participants p WHERE p.room_id IN ($IN_ROOMS) AND NOT EXISTS
             (SELECT 1 FROM seats s WHERE s.room_id = p.room_id AND s.opaque_id = p.opaque_id)")
  count I5 seated; [ "$bad" = 0 ] || violation "I5: $bad participant(s) in a room without a seat"
}
# I4's key half: a probe handle joins each room's copy with the current key
# (MRB then kicks it: it holds no seat). At the end only.
key_check() {
  local r room rest key type plugin srv url tok sid ev ok
  for r in "${ROOMS[@]}"; do
    room=${r%%:*}; rest=${r#*:}; key=${rest%%:*}; type=${rest#*:}
    plugin=audiobridge; [ "$type" = video ] && plugin=videoroom
    srv=$(sql "SELECT server_id FROM rooms WHERE id='$room'")
    url=$(server_conf "$srv" public_url)
    read -r tok _ <"$S/grant.$room" 2>/dev/null || continue
    sid=$(janus_session "$url" "$tok" "$plugin" "key-probe-$RANDOM" "$room" "$key" probe) || { violation "I4: no session on $srv"; continue; }
    ev=$(jget "$url/$sid?token=$(jq -rn --arg t "$tok" '$t|@uri')&maxev=5")
    ok=$(jq -r --arg p "$plugin" '[.[]? // . | .plugindata.data | select(.[$p]=="joined")] | length' <<<"$ev")
    count I4 copies
    [ "${ok:-0}" -ge 1 ] || violation "I4: room $room on $srv refused its current key"
    end_session "$url" "$sid" "$tok"
  done
}
settle() { # chaos over: clients paused, two poll intervals for the reconciler
  touch "$S/pause"
  sleep $((2 * INTERVAL + 3))
  quiet_check
  rm -f "$S/pause"
}

moves0=$(metric mrb_failovers_total)
intr0=$(( $(metric 'mrb_intruders_total{plugin="audiobridge"}') + $(metric 'mrb_intruders_total{plugin="videoroom"}') ))
rep0=$(( $(metric 'mrb_presence_repairs_total{repair="gone"}') + $(metric 'mrb_presence_repairs_total{repair="kicked"}') ))
for r in "${ROOMS[@]}"; do
  room=${r%%:*}; rest=${r#*:}
  for u in u1 u2 u3; do client "$room" "${rest%%:*}" "${rest#*:}" "$u-$room" & done
done
intruder &
sampler &
end=$((SECONDS + SOAK_SECONDS)); cycle=0
actions=(KILL STOP panic TERM)
while [ $SECONDS -lt $end ]; do
  sleep 8
  victim=janus-a; [ $((cycle % 2)) = 1 ] && victim=janus-b
  act=${actions[$((cycle % 4))]}
  echo "soak: $(date +%T) $act $victim"
  case $act in
    KILL | TERM) scripts/stack.sh janus-stop "$victim" "$act" >/dev/null 2>&1; sleep 8; scripts/stack.sh janus-start "$victim" >/dev/null 2>&1 ;;
    STOP) kill -STOP "$(cat "run/$victim.pid")"; sleep 8; kill -CONT "$(cat "run/$victim.pid")" ;;
    panic) "$MRBCTL" server panic "$victim" >/dev/null 2>&1; sleep 8; "$MRBCTL" server enable "$victim" >/dev/null 2>&1 ;;
  esac
  wait_for 20 db_is "SELECT COUNT(*) FROM servers WHERE id IN ('janus-a','janus-b') AND healthy = 1" 2
  sleep 4
  settle
  cycle=$((cycle + 1))
done
touch "$S/pause"; sleep $((2 * INTERVAL + 3))
quiet_check
key_check
touch "$S/stop"; wait
for i in I1 I2 I3 I4 I5; do
  printf '  %s checked %d times\n' "$i" "$(cat "$S"/count."$i" 2>/dev/null | wc -l)"
done
moves=$(( $(metric mrb_failovers_total) - moves0 ))
intr=$(( $(metric 'mrb_intruders_total{plugin="audiobridge"}') + $(metric 'mrb_intruders_total{plugin="videoroom"}') - intr0 ))
rep=$(( $(metric 'mrb_presence_repairs_total{repair="gone"}') + $(metric 'mrb_presence_repairs_total{repair="kicked"}') - rep0 ))
echo "  ($cycle chaos cycles; $moves room moves; $intr intruding handles kicked; $rep presence repairs by mrb-health)"
if [ -s "$S/violations" ]; then
  echo "soak: $(wc -l <"$S/violations") violation(s)"
  echo "soak: 0 passed, 1 failed"; exit 1
fi
echo "soak: 1 passed, 0 failed"
