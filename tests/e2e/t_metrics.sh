#!/usr/bin/env bash
# GET /mrb/health and GET /mrb/metrics: the exposition passes Prometheus's
# own parser and linter (promtool), counters move with real requests and
# survive worker restarts, and both answer 503 while MariaDB is down.
. "$(dirname "$0")/lib.sh"

s=$(curl -s -o "$TMP/h" -w '%{http_code}' "$BASE/health")
eq "health -> 200" "$s" 200
eq "health body" "$(jq -c '{code, db: .data.db}' "$TMP/h")" '{"code":"000","db":"ok"}'
eq "servers_up counts enabled healthy servers" "$(jq .data.servers_up "$TMP/h")" \
  "$(sql "SELECT COUNT(*) FROM servers WHERE state='enabled' AND healthy=1")"
eq "health gives create-room's limits as configured" "$(jq -c .data.limits "$TMP/h")" \
  "{\"maxParticipants\":$(conf_get "$CONF" rooms max_participants),\"defaultMaxParticipants\":$(conf_get "$CONF" rooms default_max_participants),\"maxTtlSeconds\":$(conf_get "$CONF" rooms max_ttl),\"defaultTtlSeconds\":$(conf_get "$CONF" rooms default_ttl)}"
s=$(curl -s -D "$TMP/hd" -o "$TMP/h" -w '%{http_code}' -X POST -d '{}' "$BASE/health")
eq "POST health -> 405" "$s" 405
match "405 names the allowed methods" "$(tr -d '\r' <"$TMP/hd")" "Allow: GET, HEAD"
s=$(curl -s -D "$TMP/hd" -o /dev/null -w '%{http_code}' -X PUT "$BASE/health")
match "PUT health -> 405 naming GET, HEAD too (the endpoint's methods, not the inverse of the one refused)" \
  "$s $(tr -d '\r' <"$TMP/hd")" "^405 .*Allow: GET, HEAD"
s=$(curl -s -D "$TMP/hd" -o /dev/null -w '%{http_code}' -X DELETE "$BASE/join-room")
match "DELETE join-room -> 405 naming POST" "$s $(tr -d '\r' <"$TMP/hd")" "^405 .*Allow: POST"
s=$(curl -s -I -o /dev/null -w '%{http_code}' "$BASE/metrics"); eq "HEAD metrics -> 200" "$s" 200

s=$(curl -s -D "$TMP/md" -o "$TMP/m" -w '%{http_code}' "$BASE/metrics")
eq "GET metrics -> 200" "$s" 200
match "metrics content type is the text exposition" "$(tr -d '\r' <"$TMP/md" | grep -i '^content-type')" "text/plain; version=0.0.4"
out=$(promtool check metrics <"$TMP/m" 2>&1); rc=$?
eq "promtool check metrics: parses and lints clean" "$rc/$out" "0/"
for m in mrb_rooms_live mrb_participants mrb_seats_held 'mrb_servers{state="enabled",health="up"}' \
  'mrb_server_score{server="janus-a"}' 'mrb_server_cpu_ratio{server="janus-a"}' 'mrb_server_memory_ratio{server="janus-a"}' \
  'mrb_server_sessions{server="janus-a"}' 'mrb_server_handles{server="janus-a"}' 'mrb_server_sockets{server="janus-a"}' \
  mrb_rooms_created_total mrb_failovers_total mrb_rooms_expired_total; do
  check "exposes $m" grep -qF "$m " "$TMP/m"
done
eq "mrb_rooms_live matches the table" "$(awk '$1=="mrb_rooms_live"{print $2}' "$TMP/m")" \
  "$(sql "SELECT COUNT(*) FROM rooms WHERE ended_at IS NULL AND expires_at > UNIX_TIMESTAMP()")"

