#!/usr/bin/env bash
# Every mrbctl command against the dev stack: server add / enable / disable /
# remove, cordon -> automatic disable, panic moving rooms that are then
# joined elsewhere, status, room list / show / end, token host.
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1 # no poll or expiry run may race the assertions
trap '"$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1; rm -rf "$TMP"' EXIT
state() { sql "SELECT state FROM servers WHERE id='$1'"; }
ctl() { OUT=$("$MRBCTL" "$@" 2>&1); RC=$?; }

# --- server add / enable / disable / remove
A_ADM=$(server_conf janus-a admin_url)
printf 'spare-admin-secret\n' >"$TMP/asec"
printf 'spare-webhook-password\n' >"$TMP/wpass"
ctl server add spare --public-url http://127.0.0.1:8188/janus --admin-url "$A_ADM" \
  --admin-secret @"$TMP/asec" --token-secret spare-token --weight 2.5 \
  --webhook-user spare-hook --webhook-password @"$TMP/wpass"
eq "server add -> exit 0" "$RC" 0
eq "a new server starts disabled" "$(state spare)" disabled
eq "secret read from @FILE, weight stored" "$(sql "SELECT CONCAT(admin_secret,'/',weight) FROM servers WHERE id='spare'")" "spare-admin-secret/2.5"
eq "its webhook password is kept as its SHA-256, never as itself" \
  "$(sql "SELECT CONCAT(webhook_user,'/',webhook_digest) FROM servers WHERE id='spare'")" \
  "spare-hook/$(printf 'spare-webhook-password' | sha256sum | cut -d' ' -f1)"
ctl server add spare --public-url http://x/ --admin-url http://x/ --admin-secret admin-secret-a --token-secret token-secret-b \
  --webhook-user spare-hook-2 --webhook-password 0123456789abcdef
eq "adding it again -> exit 1" "$RC" 1; match "says it exists" "$OUT" "already exists"
ctl server add other --public-url http://x/ --admin-url http://x/ --admin-secret admin-secret-a --token-secret token-secret-b \
  --webhook-user spare-hook --webhook-password 0123456789abcdef
eq "another server with spare's webhook user -> exit 1" "$RC" 1; match "says why" "$OUT" "belongs to another server"
ctl server add other --public-url http://x/ --admin-url http://x/ --admin-secret admin-secret-a --token-secret token-secret-b
eq "no webhook credential (and no shared one) -> exit 2" "$RC" 2; match "says why" "$OUT" "webhook-user and --webhook-password are required"
ctl server add other --public-url http://x/ --admin-url http://x/ --admin-secret admin-secret-a --token-secret token-secret-b \
  --webhook-user other-hook --webhook-password short
eq "a webhook password under 16 bytes -> exit 2" "$RC" 2
ctl server add 'bad name!' --public-url http://x/ --admin-url http://x/ --admin-secret admin-secret-a --token-secret token-secret-b
eq "bad server name -> exit 2" "$RC" 2
ctl server add other --public-url ftp://x/ --admin-url http://x/ --admin-secret admin-secret-a --token-secret token-secret-b
eq "non-http URL -> exit 2" "$RC" 2
ctl server add other --public-url http://x/
eq "missing secrets -> exit 2" "$RC" 2
eq "nothing added by refused commands" "$(sql "SELECT COUNT(*) FROM servers WHERE id='other'")" 0
ctl server enable spare; eq "enable -> enabled" "$RC/$(state spare)" 0/enabled
ctl server disable spare; eq "disable -> disabled" "$RC/$(state spare)" 0/disabled
ctl server enable nosuch; eq "enable an unknown server -> exit 1" "$RC" 1
ctl status
eq "status -> exit 0" "$RC" 0
match "status table has the header" "$OUT" "SERVER +STATE +HEALTH +POLLED +SCORE +CPU +MEM +SESSIONS +HANDLES +SOCKETS +ROOMS +PEOPLE"
match "status lists spare as disabled" "$OUT" "spare +disabled"
ctl status --json
eq "status --json lists all servers" "$(printf '%s' "$OUT" | jq length)" "$(sql 'SELECT COUNT(*) FROM servers')"
eq "status --json: spare's weight" "$(printf '%s' "$OUT" | jq '.[] | select(.server=="spare") | .weight')" 2.5
match "status --json: janus-a has all five metrics" \
  "$(printf '%s' "$OUT" | jq -c '.[] | select(.server=="janus-a") | [.cpu, .mem, .sessions, .handles, .sockets] | map(type)')" \
  '^\["number","number","number","number","number"\]$'
