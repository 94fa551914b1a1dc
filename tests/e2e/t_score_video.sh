#!/usr/bin/env bash
# The score's network term on real parts (docs/DESIGN.md, "Placement and
# scoring"): video weighs more than audio because egress is an SFU's limit.
# (a) Pending egress: janus-a starts ahead of janus-b by more than four
#     6-person audio rooms add, so a burst of four stays on janus-a; a burst
#     of four 6-person video rooms (4000 kbit/s, screen share: 7 x 5 x 4000
#     = 140 Mbit/s of expected egress each) spreads over both servers, and
#     each server's pending egress and score grow by exactly the formula. A
#     video room moved off janus-b (a join while it is down) brings its
#     egress to janus-a.
# (b) Measured transmit: each server's metrics_url points at a real
#     prometheus-node-exporter running in a network namespace of its own
#     with one veth, so each sees only its own interface. Real traffic
#     (nc, shaped to 40 Mbit/s by tc) leaves janus-b's namespace while
#     mrb-health polls: its tx_mbps and score rise by the network term and
#     the next rooms go to janus-a. The traffic stops: janus-b is placeable
#     again.
# With [score] network = 0 both halves fail (the burst stays on janus-a, and
# rooms land on the busy server): docs/DESIGN.md, "Placement and scoring".
# Needs root (ip netns), prometheus-node-exporter, iproute2 (tc), nc.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
HEALTH=$ROOT/cron/mrb-health
NS_A=mrb-score-a-$$ NS_B=mrb-score-b-$$
IP_A=10.79.1 IP_B=10.79.2 # /30s: .1 here, .2 in the namespace
SINK_PORT=5201
RATE_MBIT=40 LINK_MBPS=100 # the test's link: 40 Mbit/s of video is 40 % of it
PIDS=() HEALTH_PID=
cleanup() {
  local p
  for p in "${PIDS[@]}" $HEALTH_PID; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  ip netns del "$NS_A" 2>/dev/null
  ip netns del "$NS_B" 2>/dev/null # deleting a namespace removes its veth and the peer
  # the servers as the config has them, fresh metrics, the scheduler back
  "$MRBCTL" server sync "$CONF" >/dev/null 2>&1
  sql "UPDATE servers SET pending_load = 0, pending_egress_kbps = 0" 2>/dev/null
  "$HEALTH" --once >/dev/null 2>&1
  "$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
for c in prometheus-node-exporter ip tc nc; do
  command -v "$c" >/dev/null || { not_ok "$c is installed (make deps)"; finish; exit; }
done
[ "$(id -u)" = 0 ] || { not_ok "runs as root (ip netns; CI runs as root)"; finish; exit; }

# The weights placement uses (the FastCGI workers and mrb-health read the
# same file). w KEY DEFAULT: [score] KEY, or its default when absent.
w() { conf_get "$CONF" score "$1" 2>/dev/null || echo "$2"; }
W_SESS=$(w sessions 5) W_HAND=$(w handles 10) W_NET=$(w network 50)
calc() { awk "BEGIN { printf \"%.4f\", $1 }"; }
# near A B TOL: |A - B| <= TOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !(d <= t && -d <= t) }'; }
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }

# formula_off SERVER: its stored score minus the documented formula of its
# row's own figures (0 when the stored score is right).
formula_off() {
  sql "SELECT ROUND(weight * (($(w cpu 35) * 100 * COALESCE(cpu, 0) + $(w mem 20) * 100 * COALESCE(mem, 0)
       + $W_SESS * COALESCE(sessions, 0) + $W_HAND * COALESCE(handles, 0) + $(w sockets 30) * COALESCE(sockets, 0)
       + IF(link_mbps > 0, $W_NET * 100 * COALESCE(tx_mbps, 0) / link_mbps, 0)) / 100
       + pending_load * ($W_SESS + $W_HAND) / 100
       + IF(link_mbps > 0, $W_NET * pending_egress_kbps / 1000 / link_mbps, 0)) - score, 4)
       FROM servers WHERE id = 'janus-$1'"
}

