#!/usr/bin/env bash
# docs/openapi.yaml stays true (tests/openapi/check.mjs does the checking):
# it is valid OpenAPI 3.1, its schemas compile strictly and its examples fit
# them; every endpoint of cgi-bin/ is described, and each
# request body schema says what the endpoint's C validator table does (the
# same fields, types, required-ness and ranges, nothing else); every answer
# below, success or error, from the running stack matches the description of
# its operation and status (an undescribed status fails), and what the
# server took or refused (400) fits the request schema or not; the Redoc
# page (www/api.html) renders every operation. MRB_OPENAPI=FILE checks
# another copy of the description.
. "$(dirname "$0")/lib.sh"
OA=$ROOT/tests/openapi
SPEC=${MRB_OPENAPI:-$ROOT/docs/openapi.yaml}

# The npm packages, as `make deps` installs them (npm ci; its postinstall
# puts the Redoc bundle and a link to docs/openapi.yaml into www/).
if [ ! -d "$OA/node_modules/@seriousme/openapi-schema-validator" ]; then
  (cd "$OA" && npm ci --no-audit --no-fund >/dev/null 2>&1) || { not_ok "npm ci in tests/openapi (make deps)"; finish; exit 1; }
elif [ ! -e "$ROOT/www/redoc.standalone.js" ] || [ ! -e "$ROOT/www/openapi.yaml" ]; then
  (cd "$OA" && npm run --silent postinstall >/dev/null 2>&1) || not_ok "www/redoc.standalone.js and www/openapi.yaml (make deps)"
fi

# start NAME SUBCOMMAND ARGS...: check.mjs in the background (the browser
# takes seconds), its output in $TMP/NAME.out; report NAME waits for it and
# counts its "ok|fail<TAB>name<TAB>detail" lines as ours (none is a failure).
declare -A PIDS
start() { local n=$1; shift; node "$OA/check.mjs" "$@" >"$TMP/$n.out" 2>&1 & PIDS[$n]=$!; }
report() {
  local r name detail line
  wait "${PIDS[$1]}"
  grep -qE $'^(ok|fail)\t' "$TMP/$1.out" || { not_ok "check.mjs $1 printed no result" "$(head -c 400 "$TMP/$1.out")"; return; }
  while IFS= read -r line; do
    IFS=$'\t' read -r r name detail <<<"$line"
    case $r in ok) ok "$name" ;; fail) not_ok "$name" "$detail" ;; *) [ -n "$line" ] && printf '       %s\n' "$line" ;; esac
  done <"$TMP/$1.out"
}
start spec spec "$SPEC"
start fields fields "$SPEC" "$ROOT"
start render render "${BASE%/mrb}/api.html" "$SPEC"

# hit NAME WANT METHOD PATH [curl args...]: one request; its answer is kept
# in $ANS for check.mjs, and its status must be WANT (the case happened).
ANS=$TMP/answers; mkdir -p "$ANS"; N=0
hit() {
  local name=$1 want=$2 method=$3 path=$4 f; shift 4
  N=$((N + 1)); printf -v f '%s/%03d' "$ANS" "$N"
  if [ "$method" = HEAD ]; then
    STATUS=$(curl -s --head -D "$f.headers" -o /dev/null -w '%{http_code}' "$@" "$BASE/$path"); : >"$f.body"
  else
    STATUS=$(curl -s -D "$f.headers" -o "$f.body" -w '%{http_code}' -X "$method" "$@" "$BASE/$path")
  fi
  BODY=$(<"$f.body")
  printf '%s\t%s\t/%s\t%s\n' "$name" "$method" "$path" "$STATUS" >"$f.meta"
  eq "$name -> $want" "$STATUS" "$want"
}
# jpost NAME WANT PATH JSON [curl args...]: a JSON POST; the request is kept
# too, for the request schema.
jpost() {
  local name=$1 want=$2 path=$3 json=$4 f; shift 4
  printf -v f '%s/%03d.request' "$ANS" $((N + 1))
  printf '%s' "$json" >"$f"
  hit "$name" "$want" POST "$path" -H 'Content-Type: application/json' --data-binary "$json" "$@"
}
ALICE=$(host_token alice); MALLORY=$(host_token mallory); OPS=$(host_token ops --role admin)
GUEST=$(host_token bob --role guest)
A=(-H "Authorization: Bearer $ALICE")
head -c 70000 /dev/zero | tr '\0' 'a' >"$TMP/big"
rep() { printf "%${2}s" '' | tr ' ' "$1"; } # rep CHAR N

