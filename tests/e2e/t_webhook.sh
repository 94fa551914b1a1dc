#!/usr/bin/env bash
# The event webhook: auth, shapes, duplicates, gzip, and no loss while
# MariaDB is down.
. "$(dirname "$0")/lib.sh"
# Posted as janus-b, with its own credential (t_trust.sh: one server's
# credential cannot speak for another).
CRED=$(hook_cred janus-b)
hook() { post event-webhook "$1" -u "$CRED" "${@:2}"; }

post event-webhook '[]'; eq "no auth -> 401" "$STATUS" 401; eq "no auth code" "$(jqr .code)" 101
match "...asking for Basic credentials (WWW-Authenticate)" \
  "$(curl -s -D - -o /dev/null -X POST "$BASE/event-webhook" -d '[]' | tr -d '\r')" 'WWW-Authenticate: Basic realm="mrb webhook"' 
post event-webhook '[]' -u "${CRED%%:*}:wrong${CRED#*:}"; eq "wrong password -> 401" "$STATUS" 401
hook '{"type":'; eq "malformed JSON -> 400" "$STATUS" 400
hook '[]'; eq "empty batch -> 200" "$STATUS" 200; eq "accepted 0" "$(jqr .data.accepted)" 0

sessions() { sql "SELECT COUNT(*) FROM server_sessions WHERE server_id='janus-b' AND session_id BETWEEN 9000000001 AND 9000000099"; }
sid=9000000001
batch="[{\"emitter\":\"janus-b\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":$sid,\"event\":{\"name\":\"created\"}},
 {\"emitter\":\"janus-b\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":$((sid+1)),\"event\":{\"name\":\"created\"}},
 {\"bogus\":true}, 42,
 {\"emitter\":\"janus-b\",\"type\":8,\"timestamp\":1,\"event\":{}}]"
hook "$batch"; eq "mixed batch -> 200" "$STATUS" 200; eq "accepted counts the batch" "$(jqr .data.accepted)" 5
eq "two sessions stored; bad shapes skipped" "$(sessions)" 2
hook "$batch"; eq "same batch again -> 200" "$STATUS" 200
eq "a batch delivered twice counts once" "$(sessions)" 2
hook "[{\"emitter\":\"janus-b\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":$sid,\"event\":{\"name\":\"destroyed\"}}]"
eq "session destroyed" "$(sessions)" 1
hook "[{\"emitter\":\"no-such-server\",\"type\":256,\"subtype\":2,\"timestamp\":1,\"event\":{\"status\":\"shutdown\"}}]"
eq "an event about an unknown server -> 200" "$STATUS" 200
eq "...changes nothing" "$(sql "SELECT COUNT(*) FROM servers WHERE healthy=0")" 0
hook "[{\"emitter\":\"no-such-server\",\"type\":1,\"timestamp\":1,\"session_id\":77,\"event\":{\"name\":\"created\"}},{\"emitter\":\"no-such-server\",\"type\":64,\"timestamp\":2,\"event\":{\"plugin\":\"janus.plugin.audiobridge\",\"data\":{\"event\":\"joined\",\"room\":\"r\",\"id\":\"1\"}}}]"
eq "session and plugin events about an unknown server -> 200" "$STATUS" 200
eq "  ... store nothing" "$(sql "SELECT (SELECT COUNT(*) FROM server_sessions WHERE server_id='no-such-server') + (SELECT COUNT(*) FROM participants WHERE server_id='no-such-server')")" 0

printf '%s' "[{\"emitter\":\"janus-b\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":$((sid+5)),\"event\":{\"name\":\"created\"}}]" | gzip -c >"$TMP/gz"
s=$(curl -s -o "$TMP/b" -w '%{http_code}' -u "$CRED" -X POST "$BASE/event-webhook" -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' --data-binary @"$TMP/gz")
eq "gzip body -> 200" "$s" 200; eq "gzip batch applied" "$(sessions)" 2
s=$(curl -s -o "$TMP/b" -w '%{http_code}' -u "$CRED" -X POST "$BASE/event-webhook" -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' --data-binary 'not gzip')
eq "corrupt gzip -> 400" "$s" 400

# MariaDB down: batches are spooled, then applied in order once it is back
kill "$(cat "$ROOT/run/mariadb.pid")"; wait_for 60 bash -c '! kill -0 $(cat '"$ROOT"'/run/mariadb.pid 2>/dev/null) 2>/dev/null'
hook "[{\"emitter\":\"janus-b\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":$((sid+10)),\"event\":{\"name\":\"created\"}}]"
eq "batch while MariaDB is down -> 200" "$STATUS" 200
hook "[{\"emitter\":\"janus-b\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":$((sid+10)),\"event\":{\"name\":\"destroyed\"}},{\"emitter\":\"janus-b\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":$((sid+11)),\"event\":{\"name\":\"created\"}}]"
eq "second batch while down -> 200" "$STATUS" 200
check "both batches are on disk" test "$(ls "$ROOT"/run/spool/*.batch 2>/dev/null | wc -l)" -eq 2
# a replay believes a batch about no more than the live request would have
eq "...each under the name of the server that posted it" \
  "$(head -qn1 "$ROOT"/run/spool/*.batch 2>/dev/null | sort -u)" "mrb-as janus-b"
"$ROOT/scripts/stack.sh" up >/dev/null 2>&1
hook '[]'
eq "next request after restart -> 200" "$STATUS" 200
eq "spooled batches applied in order (created, destroyed, created)" \
  "$(sql "SELECT GROUP_CONCAT(session_id ORDER BY session_id) FROM server_sessions WHERE server_id='janus-b' AND session_id BETWEEN 9000000010 AND 9000000099")" "$((sid+11))"
check "spool emptied" test "$(ls "$ROOT"/run/spool/*.batch 2>/dev/null | wc -l)" -eq 0
sql "DELETE FROM server_sessions WHERE session_id BETWEEN 9000000001 AND 9000000099"
finish
