#!/usr/bin/env bash
# Trust between parts (issue 19): each media server speaks only for itself.
# The forged-emitter POST from the issue (janus-a's credential claiming that
# janus-b shut down) is refused, janus-b stays up and not one room moves; the
# rest of the batch is applied; a server registered only in the database
# (mrbctl server add) is believed about itself; the shared [webhook]
# credential still works for migration, with a warning at start and in
# mrbctl status. Real FastCGI programs and MariaDB throughout.
. "$(dirname "$0")/lib.sh"

A=$(hook_cred janus-a); B=$(hook_cred janus-b)
counted_is() { [ "$(metric "$1")" = "$2" ]; }
on_b() { # a room placed on janus-b
  "$MRBCTL" server disable janus-a >/dev/null
  create_room "{\"roomNm\":\"$1\",\"roomKey\":\"4242\"}"
  "$MRBCTL" server enable janus-a >/dev/null
}
MINE=()
for i in 1 2 3; do on_b "trust $i"; MINE+=("'$ROOM'"); done
eq "three rooms placed on janus-b" "$SERVER" janus-b
# where this test's rooms are: an evacuation of janus-b would move them all
placement() { sql "SELECT GROUP_CONCAT(CONCAT(server_id, '#', server_boot, '#', ended_at IS NULL) ORDER BY id) FROM rooms WHERE id IN ($(IFS=,; echo "${MINE[*]}"))"; }
rooms_before=$(placement); moved_before=$(metric mrb_failovers_total)
foreign_before=$(metric 'mrb_webhook_events_total{type="foreign"}'); foreign_before=${foreign_before:-0}

# --- the issue's forged POST: janus-a's credential, janus-b's name
# (every body here is new, timestamps in ns: a body seen before is a re-delivery and changes nothing)
shutdown_b="{\"emitter\":\"janus-b\",\"type\":256,\"subtype\":2,\"timestamp\":$(date +%s%N),\"event\":{\"status\":\"shutdown\"}}"
post event-webhook "$shutdown_b" -u "$A"
eq "janus-a claiming janus-b shut down -> 200 (the batch is taken, the event is not)" "$STATUS" 200
eq "janus-b stays up" "$(sql "SELECT healthy FROM servers WHERE id='janus-b'")" 1
sleep 1 # an evacuation would start right after the batch commits
eq "not one room moved (server and boot generation of every live room)" "$(placement)" "$rooms_before"
eq "no failover counted" "$(metric mrb_failovers_total)" "$moved_before"
check "the refused event is counted: mrb_webhook_events_total{type=\"foreign\"} +1" \
  wait_for 5 counted_is 'mrb_webhook_events_total{type="foreign"}' $((foreign_before + 1))
check "and logged, naming the poster (never the event)" grep -q "server janus-a posted 1 event(s) about other servers: refused" \
  "$ROOT/run/log/fcgi-stderr.log"