# counters follow real requests
created=$(metric mrb_rooms_created_total); ok=$(metric 'mrb_joins_total{outcome="ok"}')
wrong=$(metric 'mrb_joins_total{outcome="wrong_key"}'); missing=$(metric 'mrb_joins_total{outcome="not_found"}')
ev=$(metric 'mrb_webhook_events_total{type="session"}')
create_room '{"roomNm":"counted","roomKey":"1111","maxParticipants":10}'
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"1111\"}"
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"2222\"}"
post join-room '{"roomId":"nosuchroom","roomKey":"2222"}'
batch="[{\"emitter\":\"janus-a\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":8000000001,\"event\":{\"name\":\"created\"}},{\"emitter\":\"janus-a\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":8000000001,\"event\":{\"name\":\"destroyed\"}}]"
CRED=$(hook_cred janus-a)
post event-webhook "$batch" -u "$CRED"; post event-webhook "$batch" -u "$CRED"
counted() { [ "$(metric "$1")" = "$2" ]; }
check "rooms created +1" wait_for 5 counted mrb_rooms_created_total $((created + 1))
check "joins ok +1" wait_for 5 counted 'mrb_joins_total{outcome="ok"}' $((ok + 1))
check "joins wrong_key +1" wait_for 5 counted 'mrb_joins_total{outcome="wrong_key"}' $((wrong + 1))
check "joins not_found +1" wait_for 5 counted 'mrb_joins_total{outcome="not_found"}' $((missing + 1))
eq "session events +2: the re-delivered batch counts once" "$(metric 'mrb_webhook_events_total{type="session"}')" $((ev + 2))
match "requests by endpoint and code" "$(curl -s "$BASE/metrics")" 'mrb_requests_total\{endpoint="join-room",code="106"\} [1-9]'
# every JSON answer is counted, the webhook's and the health check's too
hooks=$(metric 'mrb_requests_total{endpoint="event-webhook",code="000"}')
denied=$(metric 'mrb_requests_total{endpoint="event-webhook",code="101"}')
health=$(metric 'mrb_requests_total{endpoint="health",code="000"}')
post event-webhook "$batch" -u "$CRED"
post event-webhook "$batch" -u "${CRED%%:*}:wrong"
curl -s -o /dev/null "$BASE/health"
check "event-webhook answers counted (000)" wait_for 5 counted 'mrb_requests_total{endpoint="event-webhook",code="000"}' $((hooks + 1))
check "event-webhook refusals counted (101)" wait_for 5 counted 'mrb_requests_total{endpoint="event-webhook",code="101"}' $((denied + 1))
check "health answers counted (000)" wait_for 5 counted 'mrb_requests_total{endpoint="health",code="000"}' $((health + 1))

# The counter sees join-room's media-server calls: a join that must heal its
# room (as after a restart of its server: the room's boot generation is
# behind the server's) recreates it through the Admin API, and counts that.
calls=$(metric 'mrb_media_server_calls_total{program="join-room"}')
sql "UPDATE rooms SET server_boot = server_boot - 1 WHERE id = '$ROOM'"
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"1111\",\"userId\":\"healer\"}"
eq "a join that heals its room -> 200" "$STATUS" 200
check "...and its media-server calls are counted" wait_for 5 metric_gt 'mrb_media_server_calls_total{program="join-room"}' "$calls"
eq "the room is marked healed (boot generation caught up)" \
  "$(sql "SELECT r.server_boot = s.boot FROM rooms r JOIN servers s ON s.id = r.server_id WHERE r.id = '$ROOM'")" 1
# a join of a live room calls no media server: proven by the counter, not a comment
calls=$(metric 'mrb_media_server_calls_total{program="join-room"}'); ok=$(metric 'mrb_joins_total{outcome="ok"}')
for u in 1 2 3 4 5; do post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"1111\",\"userId\":\"u$u\"}" >/dev/null; done
check "five more joins counted" wait_for 5 counted 'mrb_joins_total{outcome="ok"}' $((ok + 5))
eq "...and no media-server call made by join-room for them" "$(metric 'mrb_media_server_calls_total{program="join-room"}')" "$calls"

# counters survive worker restarts (they live in MariaDB); mrb-notify,
# retrying against a receiver nobody started, counts on meanwhile: paused
"$ROOT/scripts/stack.sh" notify-stop >/dev/null 2>&1
before=$(curl -s "$BASE/metrics" | grep -E '_total(\{| )' | sort)
"$ROOT/scripts/stack.sh" lighttpd-restart >/dev/null 2>&1
after=$(curl -s "$BASE/metrics" | grep -E '_total(\{| )' | sort)
"$ROOT/scripts/stack.sh" notify-start >/dev/null 2>&1
eq "every counter unchanged across a restart of all workers" "$after" "$before"

# MariaDB down: health and metrics say so
kill "$(cat "$ROOT/run/mariadb.pid")"; wait_for 60 bash -c '! kill -0 $(cat '"$ROOT"'/run/mariadb.pid 2>/dev/null) 2>/dev/null'
s=$(curl -s -o "$TMP/h" -w '%{http_code}' "$BASE/health")
eq "health with MariaDB down -> 503" "$s/$(jq -r .code "$TMP/h")" 503/503
s=$(curl -s -o "$TMP/h" -w '%{http_code}' "$BASE/metrics")
eq "metrics with MariaDB down -> 503" "$s" 503
"$ROOT/scripts/stack.sh" up >/dev/null 2>&1
s=$(curl -s -o "$TMP/h" -w '%{http_code}' "$BASE/health")
eq "health once MariaDB is back (same workers reconnect) -> 200" "$s" 200
finish