ctl server remove spare; eq "remove an empty server -> exit 0" "$RC" 0
eq "gone" "$(sql "SELECT COUNT(*) FROM servers WHERE id='spare'")" 0
ctl server remove spare; eq "remove it again -> exit 1" "$RC" 1

# --- put a room on janus-b (janus-a disabled for the placement)
on_b() {
  "$MRBCTL" server disable janus-a >/dev/null
  create_room "{\"roomNm\":\"$1\",\"roomKey\":\"2468\"}"
  "$MRBCTL" server enable janus-a >/dev/null
}
on_b "drain me"; B1=$ROOM
eq "room placed on janus-b" "$SERVER" janus-b

# --- remove refuses while rooms are open
ctl server remove janus-b
eq "remove with open rooms -> exit 1" "$RC" 1; match "says why" "$OUT" "open room"
eq "janus-b still registered" "$(state janus-b)" enabled

# --- cordon: no new rooms, live rooms stay, disabled once empty
ctl server cordon janus-b
eq "cordon -> exit 0" "$RC" 0; eq "janus-b cordoned" "$(state janus-b)" cordoned
for i in 1 2 3; do create_room "{\"roomNm\":\"after cordon $i\"}"; eq "new room $i avoids the cordoned server" "$SERVER" janus-a; done
post join-room "{\"roomId\":\"$B1\",\"roomKey\":\"2468\"}"
eq "its live room is still joinable" "$STATUS" 200
match "...on janus-b" "$(jqr .data.server)" ":8288/"
ctl room list --server janus-b --json
eq "room list --server janus-b includes it" "$(printf '%s' "$OUT" | jq --arg r "$B1" '[.[] | select(.roomId==$r)] | length')" 1
eq "room list --server filters" "$(printf '%s' "$OUT" | jq '[.[] | select(.server!="janus-b")] | length')" 0
for r in $(printf '%s' "$OUT" | jq -r '.[].roomId') $(sql "SELECT id FROM rooms WHERE server_id='janus-b' AND ended_at IS NULL"); do
  [ "$(state janus-b)" = cordoned ] || break
  "$MRBCTL" room end "$r" >/dev/null 2>&1
done
eq "cordoned server disabled by itself once its last room ended" "$(state janus-b)" disabled
eq "room end destroyed it on Janus" "$(room_exists_on janus-b "$B1")" false
post join-room "{\"roomId\":\"$B1\",\"roomKey\":\"2468\"}"
eq "an ended room is refused -> 410" "$STATUS" 410
ctl room end "$B1"; eq "room end on an ended room -> exit 1" "$RC" 1
ctl server enable janus-b
# cordon of an empty server disables at once
"$MRBCTL" server add empty --public-url http://127.0.0.1:1/janus --admin-url http://127.0.0.1:1/admin \
  --admin-secret admin-secret-x --token-secret token-secret-y --webhook-user empty-hook --webhook-password empty-webhook-password >/dev/null
"$MRBCTL" server enable empty >/dev/null
ctl server cordon empty
match "cordon of an empty server says disabled" "$OUT" "already empty: disabled"
eq "...and it is" "$(state empty)" disabled
"$MRBCTL" server remove empty >/dev/null