# --- a mixed batch: janus-a's own news is applied, its claims about janus-b are not
sid=9100000001
batch="[{\"emitter\":\"janus-a\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":$sid,\"event\":{\"name\":\"created\"}},
 {\"emitter\":\"janus-b\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":$((sid + 1)),\"event\":{\"name\":\"created\"}},
 {\"emitter\":\"janus-b\",\"type\":64,\"timestamp\":2,\"event\":{\"plugin\":\"janus.plugin.audiobridge\",\"data\":{\"event\":\"joined\",\"room\":\"$ROOM\",\"id\":\"666\",\"display\":\"ghost\"}}},
 $shutdown_b]"
post event-webhook "$batch" -u "$A"
eq "mixed batch -> 200, all four accepted" "$STATUS/$(jqr .data.accepted)" 200/4
eq "janus-a's own session stored" "$(sql "SELECT COUNT(*) FROM server_sessions WHERE server_id='janus-a' AND session_id=$sid")" 1
eq "no session stored for janus-b" "$(sql "SELECT COUNT(*) FROM server_sessions WHERE session_id=$((sid + 1))")" 0
eq "no fake presence in janus-b's room" "$(sql "SELECT COUNT(*) FROM participants WHERE room_id='$ROOM'")" 0
eq "janus-b still up, rooms still in place" "$(sql "SELECT healthy FROM servers WHERE id='janus-b'")/$(placement)" "1/$rooms_before"
post event-webhook "[{\"emitter\":\"janus-a\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":$sid,\"event\":{\"name\":\"destroyed\"}}]" -u "$A"

# --- credentials: one server's password is not another's
post event-webhook '[]' -u "${A%%:*}:${B#*:}"; eq "janus-a's user with janus-b's password -> 401" "$STATUS/$(jqr .code)" 401/101
post event-webhook '[]' -u "janus:mrb-dev-webhook-password"; eq "the old shared credential (removed from the dev config) -> 401" "$STATUS" 401
post event-webhook '[]' -H 'Authorization: Basic !!!notbase64'; eq "a malformed Basic header -> 401" "$STATUS" 401
post event-webhook '[]' -H "Authorization: Basic $(printf 'no-colon' | base64)"; eq "a credential without ':' -> 401" "$STATUS" 401

# --- a server registered only in the database speaks for itself, and only
"$MRBCTL" server add trust-db --public-url http://127.0.0.1:1/janus --admin-url http://127.0.0.1:1/admin \
  --admin-secret admin-secret-x --token-secret token-secret-y --webhook-user trust-db-hook --webhook-password trust-db-webhook-password >/dev/null
D=trust-db-hook:trust-db-webhook-password
post event-webhook "[{\"emitter\":\"trust-db\",\"type\":256,\"subtype\":2,\"timestamp\":$(date +%s%N),\"event\":{}}]" -u "$D"
eq "a database-registered server's own shutdown -> 200" "$STATUS" 200
eq "...is believed" "$(sql "SELECT healthy FROM servers WHERE id='trust-db'")" 0
post event-webhook "$shutdown_b" -u "$D"
eq "...its claim that janus-b shut down is not" "$(sql "SELECT healthy FROM servers WHERE id='janus-b'")/$(placement)" "1/$rooms_before"
post event-webhook '[]' -u "trust-db-hook:wrong-password-0123"; eq "...and a wrong password for it -> 401" "$STATUS" 401
"$MRBCTL" server remove trust-db >/dev/null

# --- the shared credential, for migration: a worker of its own, spoken to over FastCGI
S=$TMP/shared; mkdir -p "$S"
cp "$CONF" "$S/mrb.conf"; chmod 600 "$S/mrb.conf"
sed -i "s|^spool_dir = .*|spool_dir = $S/spool|; s|^\[webhook\]|[webhook]\nuser = legacy\npassword = legacy-shared-password|" "$S/mrb.conf"
MRB_CONFIG=$S/mrb.conf spawn-fcgi -n -s "$S/sock" -- "$ROOT/cgi-bin/event-webhook" 2>"$S/stderr" >/dev/null & WORKER=$!
wait_for 5 test -S "$S/sock"
fcgi() { # fcgi AUTH BODY: one POST to the shared-credential worker; prints the status
  printf '%s' "$2" | env -i REQUEST_METHOD=POST CONTENT_TYPE=application/json CONTENT_LENGTH=${#2} \
    SCRIPT_NAME=/mrb/event-webhook REQUEST_URI=/mrb/event-webhook HTTP_AUTHORIZATION="$1" \
    cgi-fcgi -bind -connect "$S/sock" | sed -n 's/^Status: \([0-9]*\).*/\1/p'
}
"$MRBCTL" server add trust-legacy --public-url http://127.0.0.1:1/janus --admin-url http://127.0.0.1:1/admin \
  --admin-secret admin-secret-x --token-secret token-secret-y --webhook-user trust-legacy-hook --webhook-password trust-legacy-password >/dev/null
eq "shared credential -> 200" "$(fcgi "Basic $(printf 'legacy:legacy-shared-password' | base64)" \
  "[{\"emitter\":\"trust-legacy\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":$((sid + 5)),\"event\":{\"name\":\"created\"}}]")" 200
eq "...and its events are believed about the server they name" \
  "$(sql "SELECT COUNT(*) FROM server_sessions WHERE server_id='trust-legacy' AND session_id=$((sid + 5))")" 1
eq "a wrong shared password -> 401" "$(fcgi "Basic $(printf 'legacy:wrong' | base64)" '[]')" 401
check "the worker warned at start that the shared credential is set" grep -q "warning: the shared \[webhook\] credential is set" "$S/stderr"
out=$("$MRBCTL" -c "$S/mrb.conf" status 2>/dev/null)
match "mrbctl status shows the warning while it is set" "$out" "warning: the shared \[webhook\] credential is set"
out=$("$MRBCTL" status 2>&1)
check "...and not without it (the dev config)" bash -c "! grep -q 'shared \[webhook\]' <<<\"\$1\"" _ "$out"
kill "$WORKER" 2>/dev/null; wait "$WORKER" 2>/dev/null
"$MRBCTL" server remove trust-legacy >/dev/null
finish
