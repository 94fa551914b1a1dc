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
# the events t_notify received (it runs first): each body against its webhook
if [ -s "$ROOT/run/notify-delivered.json" ]; then
  start events events "$SPEC" "$ROOT/run/notify-delivered.json" "$ROOT"
else
  not_ok "run/notify-delivered.json from t_notify (run it first: E2E_ONLY=t_notify)"
fi
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
# ended at once: 10 s later mrb-expire may have destroyed it (then 410)
jpost "end the 10 s room" 200 room-end "{\"roomId\":\"$R_SHORT\"}" "${A[@]}"
jpost "create, no token" 401 create-room '{"roomNm":"x"}'
jpost "create, a guest token" 403 create-room '{"roomNm":"x"}' -H "Authorization: Bearer $GUEST"
for bad in '{}' '{"roomNm":null}' '{"roomNm":""}' "{\"roomNm\":\"$(rep n 101)\"}" '{"roomNm":5}' \
  "{\"roomNm\":\"x\",\"description\":\"$(rep d 201)\"}" '{"roomNm":"x","roomKey":"123"}' \
  '{"roomNm":"x","roomKey":"1234567890123"}' '{"roomNm":"x","roomKey":"12ab"}' '{"roomNm":"x","roomKey":1234}' \
  '{"roomNm":"x","maxParticipants":1}' '{"roomNm":"x","maxParticipants":17}' '{"roomNm":"x","maxParticipants":"4"}' \
  '{"roomNm":"x","ttlSeconds":9}' '{"roomNm":"x","ttlSeconds":86401}' '{"roomNm":"x","record":"yes"}'; do
  jpost "create $(head -c 60 <<<"$bad")" 400 create-room "$bad" "${A[@]}"
done

# create-room: video rooms (roomType, then videoCodec, bitrateKbps and
# screenShare, which an audio room refuses)
jpost "create a video room, every video field at a bound" 201 create-room \
  '{"roomNm":"openapi video","roomKey":"2468","roomType":"video","videoCodec":"h264","bitrateKbps":4000,"screenShare":false,"maxParticipants":3,"ttlSeconds":600}' "${A[@]}"
R_VOPT=$(jqr .data.roomId)
eq "...answers its video parameters and publisher cap (seats x 1)" \
  "$(jqr '[.data.roomType, .data.videoCodec, .data.bitrateKbps, .data.screenShare, .data.publishers] | @csv')" '"video","h264",4000,false,3'
jpost "create a video room, the other bounds and the defaults" 201 create-room \
  '{"roomNm":"openapi video 2","roomType":"video","videoCodec":"vp9","bitrateKbps":64,"screenShare":null}' "${A[@]}"
R_VMIN=$(jqr .data.roomId)
eq "...screen share by default: publishers = seats x 2" "$(jqr '[.data.screenShare, .data.publishers] | @csv')" 'true,4'
jpost "create an audio room by type, video fields null" 201 create-room \
  '{"roomNm":"openapi audio","roomType":"audio","videoCodec":null,"bitrateKbps":null,"screenShare":null}' "${A[@]}"
R_ATYPE=$(jqr .data.roomId)
for bad in '{"roomNm":"x","roomType":"vid"}' '{"roomNm":"x","roomType":"VIDEO"}' '{"roomNm":"x","roomType":""}' \
  "{\"roomNm\":\"x\",\"roomType\":\"$(rep v 17)\"}" '{"roomNm":"x","roomType":5}' \
  '{"roomNm":"x","roomType":"video","videoCodec":"av1"}' '{"roomNm":"x","roomType":"video","videoCodec":""}' \
  '{"roomNm":"x","roomType":"video","bitrateKbps":63}' '{"roomNm":"x","roomType":"video","bitrateKbps":4001}' \
  '{"roomNm":"x","roomType":"video","bitrateKbps":"512"}' '{"roomNm":"x","roomType":"video","screenShare":"yes"}' \
  '{"roomNm":"x","videoCodec":"vp8"}' '{"roomNm":"x","roomType":"audio","bitrateKbps":512}' \
  '{"roomNm":"x","roomType":"audio","screenShare":false}'; do
  jpost "create $(head -c 70 <<<"$bad")" 400 create-room "$bad" "${A[@]}"
done
jpost "create, a room type that is no choice" 400 create-room '{"roomNm":"x","roomType":"vid"}' "${A[@]}"
eq "...names the choices" "$(jqr .message)" 'roomType must be one of "audio", "video"'