# The shared refusals of every POST endpoint: 405, 415, 413, 400.
for ep in create-room join-room room-status room-kick room-mute room-end room-edit room-record; do
  hit "$ep GET" 405 GET "$ep"
  hit "$ep text/plain" 415 POST "$ep" -H 'Content-Type: text/plain' "${A[@]}" -d '{}'
  hit "$ep 70 KB" 413 POST "$ep" -H 'Content-Type: application/json' "${A[@]}" --data-binary @"$TMP/big"
  jpost "$ep broken JSON" 400 "$ep" '{"roomId":' "${A[@]}"
  jpost "$ep array body" 400 "$ep" '["roomId"]' "${A[@]}"
done

# create-room
jpost "create, every field and an unknown one" 201 create-room \
  '{"roomNm":"openapi 커리어 🎧","description":"d","roomKey":"123456","maxParticipants":16,"ttlSeconds":600,"record":false,"unknownField":1}' "${A[@]}"
R_MAIN=$(jqr .data.roomId)
jpost "create, the bounds" 201 create-room \
  "{\"roomNm\":\"$(rep n 100)\",\"description\":\"$(rep d 200)\",\"roomKey\":\"$(rep 9 12)\",\"maxParticipants\":2,\"ttlSeconds\":86400}" "${A[@]}"
R_FULL=$(jqr .data.roomId); KEY_FULL=$(jqr .data.roomKey)
jpost "create, the other bounds and nulls" 201 create-room \
  '{"roomNm":"b","description":null,"roomKey":"1234","maxParticipants":null,"ttlSeconds":10,"record":null}' "${A[@]}"
R_SHORT=$(jqr .data.roomId)
jpost "create, no token" 401 create-room '{"roomNm":"x"}'
jpost "create, a guest token" 403 create-room '{"roomNm":"x"}' -H "Authorization: Bearer $GUEST"
for bad in '{}' '{"roomNm":null}' '{"roomNm":""}' "{\"roomNm\":\"$(rep n 101)\"}" '{"roomNm":5}' \
  "{\"roomNm\":\"x\",\"description\":\"$(rep d 201)\"}" '{"roomNm":"x","roomKey":"123"}' \
  '{"roomNm":"x","roomKey":"1234567890123"}' '{"roomNm":"x","roomKey":"12ab"}' '{"roomNm":"x","roomKey":1234}' \
  '{"roomNm":"x","maxParticipants":1}' '{"roomNm":"x","maxParticipants":17}' '{"roomNm":"x","maxParticipants":"4"}' \
  '{"roomNm":"x","ttlSeconds":9}' '{"roomNm":"x","ttlSeconds":86401}' '{"roomNm":"x","record":"yes"}'; do
  jpost "create $(head -c 60 <<<"$bad")" 400 create-room "$bad" "${A[@]}"
done

# join-room
jpost "join with every field and an unknown one" 200 join-room \
  "{\"roomId\":\"$R_FULL\",\"roomKey\":\"$KEY_FULL\",\"display\":\"$(rep g 64)\",\"userId\":\"$(rep u 64)\",\"unreachable\":\"http://unknown.invalid/janus\",\"x\":1}"
jpost "join without a userId (takes the last seat)" 200 join-room "{\"roomId\":\"$R_FULL\",\"roomKey\":\"$KEY_FULL\",\"display\":null}"
jpost "join a full room" 409 join-room "{\"roomId\":\"$R_FULL\",\"roomKey\":\"$KEY_FULL\",\"userId\":\"third\"}"
jpost "join with a wrong key" 403 join-room "{\"roomId\":\"$R_FULL\",\"roomKey\":\"0000\"}"
jpost "join an unknown room" 404 join-room '{"roomId":"no-such-room-openapi","roomKey":"1234"}'
for bad in "{\"roomKey\":\"1\"}" "{\"roomId\":\"$R_MAIN\"}" "{\"roomId\":\"$R_MAIN\",\"roomKey\":123456}" \
  "{\"roomId\":\"$(rep r 65)\",\"roomKey\":\"1\"}" "{\"roomId\":\"$R_MAIN\",\"roomKey\":\"$(rep 1 65)\"}" \
  "{\"roomId\":\"$R_MAIN\",\"roomKey\":\"123456\",\"display\":\"$(rep d 65)\"}" \
  "{\"roomId\":\"$R_MAIN\",\"roomKey\":\"123456\",\"userId\":\"\"}" \
  "{\"roomId\":\"$R_MAIN\",\"roomKey\":\"123456\",\"unreachable\":\"$(rep u 513)\"}"; do
  jpost "join $(head -c 60 <<<"$bad")" 400 join-room "$bad"