"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1 # no poll may reset the pending load meanwhile
sql "DELETE FROM leases"

# --- (a) a burst of video rooms spreads: pending egress -------------------
PEOPLE=6 BITRATE=4000
EGRESS=$(( (PEOPLE + 1) * (PEOPLE - 1) * BITRATE )) # kbit/s: 7 cameras and screens, each to 5 others
P_COST=$(calc "$PEOPLE * ($W_SESS + $W_HAND) / 100")      # what a room's participants add
E_COST=$(calc "$W_NET * 100 * $EGRESS / 1000 / 1000 / 100") # what its egress adds on a 1000 Mbit/s link
LEAD=$(calc "4 * $P_COST + 1.5")                          # more than four rooms' participants
# level_start: both fresh, nothing pending or measured, janus-b LEAD behind
# through its cpu figure. The stored score is what every rescore computes
# from the row (the webhook rescores as Janus sessions come and go), so the
# lead holds whatever events arrive meanwhile.
level_start() {
  no_bookings
  sql "UPDATE servers SET state = 'enabled', healthy = 1, weight = 1, link_mbps = 1000, pending_load = 0,
       pending_egress_kbps = 0, tx_mbps = NULL, mem = 0, sockets = 0, metrics_at = UNIX_TIMESTAMP(),
       cpu = IF(id = 'janus-a', 0, $LEAD / $(w cpu 35)),
       score = ($(w cpu 35) * 100 * cpu + $W_SESS * COALESCE(sessions, 0) + $W_HAND * COALESCE(handles, 0)) / 100
       WHERE id IN ('janus-a', 'janus-b')"
}
# burst N JSON [fresh]: creates N rooms; sets ON_A and ON_B, and ROOMS_B (the
# ids on janus-b). With fresh, the servers' metrics are made fresh before
# each create, as a poll would, without its reset of the pending load: on a
# loaded machine a create may take seconds, and past 3 intervals both
# servers would rank as stale, by their pending load alone.
burst() {
  local i
  ON_A=0 ON_B=0 ROOMS_B=()
  for ((i = 1; i <= $1; i++)); do
    [ -n "${3:-}" ] && sql "UPDATE servers SET metrics_at = UNIX_TIMESTAMP() WHERE id IN ('janus-a', 'janus-b')"
    create_room "$2"
    [ "$STATUS/$SERVER" = 201/janus-a ] && ON_A=$((ON_A + 1))
    [ "$STATUS/$SERVER" = 201/janus-b ] && ON_B=$((ON_B + 1)) && ROOMS_B+=("$ROOM")
  done
}
echo "       (a room of $PEOPLE adds $P_COST for its participants; a video one $E_COST more for" \
  "$EGRESS kbit/s of egress; janus-b starts $LEAD behind)"
level_start
burst 4 "{\"roomNm\":\"audio burst\",\"maxParticipants\":$PEOPLE}" fresh
eq "a burst of 4 audio rooms of $PEOPLE stays on janus-a (their participants add less than the lead)" "$ON_A/$ON_B" 4/0
eq "audio rooms add no pending egress" "$(sql "SELECT SUM(pending_egress_kbps) FROM servers WHERE id IN ('janus-a','janus-b')")" 0
level_start
VIDEO="{\"roomNm\":\"video burst\",\"roomKey\":\"2468\",\"roomType\":\"video\",\"maxParticipants\":$PEOPLE,\"bitrateKbps\":$BITRATE,\"screenShare\":true}"
burst 4 "$VIDEO" fresh
eq "a burst of 4 video rooms of $PEOPLE spreads over both servers (their egress outweighs the lead)" "$ON_A/$ON_B" 2/2
eq "janus-a's pending egress: 2 rooms x $EGRESS kbit/s" \
  "$(sql "SELECT pending_egress_kbps FROM servers WHERE id = 'janus-a'")" $((2 * EGRESS))
eq "janus-b's pending egress: 2 rooms x $EGRESS kbit/s" \
  "$(sql "SELECT pending_egress_kbps FROM servers WHERE id = 'janus-b'")" $((2 * EGRESS))