# join-room
jpost "join with every field and an unknown one" 200 join-room \
  "{\"roomId\":\"$R_FULL\",\"roomKey\":\"$KEY_FULL\",\"display\":\"$(rep g 64)\",\"userId\":\"$(rep u 64)\",\"unreachable\":\"http://unknown.invalid/janus\",\"x\":1}"
jpost "join without a userId (takes the last seat)" 200 join-room "{\"roomId\":\"$R_FULL\",\"roomKey\":\"$KEY_FULL\",\"display\":null}"
jpost "join a video room" 200 join-room "{\"roomId\":\"$R_VOPT\",\"roomKey\":\"2468\",\"userId\":\"vera\",\"display\":\"Vera\"}"
eq "...VideoRoom, with a token for it only" "$(jqr .data.plugin)/$(jqr .data.token | cut -d: -f1 | cut -d, -f3)" janus.plugin.videoroom/janus.plugin.videoroom
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
# room-status and moderation in a video room. Ann and Cy join VideoRoom as
# publishers through Janus (its joined events), Ann's screen share is a
# second handle with her opaqueId; what each publishes comes as Janus posts
# it once a browser's media flows (tests/browser), here from the room's
# server with that server's own credential.
VR=janus.plugin.videoroom
# vpub URL TOKEN ROOM DISPLAY OPAQUE [SESSION]: a VideoRoom publisher handle
# (signalling only) joins ROOM with pin 2468; sets JSID, JHID and JPID.
vpub() {
  local tx="v$RANDOM" i
  JSID=${6:-$(janus_post "$1" "{\"janus\":\"create\",\"transaction\":\"c\",\"token\":\"$2\"}" | jq -r .data.id)}
  JHID=$(janus_post "$1/$JSID" "{\"janus\":\"attach\",\"plugin\":\"$VR\",\"opaque_id\":\"$5\",\"transaction\":\"a\",\"token\":\"$2\"}" | jq -r .data.id)
  janus_post "$1/$JSID/$JHID" "$(jq -nc --arg t "$2" --arg tx "$tx" --arg r "$3" --arg d "$4" \
    '{janus:"message",transaction:$tx,token:$t,body:{request:"join",ptype:"publisher",room:$r,pin:"2468",display:$d}}')" >/dev/null
  for i in 1 2 3 4 5; do
    JPID=$(janus_events "$1" "$2" | jq -r --arg tx "$tx" '[.[]? // . | select(.transaction == $tx) | .plugindata.data.id // empty][0] // empty')
    [ -n "$JPID" ] && return 0
  done
  return 1
}
# OFFER: a sendonly SDP offer of a microphone (mid 0, opus) and a camera
# (mid 1, VP8), enough for Janus to set up Ann's streams (ICE never
# completes without a browser, so Janus itself posts no "published").
FP=$(printf 'AB:%.0s' {1..32}) FP=${FP%:}
OFFER=$(printf 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n'
  for m in '0 audio 111 opus/48000/2' '1 video 96 VP8/90000'; do
    read -r mid kind pt codec <<<"$m"
    printf 'm=%s 9 UDP/TLS/RTP/SAVPF %s\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\na=sendonly\r\na=rtcp-mux\r\n' "$kind" "$pt" "$mid"
    printf 'a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 %s\r\na=setup:actpass\r\n' "$FP"
    printf 'a=rtpmap:%s %s\r\na=ssrc:%s cname:openapi\r\n' "$pt" "$codec" "$((100 + mid))"
  done)
jpost "create a video room to moderate" 201 create-room \
  '{"roomNm":"openapi video moderation","roomKey":"2468","roomType":"video","maxParticipants":3}' "${A[@]}"
V=$(jqr .data.roomId) VS=$(jqr .data.server)
jpost "join the video room as ann" 200 join-room "{\"roomId\":\"$V\",\"roomKey\":\"2468\",\"userId\":\"ann\",\"display\":\"Ann\"}"
VURL=$(jqr .data.server) ATOK=$(jqr .data.token) AOP=$(jqr .data.opaqueId)
check "ann joins VideoRoom through Janus" vpub "$VURL" "$ATOK" "$V" Ann "$AOP"
ANN=$JPID ANN_SID=$JSID
janus_post "$VURL/$ANN_SID/$JHID" "$(jq -nc --arg sdp "$OFFER" --arg t "$ATOK" \
  '{janus:"message",transaction:"p",token:$t,body:{request:"publish"},jsep:{type:"offer",sdp:$sdp}}')" >/dev/null