# --- panic: every live room moves now, recreated and joinable elsewhere
on_b "panic 1"; P1=$ROOM; on_b "panic 2"; P2=$ROOM
EMPTY=("$P1" "$P2"); for i in 3 4 5 6 7; do on_b "panic $i"; EMPTY+=("$ROOM"); done
on_b "panic busy"; P3=$ROOM
eq "both rooms on janus-b" "$(sql "SELECT COUNT(*) FROM rooms WHERE id IN ('$P1','$P2') AND server_id='janus-b'")" 2
post join-room "{\"roomId\":\"$P3\",\"roomKey\":\"2468\",\"userId\":\"in-a-call\"}"
moved_before=$(metric mrb_failovers_total)
ctl server panic janus-b
first_moved=$(sql "SELECT room_id FROM events_outbox WHERE type = 'room.moved' AND room_id IN ('$P3'$(printf ",'%s'" "${EMPTY[@]}")) ORDER BY id LIMIT 1")
eq "the room with someone in it moves first, before the 7 empty ones created before it" "$first_moved" "$P3"
eq "panic -> exit 0" "$RC" 0; match "reports the moves" "$OUT" "room\(s\) moved"
eq "janus-b disabled" "$(state janus-b)" disabled
eq "both rooms now mapped to janus-a" "$(sql "SELECT COUNT(*) FROM rooms WHERE id IN ('$P1','$P2') AND server_id='janus-a'")" 2
eq "recreated on janus-a" "$(room_exists_on janus-a "$P1")/$(room_exists_on janus-a "$P2")" true/true
post join-room "{\"roomId\":\"$P1\",\"roomKey\":\"2468\",\"userId\":\"after-panic\"}"
eq "joinable after the panic" "$STATUS" 200
match "...on janus-a" "$(jqr .data.server)" ":8188/"
U=$(jqr .data.server); T=$(jqr .data.token); O=$(jqr .data.opaqueId)
check "a client joins the moved room on janus-a with the key" janus_join "$U" "$T" "$P1" 2468 Moved "$O"
janus_post "$U/$JSID" "{\"janus\":\"destroy\",\"transaction\":\"d\",\"token\":\"$T\"}" >/dev/null
check "mrb_failovers_total counted the moves" test "$(metric mrb_failovers_total)" -ge $((moved_before + 3))
ctl server panic nosuch; eq "panic an unknown server -> exit 1" "$RC" 1
ctl server enable janus-b

# --- room list --expired / room show / room end
create_room '{"roomNm":"listing","roomKey":"1357"}'; L=$ROOM
post join-room "{\"roomId\":\"$L\",\"roomKey\":\"1357\",\"userId\":\"dora\"}"
ctl room show "$L"
eq "room show -> exit 0" "$RC" 0
eq "room show: id, key, seat" "$(printf '%s' "$OUT" | jq -r '[.roomId, .roomKey, .seats[0].userId, .state] | join("/")')" "$L/1357/dora/live"
check "room show leaves the secret out" bash -c "! printf '%s' '$OUT' | grep -q '$(sql "SELECT secret FROM rooms WHERE id='$L'")'"
ctl room show nosuchroom; eq "room show unknown -> exit 1" "$RC" 1
ctl room list
match "room list (table) shows it live" "$OUT" "$L +janus-[ab] +[^ ]+ +live"
sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 5 WHERE id = '$L'"
ctl room list --expired --json
eq "room list --expired includes it" "$(printf '%s' "$OUT" | jq --arg r "$L" '[.[] | select(.roomId==$r)] | length')" 1
ctl room list --json
eq "...and the live list no longer does" "$(printf '%s' "$OUT" | jq --arg r "$L" '[.[] | select(.roomId==$r)] | length')" 0
LS=$(sql "SELECT server_id FROM rooms WHERE id='$L'")
ctl room end "$L"
eq "room end -> exit 0" "$RC" 0; match "says destroyed" "$OUT" "ended and destroyed"
eq "gone from Janus" "$(room_exists_on "$LS" "$L")" false
eq "marked ended" "$(sql "SELECT ended_at IS NOT NULL FROM rooms WHERE id='$L'")" 1

# --- token host
ctl token host --sub alice
match "token host mints a JWT" "$OUT" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
post create-room '{"roomNm":"with minted token"}' -H "Authorization: Bearer $OUT"
eq "the minted token creates rooms" "$STATUS" 201
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/k.pem" 2>/dev/null
openssl pkey -in "$TMP/k.pem" -pubout -out "$TMP/pub.pem" 2>/dev/null
sed -e 's/^jwt_alg *=.*/jwt_alg = RS256/' -e "s|^jwt_secret *=.*|jwt_public_key = $TMP/pub.pem|" "$CONF" >"$TMP/rs.conf"
chmod 600 "$TMP/rs.conf"
OUT=$("$MRBCTL" -c "$TMP/rs.conf" token host --sub alice 2>&1); RC=$?
eq "token host refuses when jwt_alg is not HS256" "$RC" 1; match "says why" "$OUT" "HS256"
ctl frobnicate; eq "unknown command -> exit 2" "$RC" 2
ctl --help; eq "--help -> exit 0" "$RC" 0