for s in a b; do
  off=$(formula_off $s)
  check "janus-$s's stored score grew by its rooms' participants and egress, as the formula says (off by $off)" \
    near "$off" 0 0.001
done
# A moved room brings its egress to its new server (servers_move_room): a
# join finds one of janus-b's video rooms on a server marked down and moves
# it to janus-a. The move reads the room's row: the type and video
# parameters create-room records for a video room (written here too, so
# that the check does not hang on create-room's side of it).
MOVED=${ROOMS_B[0]:-none}
sql "UPDATE rooms SET room_type = 'video', bitrate_kbps = $BITRATE, screen_share = 1 WHERE id = '$MOVED'"
level_start
sql "UPDATE servers SET healthy = 0 WHERE id = 'janus-b'"
post join-room "{\"roomId\":\"$MOVED\",\"roomKey\":\"2468\"}"
eq "a join moves a video room off janus-b (down) to janus-a" \
  "$STATUS/$(sql "SELECT server_id FROM rooms WHERE id = '$MOVED'")" 200/janus-a
eq "and brings its $EGRESS kbit/s of egress to janus-a's pending load" \
  "$(sql "SELECT pending_egress_kbps FROM servers WHERE id = 'janus-a'")" "$EGRESS"
sql "UPDATE servers SET healthy = 1 WHERE id = 'janus-b'"

# --- (b) a server sending heavy video is avoided: real transmit -----------
# ns NAME NET: a namespace whose only interface is mrbtx0 (NET.2/30), its
# peer here (NET.1), and a node exporter on NET.2:9100 that sees only it.
ns() {
  local host_if=mrbs$1$$
  ip netns add "$2" || return 1
  ip link add "$host_if" type veth peer name mrbtx0 netns "$2" || return 1
  ip addr add "$3.1/30" dev "$host_if" && ip link set "$host_if" up &&
    ip -n "$2" addr add "$3.2/30" dev mrbtx0 && ip -n "$2" link set mrbtx0 up && ip -n "$2" link set lo up ||
    return 1
  ip netns exec "$2" prometheus-node-exporter --web.listen-address="$3.2:9100" --collector.disable-defaults \
    --collector.cpu --collector.meminfo --collector.netdev >"$TMP/exporter-$1.log" 2>&1 &
  PIDS+=($!)
  wait_for 10 curl -sf -o /dev/null "http://$3.2:9100/metrics"
}
check "namespace $NS_A with its own node exporter" ns a "$NS_A" "$IP_A"
check "namespace $NS_B with its own node exporter" ns b "$NS_B" "$IP_B"
m=$(curl -s "http://$IP_B.2:9100/metrics" | grep '^node_network_transmit_bytes_total')
match "janus-b's exporter reports mrbtx0's transmitted bytes" "$m" 'device="mrbtx0"'
# Both servers measured the same way (the same collectors, the same kind of
# interface), so the network term is the only difference between them.
for s in a b; do
  ip=IP_${s^^}
  sql "UPDATE servers SET metrics_url = 'http://${!ip}.2:9100/metrics', net_devices = NULL,
       link_mbps = $LINK_MBPS, pending_load = 0, pending_egress_kbps = 0 WHERE id = 'janus-$s'"
done
# A counter of another exporter is no previous sample: server sync drops it
# when metrics_url changes, or the first rate would be the difference of
# two unrelated counters. (Set by SQL here, so cleared by SQL too.)
sql "UPDATE servers SET tx_bytes_prev = NULL, tx_mbps = NULL WHERE id IN ('janus-a', 'janus-b')"
# mrb-health as cron runs it, one run after another (a run ends after
# [health] run_seconds; on a loaded machine this part may take longer).
health_loop() {
  local child=
  trap 'kill $child 2>/dev/null; wait $child; exit 0' TERM
  while :; do
    "$HEALTH" >>"$TMP/health.log" 2>&1 &
    child=$!
    wait $child
  done
}
health_loop &
HEALTH_PID=$!
tx() { sql "SELECT COALESCE(ROUND(tx_mbps, 2), 'NULL') FROM servers WHERE id = 'janus-$1'"; }
score() { sql "SELECT ROUND(score, 2) FROM servers WHERE id = 'janus-$1'"; }
check "mrb-health measures a transmit rate on both within 30 s" \
  wait_for 30 db_is "SELECT COUNT(*) FROM servers WHERE id IN ('janus-a','janus-b') AND tx_mbps IS NOT NULL" 2