check "...and her screen share, a second handle in her session" vpub "$VURL" "$ATOK" "$V" "Ann (screen)" "$AOP" "$ANN_SID"
ANN_SCREEN=$JPID
jpost "join the video room as cy" 200 join-room "{\"roomId\":\"$V\",\"roomKey\":\"2468\",\"userId\":\"cy\",\"display\":\"Cy\"}"
CTOK=$(jqr .data.token)
check "cy joins VideoRoom through Janus" vpub "$VURL" "$CTOK" "$V" Cy "$(jqr .data.opaqueId)"
CY=$JPID CY_SID=$JSID
check "their joined events are in (ann's screen folded into ann)" wait_for 5 db_is \
  "SELECT COUNT(*), SUM(main_id = '$ANN') FROM participants WHERE room_id = '$V'" "3	1"
VCRED=$(hook_cred "$VS")
vevent() { # vevent NAME EVENT PARTICIPANT STREAMS: one VideoRoom event from the room's server
  jpost "webhook, VideoRoom $1" 200 event-webhook "[{\"emitter\":\"$VS\",\"type\":64,\"timestamp\":${EPOCHREALTIME/./},\"event\":{\"plugin\":\"$VR\",\"data\":{\"event\":\"$2\",\"room\":\"$V\",\"id\":\"$3\",\"streams\":$4}}}]" -u "$VCRED"
}
vevent "published (microphone and camera)" published "$ANN" '[{"type":"audio","mid":"0","codec":"opus"},{"type":"video","mid":"1","codec":"vp8"}]'
vevent "published (a screen)" published "$ANN_SCREEN" '[{"type":"video","mid":"0","codec":"vp8","description":"screen"}]'
jpost "status of a video room" 200 room-status "{\"roomId\":\"$V\"}" "${A[@]}"
eq "...two people, two seats: ann publishes all three, cy nothing yet" \
  "$(jqr "[(.data.participants | length), .data.seatsHeld, (.data.participants[] | select(.id == \"$ANN\") | .publishing | join(\"+\")), (.data.participants[] | select(.id == \"$CY\") | .publishing | length)] | @csv")" \
  '2,2,"microphone+camera+screen",0'
jpost "mute in a video room, cy publishes no audio" 409 room-mute "{\"roomId\":\"$V\",\"participantId\":\"$CY\",\"muted\":true}" "${A[@]}"
eq "...code 110" "$(jqr .code)" 110
jpost "mute in a video room (VideoRoom moderate of ann's audio)" 200 room-mute "{\"roomId\":\"$V\",\"participantId\":\"$ANN\",\"muted\":true}" "${A[@]}"
jpost "mute an unknown video participant" 404 room-mute "{\"roomId\":\"$V\",\"participantId\":\"ghost\",\"muted\":true}" "${A[@]}"
jpost "status of a video room, ann muted" 200 room-status "{\"roomId\":\"$V\"}" "${A[@]}"
eq "...room-status says so" "$(jqr ".data.participants[] | select(.id == \"$ANN\") | .muted")" true
jpost "edit a video room's seats (and publisher cap)" 200 room-edit "{\"roomId\":\"$V\",\"maxParticipants\":4}" "${A[@]}"
jpost "record a video room" 200 room-record "{\"roomId\":\"$V\",\"record\":true}" "${A[@]}"
jpost "stop recording a video room" 200 room-record "{\"roomId\":\"$V\",\"record\":false}" "${A[@]}"
jpost "kick in a video room (and the screen handle)" 200 room-kick "{\"roomId\":\"$V\",\"participantId\":\"$ANN\"}" "${A[@]}"
check "...both of ann's handles leave (kicked events)" wait_for 5 db_is \
  "SELECT COUNT(*) FROM participants WHERE room_id = '$V' AND participant_id IN ('$ANN', '$ANN_SCREEN')" 0
jpost "kick a video participant already gone" 404 room-kick "{\"roomId\":\"$V\",\"participantId\":\"$ANN\"}" "${A[@]}"
jpost "end a video room" 200 room-end "{\"roomId\":\"$V\"}" "${A[@]}"
for s in "$ANN_SID:$ATOK" "$CY_SID:$CTOK"; do
  janus_post "$VURL/${s%%:*}" "{\"janus\":\"destroy\",\"transaction\":\"d\",\"token\":\"${s#*:}\"}" >/dev/null
done

for r in "$R_MAIN" "$R_FULL" "$R_VOPT" "$R_VMIN" "$R_ATYPE"; do jpost "end a room of this test" 200 room-end "{\"roomId\":\"$r\"}" "${A[@]}"; done

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
for n in spec fields answers render events; do [ -n "${PIDS[$n]:-}" ] && report "$n"; done
finish