# config get / config servers: the scripts' only way to read the config
printf '[db]\nport = 4400 ; a comment\n[server   spaced-out]\npublic_url = http://127.0.0.1:1/janus\n[server b]\nx = 1\n[server   spaced-out]\ny = 2\n' >"$TMP/raw.conf"
eq "config get reads a value as inih does (inline comment dropped)" "$("$MRBCTL" -c "$TMP/raw.conf" config get db port)" 4400
eq "...section names compare with blanks squeezed" \
  "$("$MRBCTL" -c "$TMP/raw.conf" config get "server spaced-out" public_url)" "http://127.0.0.1:1/janus"
"$MRBCTL" -c "$TMP/raw.conf" config get db nope >/dev/null; eq "an absent key -> exit 1" "$?" 1
"$MRBCTL" -c "$TMP/nonexistent.conf" config get db port >/dev/null 2>&1; eq "an unreadable file -> exit 2" "$?" 2
eq "config servers lists each [server NAME] once, in file order" \
  "$("$MRBCTL" -c "$TMP/raw.conf" config servers | paste -sd,)" "spaced-out,b"
# usage errors: one line that says what was wrong, then that command's usage only
usage_err() { # usage_err "TITLE" "FIRST LINE RE" "SYNOPSIS" ARGS...
  local title=$1 first=$2 syn=$3; shift 3
  ctl "$@"
  eq "$title -> exit 2" "$RC" 2
  match "...first line says what was wrong" "$(head -n 1 <<<"$OUT")" "$first"
  match "...then that command's usage" "$OUT" "$syn"
  check "...and not the whole usage" test "$(grep -c 'server add\|room show' <<<"$OUT")" -le "$(grep -c "$syn" <<<"$OUT")"
}
usage_err "token host without --sub" "^mrbctl: token host: --sub NAME is required" "token host --sub NAME" token host
usage_err "token host --ttl abc" "^mrbctl: token host: --ttl must be a whole number of seconds, 1 or more, not 'abc'" \
  "token host --sub NAME" token host --sub a --ttl abc
usage_err "token host --ttl 0" "not '0'" "token host --sub NAME" token host --sub a --ttl 0
usage_err "status --jsn" "^mrbctl: status: unknown option '--jsn'" "status \[--json\]" status --jsn
usage_err "room list --server without a value" "^mrbctl: room list: --server needs a server's NAME" \
  "room list \[--server NAME\]" room list --server
usage_err "config get with a section only" "^mrbctl: config get: needs SECTION and KEY" "config get SECTION KEY" \
  config get db
eq "config get prints the default the programs use" "$("$MRBCTL" config get limits key_failures_per_room)" 10
eq "...and a value the file sets, as set" "$("$MRBCTL" config get health interval)" "$(awk '/^\[health\]/{h=1;next} /^\[/{h=0} h && /^interval/{print $3}' "$CONF")"
ctl room show -abcdefghijklmnopqrstu
eq "a room id that starts with '-' is an id, not an option" "$RC/$OUT" "1/mrbctl: no room -abcdefghijklmnopqrstu"

# secrets: a placeholder or a weak one is refused; an http:// admin URL off loopback is warned about
ctl server add weak --public-url http://127.0.0.1:1/ --admin-url http://127.0.0.1:1/ --admin-secret change-me \
  --token-secret token-secret-b --webhook-user weak-hook --webhook-password 0123456789abcdef
eq "server add with the example's placeholder secret -> exit 2" "$RC" 2
match "...says why and how to make one" "$OUT" "--admin-secret is the example config's placeholder: make one with: openssl rand"
ctl server add weak --public-url http://127.0.0.1:1/ --admin-url http://127.0.0.1:1/ --admin-secret aaaaaaaaaaaa \
  --token-secret token-secret-b --webhook-user weak-hook --webhook-password 0123456789abcdef
eq "server add with one repeated character -> exit 2" "$RC" 2
eq "nothing added" "$(sql "SELECT COUNT(*) FROM servers WHERE id='weak'")" 0
ctl server add plain --public-url http://192.0.2.1/janus --admin-url http://192.0.2.1:7088/admin \
  --admin-secret admin-secret-plain --token-secret token-secret-plain --webhook-user plain-hook \
  --webhook-password 0123456789abcdef
eq "server add with an http:// admin URL off loopback: added" "$RC" 0
match "...with a warning that its secrets would cross the network in clear" "$OUT" "warning: --admin-url is http://.*use https://"
"$MRBCTL" server remove plain >/dev/null 2>&1
finish