echo "       (idle: janus-a tx $(tx a) Mbit/s score $(score a); janus-b tx $(tx b) Mbit/s score $(score b))"
check "idle janus-b sends under 1 Mbit/s" gt 1 "$(tx b)"

# Real traffic out of janus-b's interface, 40 Mbit/s, to a sink here.
ip netns exec "$NS_B" tc qdisc add dev mrbtx0 root tbf rate ${RATE_MBIT}mbit burst 64kb latency 50ms
nc -l "$IP_B.1" "$SINK_PORT" >/dev/null &
PIDS+=($!)
sleep 0.3
ip netns exec "$NS_B" nc "$IP_B.1" "$SINK_PORT" </dev/zero &
SENDER=$!
PIDS+=("$SENDER")
check "janus-b's measured transmit exceeds half of the $RATE_MBIT Mbit/s within 30 s" \
  wait_for 30 db_gt "SELECT FLOOR(COALESCE(tx_mbps, 0)) FROM servers WHERE id = 'janus-b'" $((RATE_MBIT / 2))
# one more poll: a rate measured wholly under traffic
last=$(sql "SELECT tx_prev_ms FROM servers WHERE id = 'janus-b'")
wait_for 30 db_gt "SELECT tx_prev_ms FROM servers WHERE id = 'janus-b'" "$last"
TX_B=$(tx b) TX_A=$(tx a) S_A=$(score a) S_B=$(score b)
echo "       (with traffic: janus-a tx $TX_A Mbit/s score $S_A; janus-b tx $TX_B Mbit/s score $S_B)"
check "janus-b sends about $RATE_MBIT Mbit/s ($TX_B)" near "$TX_B" $((RATE_MBIT - 5)) 6
check "janus-a stays idle ($TX_A)" gt 1 "$TX_A"
off=$(formula_off b)
check "janus-b's stored score is the formula of its row, network term included (off by $off)" near "$off" 0 0.01
NET_TERM=$(calc "$W_NET * $TX_B / $LINK_MBPS")
check "janus-b scores worse than janus-a by about its network term $NET_TERM ($S_B vs $S_A)" \
  gt "$(calc "$S_B - $S_A")" "$(calc "$NET_TERM - 3")"
burst 3 '{"roomNm":"while janus-b sends"}'
eq "the next 3 rooms all go to janus-a" "$ON_A/$ON_B" 3/0
create_room "$VIDEO"
eq "and so does the next video room" "$STATUS/$SERVER" 201/janus-a

# The traffic stops: janus-b's transmit falls back and it is placeable again.
kill "$SENDER" 2>/dev/null
check "janus-b's measured transmit falls under 1 Mbit/s within 30 s" \
  wait_for 30 db_is "SELECT COALESCE(tx_mbps, 99) < 1 FROM servers WHERE id = 'janus-b'" 1
kill "$HEALTH_PID" 2>/dev/null; wait "$HEALTH_PID" 2>/dev/null; HEALTH_PID=
S_A=$(score a) S_B=$(score b)
echo "       (after: janus-a tx $(tx a) score $S_A; janus-b tx $(tx b) score $S_B)"
check "janus-b scores within 3 of janus-a again ($S_B vs $S_A)" near "$S_B" "$S_A" 3
# No poll runs now: of two 4-person video rooms (a 30 Mbit/s egress each, 30 %
# of the link) the second goes where the first did not.
burst 2 '{"roomNm":"after the traffic","roomType":"video","maxParticipants":4,"bitrateKbps":2000,"screenShare":true}'
eq "two video rooms: one on each server again" "$ON_A/$ON_B" 1/1
cp "$TMP/health.log" "$ROOT/run/log/t_score_video-health.log" 2>/dev/null
finish