done
sql "INSERT INTO key_failures (scope, subject, window_start, failures) VALUES ('r', '$R_MAIN', UNIX_TIMESTAMP(), 10)"
jpost "join after 10 wrong keys" 429 join-room "{\"roomId\":\"$R_MAIN\",\"roomKey\":\"123456\"}"
sql "DELETE FROM key_failures WHERE scope = 'r' AND subject IN ('$R_MAIN', '$R_FULL')"

# room-status and moderation, with a participant connected through Janus
create_room '{"roomNm":"openapi moderation","roomKey":"4321","maxParticipants":3}'; R=$ROOM
jpost "join as bob" 200 join-room "{\"roomId\":\"$R\",\"roomKey\":\"4321\",\"userId\":\"bob\",\"display\":\"Bob\"}"
URL=$(jqr .data.server); TOK=$(jqr .data.token); OP=$(jqr .data.opaqueId)
check "bob connects through Janus" janus_join "$URL" "$TOK" "$R" 4321 Bob "$OP"
P=$JPID
listed() { post room-status "{\"roomId\":\"$R\"}" "${A[@]}"; [ "$(jqr '.data.participants | length')" = 1 ]; }
check "bob is present (joined event)" wait_for 3 listed
jpost "status" 200 room-status "{\"roomId\":\"$R\",\"x\":1}" "${A[@]}"
jpost "status by an admin" 200 room-status "{\"roomId\":\"$R\"}" -H "Authorization: Bearer $OPS"
jpost "status, no token" 401 room-status "{\"roomId\":\"$R\"}"
jpost "status by another host" 403 room-status "{\"roomId\":\"$R\"}" -H "Authorization: Bearer $MALLORY"
jpost "status of an unknown room" 404 room-status '{"roomId":"no-such-room-openapi"}' "${A[@]}"
jpost "status without roomId" 400 room-status '{"roomId":null}' "${A[@]}"

jpost "mute" 200 room-mute "{\"roomId\":\"$R\",\"participantId\":\"$P\",\"muted\":true}" "${A[@]}"
jpost "unmute by an admin" 200 room-mute "{\"roomId\":\"$R\",\"participantId\":\"$P\",\"muted\":false}" -H "Authorization: Bearer $OPS"
jpost "mute, no token" 401 room-mute "{\"roomId\":\"$R\",\"participantId\":\"$P\",\"muted\":true}"
jpost "mute by another host" 403 room-mute "{\"roomId\":\"$R\",\"participantId\":\"$P\",\"muted\":true}" -H "Authorization: Bearer $MALLORY"
jpost "mute a stale participant" 404 room-mute "{\"roomId\":\"$R\",\"participantId\":\"ghost\",\"muted\":true}" "${A[@]}"
jpost "mute in an unknown room" 404 room-mute "{\"roomId\":\"no-such-room-openapi\",\"participantId\":\"$P\",\"muted\":true}" "${A[@]}"
jpost "mute without muted" 400 room-mute "{\"roomId\":\"$R\",\"participantId\":\"$P\"}" "${A[@]}"
jpost "mute, muted not a boolean" 400 room-mute "{\"roomId\":\"$R\",\"participantId\":\"$P\",\"muted\":\"yes\"}" "${A[@]}"

jpost "record on" 200 room-record "{\"roomId\":\"$R\",\"record\":true}" "${A[@]}"
jpost "record off" 200 room-record "{\"roomId\":\"$R\",\"record\":false}" "${A[@]}"
jpost "record without the flag" 400 room-record "{\"roomId\":\"$R\"}" "${A[@]}"
jpost "record by another host" 403 room-record "{\"roomId\":\"$R\",\"record\":true}" -H "Authorization: Bearer $MALLORY"

jpost "edit everything" 200 room-edit \
  "{\"roomId\":\"$R\",\"roomNm\":\"renamed\",\"roomKey\":\"8765\",\"ttlSeconds\":600,\"maxParticipants\":4}" "${A[@]}"
jpost "edit with nothing to change" 400 room-edit "{\"roomId\":\"$R\",\"roomNm\":null}" "${A[@]}"
jpost "edit, a key with letters" 400 room-edit "{\"roomId\":\"$R\",\"roomKey\":\"12ab\"}" "${A[@]}"
jpost "edit, ttlSeconds over max_ttl" 400 room-edit "{\"roomId\":\"$R\",\"ttlSeconds\":86401}" "${A[@]}"
jpost "edit by another host" 403 room-edit "{\"roomId\":\"$R\",\"roomNm\":\"x\"}" -H "Authorization: Bearer $MALLORY"
jpost "edit an unknown room" 404 room-edit '{"roomId":"no-such-room-openapi","roomNm":"x"}' "${A[@]}"

jpost "kick a stale participant" 404 room-kick "{\"roomId\":\"$R\",\"participantId\":\"ghost\"}" "${A[@]}"
jpost "kick without participantId" 400 room-kick "{\"roomId\":\"$R\"}" "${A[@]}"
jpost "kick by another host" 403 room-kick "{\"roomId\":\"$R\",\"participantId\":\"$P\"}" -H "Authorization: Bearer $MALLORY"
jpost "kick" 200 room-kick "{\"roomId\":\"$R\",\"participantId\":\"$P\"}" "${A[@]}"
janus_post "$URL/$JSID" "{\"janus\":\"destroy\",\"transaction\":\"d\",\"token\":\"$TOK\"}" >/dev/null

jpost "end by another host" 403 room-end "{\"roomId\":\"$R\"}" -H "Authorization: Bearer $MALLORY"
jpost "end an unknown room" 404 room-end '{"roomId":"no-such-room-openapi"}' "${A[@]}"
jpost "end without roomId" 400 room-end '{}' "${A[@]}"
jpost "end" 200 room-end "{\"roomId\":\"$R\"}" "${A[@]}"
jpost "end it again" 410 room-end "{\"roomId\":\"$R\"}" "${A[@]}"
jpost "join the ended room" 410 join-room "{\"roomId\":\"$R\",\"roomKey\":\"8765\"}"
jpost "status of the ended room" 200 room-status "{\"roomId\":\"$R\"}" "${A[@]}"
jpost "kick in the ended room" 410 room-kick "{\"roomId\":\"$R\",\"participantId\":\"$P\"}" "${A[@]}"
jpost "mute in the ended room" 410 room-mute "{\"roomId\":\"$R\",\"participantId\":\"$P\",\"muted\":true}" "${A[@]}"
jpost "edit the ended room" 410 room-edit "{\"roomId\":\"$R\",\"roomNm\":\"x\"}" "${A[@]}"
jpost "record the ended room" 410 room-record "{\"roomId\":\"$R\",\"record\":true}" "${A[@]}"
for r in "$R_MAIN" "$R_FULL" "$R_SHORT"; do jpost "end a room of this test" 200 room-end "{\"roomId\":\"$r\"}" "${A[@]}"; done

# event-webhook: janus-a's own credential; each batch unique (timestamps),
# since a byte-identical batch is a re-delivery. Type 8 changes nothing.
CRED=$(hook_cred janus-a)
ev() { # ev [N]: N events (1), as a JSON list without brackets
  local i out=''
  for ((i = 0; i < ${1:-1}; i++)); do
    EVN=$((${EVN:-0} + 1))
    out+="${out:+,}{\"emitter\":\"janus-a\",\"type\":8,\"timestamp\":${EPOCHREALTIME/./}$EVN,\"event\":{}}"
  done
  printf '%s' "$out"
}
jpost "webhook, a batch" 200 event-webhook "[$(ev 2)]" -u "$CRED"
jpost "webhook, one event" 200 event-webhook "$(ev)" -u "$CRED"
printf '[%s]' "$(ev)" | gzip -c >"$TMP/gz"
hit "webhook, gzip" 200 POST event-webhook -u "$CRED" -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' --data-binary @"$TMP/gz"
jpost "webhook, no credentials" 401 event-webhook "[$(ev)]"
jpost "webhook, wrong password" 401 event-webhook "[$(ev)]" -u "${CRED%%:*}:wrong"
jpost "webhook, malformed JSON" 400 event-webhook '{"type":' -u "$CRED"
jpost "webhook, a number" 400 event-webhook '42' -u "$CRED"
jpost "webhook, 101 events" 400 event-webhook "[$(ev 101)]" -u "$CRED"
hit "webhook GET" 405 GET event-webhook -u "$CRED"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$TMP/huge"
hit "webhook, over 1 MiB" 413 POST event-webhook -u "$CRED" -H 'Content-Type: application/json' --data-binary @"$TMP/huge"
gzip -c "$TMP/huge" >"$TMP/huge.gz"
hit "webhook, gzip inflating over 1 MiB" 413 POST event-webhook -u "$CRED" -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' --data-binary @"$TMP/huge.gz"
hit "webhook, Content-Encoding br" 415 POST event-webhook -u "$CRED" -H 'Content-Type: application/json' -H 'Content-Encoding: br' -d '[]'
hit "webhook, corrupt gzip" 400 POST event-webhook -u "$CRED" -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' -d 'not gzip'

# health and metrics
hit "health" 200 GET health
hit "health HEAD" 200 HEAD health
hit "health POST" 405 POST health -d ''
hit "metrics" 200 GET metrics
hit "metrics HEAD" 200 HEAD metrics
hit "metrics POST" 405 POST metrics -d ''

start answers answers "$SPEC" "$ANS"
for n in spec fields answers render; do report "$n"; done
finish
