#!/usr/bin/env bash
# Video rooms (VideoRoom) brokered like audio rooms: the create-room
# contract and its errors, the room as Janus holds it, join-room's plugin
# and token scope (checked by Janus itself), presence from the events Janus
# posts for real clients over its HTTP API, moderation, expiry, failover on
# SIGTERM, SIGKILL and restart, the health canary and mrbctl. Media flow is
# tests/browser/video.test.js's subject.
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1 # the failover cases below drive mrb-health themselves
VR=janus.plugin.videoroom
HOST=$(host_token)
vadmin() { janus_admin "$1" "$2" "$VR"; }
# vroom SERVER ROOM: the room as that server's VideoRoom lists it ("null" when absent).
vroom() { vadmin "$1" "{\"request\":\"list\",\"admin_key\":\"$(conf_get "$CONF" janus admin_key)\"}" |
  jq -c --arg r "$2" '[.response.list[]? | select(.room == $r)][0]'; }
rooms_count() { sql "SELECT COUNT(*) FROM rooms"; }

# --- the contract -----------------------------------------------------------
n0=$(rooms_count)
for bad in '{"roomNm":"v","roomType":"vid"}' '{"roomNm":"v","roomType":5}' \
  '{"roomNm":"v","roomType":"video","videoCodec":"av1"}' '{"roomNm":"v","roomType":"video","bitrateKbps":63}' \
  '{"roomNm":"v","roomType":"video","bitrateKbps":4001}' '{"roomNm":"v","roomType":"video","screenShare":"yes"}' \
  '{"roomNm":"v","videoCodec":"vp9"}' '{"roomNm":"v","roomType":"audio","screenShare":false}'; do
  post create-room "$bad" -H "Authorization: Bearer $HOST"
  eq "create-room $bad -> 400" "$STATUS/$(jqr .code)" 400/400
done
eq "...with the reason" "$(post create-room '{"roomNm":"v","roomType":"vid"}' -H "Authorization: Bearer $HOST"; jqr .message)" \
  'roomType must be one of "audio", "video"'
eq "no refused create wrote a room" "$(rooms_count)" "$n0"

create_room '{"roomNm":"Mentoring","roomKey":"246810","roomType":"video","maxParticipants":3}'
eq "video room created -> 201" "$STATUS" 201
eq "answer: type and defaults" "$(jqr '[.data.roomType, .data.videoCodec, .data.bitrateKbps, .data.screenShare, .data.publishers] | @csv')" \
  '"video","vp8",512,true,6'
V=$ROOM VS=$SERVER
R=$(vroom "$VS" "$V")
eq "VideoRoom holds it with MRB's parameters" \
  "$(jq -r '[.max_publishers, .bitrate, .bitrate_cap, .is_private, .pin_required, .notify_joining, .audiolevel_event, .lock_record, .videocodec, .record] | @csv' <<<"$R")" \
  '6,512000,true,true,true,true,true,true,"vp8",false'
eq "row: type, codec, bitrate, screen share" "$(sql "SELECT CONCAT_WS(',', room_type, video_codec, bitrate_kbps, screen_share) FROM rooms WHERE id='$V'")" video,vp8,512,1
eq "not an AudioBridge room" "$(room_exists_on "$VS" "$V")" false

create_room '{"roomNm":"Screenless","roomType":"video","videoCodec":"h264","bitrateKbps":1500,"screenShare":false,"maxParticipants":4,"record":true}'
eq "video room with options -> 201" "$STATUS" 201
V2=$ROOM V2S=$SERVER
eq "publishers = seats without screen share" "$(jq -r '[.max_publishers, .bitrate, .videocodec, .record] | @csv' <<<"$(vroom "$V2S" "$V2")")" '4,1500000,"h264",true'
eq "...recording into the server's record_dir" "$(jq -r .rec_dir <<<"$(vroom "$V2S" "$V2")")" \
  "$(sql "SELECT record_dir FROM servers WHERE id='$V2S'")"
create_room '{"roomNm":"Plain audio","roomKey":"1357"}'
A=$ROOM AS=$SERVER
eq "an audio room still says audio" "$(jqr .data.roomType)/$(jqr .data.videoCodec)" audio/null

# --- join-room and the token's plugin ---------------------------------------
post join-room "{\"roomId\":\"$V\",\"roomKey\":\"246810\",\"display\":\"Ann\",\"userId\":\"ann\"}"
eq "join video room -> 200" "$STATUS" 200
eq "join answers roomType, plugin and the room's limits" \
  "$(jqr '[.data.roomType, .data.plugin, .data.videoCodec, .data.bitrateKbps, .data.screenShare, .data.publishers] | @csv')" \
  '"video","janus.plugin.videoroom","vp8",512,true,6'
VTOK=$(jqr .data.token) VURL=$(jqr .data.server) ANN_OPAQUE=$(jqr .data.opaqueId)
match "the token names VideoRoom only" "$VTOK" '^[0-9]+,janus,janus\.plugin\.videoroom:'
post join-room "{\"roomId\":\"$A\",\"roomKey\":\"1357\",\"display\":\"Bo\"}"
ATOK=$(jqr .data.token) AURL=$(jqr .data.server)
eq "join audio room: plugin audiobridge" "$(jqr .data.roomType)/$(jqr .data.plugin)" audio/janus.plugin.audiobridge

# attach_as URL TOKEN PLUGIN: Janus's own answer to attaching PLUGIN with TOKEN.
attach_as() {
  local sid
  sid=$(janus_post "$1" "{\"janus\":\"create\",\"transaction\":\"c\",\"token\":\"$2\"}" | jq -r .data.id)
  janus_post "$1/$sid" "{\"janus\":\"attach\",\"plugin\":\"$3\",\"transaction\":\"a\",\"token\":\"$2\"}" |
    jq -r 'if .janus == "success" then "attached" else "refused \(.error.code)" end'
}
eq "Janus: the video token attaches VideoRoom" "$(attach_as "$VURL" "$VTOK" $VR)" attached
eq "Janus: the video token cannot attach AudioBridge" "$(attach_as "$VURL" "$VTOK" janus.plugin.audiobridge)" "refused 405"
eq "Janus: an audio-room token cannot attach VideoRoom" "$(attach_as "$AURL" "$ATOK" $VR)" "refused 405"
eq "Janus: the audio token attaches AudioBridge" "$(attach_as "$AURL" "$ATOK" janus.plugin.audiobridge)" attached

# --- presence from Janus's own events ---------------------------------------
# vjoin URL TOKEN ROOM PIN DISPLAY OPAQUE [SESSION]: a VideoRoom publisher
# handle (signalling only) in a new or given session: sets JSID, JHID, JPID.
vjoin() { JANUS_PLUGIN=videoroom janus_join "$@"; }
# sdp_offer KIND...: a minimal sendonly offer (audio: opus, video: VP8), one
# m-line per KIND, with mids 0, 1, ...
sdp_offer() {
  local fp i=0 k bundle=""
  fp=$(printf 'AB:%.0s' $(seq 32)); fp=${fp%:}
  for k in "$@"; do bundle="$bundle $i"; i=$((i + 1)); done
  printf 'v=0\r\no=- %s 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE%s\r\n' "$RANDOM" "$bundle"
  i=0
  for k in "$@"; do
    if [ "$k" = audio ]; then printf 'm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'; else printf 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\n'; fi
    printf 'c=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 %s\r\n' "$fp"
    printf 'a=setup:actpass\r\na=mid:%s\r\na=sendonly\r\na=rtcp-mux\r\n' "$i"
    if [ "$k" = audio ]; then printf 'a=rtpmap:111 opus/48000/2\r\n'; else printf 'a=rtpmap:96 VP8/90000\r\n'; fi
    printf 'a=ssrc:%s cname:mrbtest\r\n' $((1000 + i))
    i=$((i + 1))
  done
}
status_of() { post room-status "{\"roomId\":\"$1\"}" -H "Authorization: Bearer $HOST"; }
people() { status_of "$1"; jqr '.data.participants | length'; }
people_is() { [ "$(people "$1")" = "$2" ]; }

check "Ann joins as a publisher" vjoin "$VURL" "$VTOK" "$V" 246810 Ann "$ANN_OPAQUE"
ANN=$JPID ANN_SID=$JSID ANN_H=$JHID
# She publishes (an SDP offer of a microphone and a camera: Janus sets up
# her streams; ICE never completes without a browser).
janus_post "$VURL/$ANN_SID/$ANN_H" "$(jq -nc --arg sdp "$(sdp_offer audio video)" --arg t "$VTOK" \
  '{janus:"message",transaction:"p",token:$t,body:{request:"publish"},jsep:{type:"offer",sdp:$sdp}}')" >/dev/null
check "room-status shows Ann (joined event)" wait_for 5 people_is "$V" 1
status_of "$V"
eq "...by name and userId, publishing nothing yet" "$(jqr '.data.participants[0] | [.display, .userId, (.publishing | length)] | @csv')" '"Ann","ann",0'
eq "...in a video room" "$(jqr .data.roomType)" video
check "Ann's screen handle joins in the same session" vjoin "$VURL" "$VTOK" "$V" 246810 "Ann (screen)" "$ANN_OPAQUE" "$ANN_SID"
ANN_SCREEN=$JPID
check "...its joined event is recorded" wait_for 5 db_is "SELECT main_id FROM participants WHERE participant_id='$ANN_SCREEN'" "$ANN"
status_of "$V"
eq "a screen handle is no person of its own" "$(jqr '.data.participants | length')" 1
eq "...and takes no seat" "$(jqr .data.seatsHeld)" 1

# What Janus says once media flows (published) comes from a browser
# (tests/browser/video.test.js); here janus-a posts the same event shapes.
CRED=$(hook_cred "$VS")
vevent() { # vevent EVENT PARTICIPANT STREAMS_JSON
  post event-webhook "[{\"emitter\":\"$VS\",\"type\":64,\"timestamp\":$(date +%s%N),\"event\":{\"plugin\":\"$VR\",\"data\":{\"event\":\"$1\",\"room\":\"$V\",\"id\":\"$2\",\"display\":\"x\",\"streams\":${3:-[]}}}}]" -u "$CRED"
}
vevent published "$ANN" '[{"type":"audio","mid":"0","codec":"opus"},{"type":"video","mid":"1","codec":"vp8"}]'
vevent published "$ANN_SCREEN" '[{"type":"video","mid":"0","codec":"vp8"}]'
status_of "$V"
eq "room-status: Ann publishes microphone, camera and screen" "$(jqr '.data.participants[0].publishing | @csv')" '"microphone","camera","screen"'
vevent unpublished "$ANN_SCREEN"
status_of "$V"
eq "stop sharing: no screen" "$(jqr '.data.participants[0].publishing | @csv')" '"microphone","camera"'
vevent published "$ANN" '[{"type":"audio","mid":"0"},{"type":"video","mid":"1","description":"screen"}]'
status_of "$V"
eq "a video stream described as screen is a screen" "$(jqr '.data.participants[0].publishing | @csv')" '"microphone","screen"'
vevent published "$ANN" '[{"type":"audio","mid":"0","codec":"opus"},{"type":"video","mid":"1","codec":"vp8"}]'

post join-room "{\"roomId\":\"$V\",\"roomKey\":\"246810\",\"display\":\"Cy\",\"userId\":\"cy\"}"
check "Cy joins" vjoin "$VURL" "$(jqr .data.token)" "$V" 246810 Cy "$(jqr .data.opaqueId)"
CY=$JPID CY_SID=$JSID
check "two people" wait_for 5 people_is "$V" 2

# --- moderation ---------------------------------------------------------------
post room-mute "{\"roomId\":\"$V\",\"participantId\":\"$CY\",\"muted\":true}" -H "Authorization: Bearer $HOST"
eq "mute Cy, who publishes no audio -> 409/110" "$STATUS/$(jqr .code)" 409/110
post room-mute "{\"roomId\":\"$V\",\"participantId\":\"$ANN\",\"muted\":true}" -H "Authorization: Bearer $HOST"
eq "mute Ann (VideoRoom moderate on her audio mid) -> 200" "$STATUS" 200
status_of "$V"
eq "...room-status says muted" "$(jqr ".data.participants[] | select(.id==\"$ANN\") | .muted")" true
post room-mute "{\"roomId\":\"$V\",\"participantId\":\"no-such\",\"muted\":true}" -H "Authorization: Bearer $HOST"
eq "mute an unknown participant -> 404/108" "$STATUS/$(jqr .code)" 404/108
post room-edit "{\"roomId\":\"$V\",\"roomNm\":\"Mentoring 2\",\"maxParticipants\":4}" -H "Authorization: Bearer $HOST"
eq "room-edit -> 200" "$STATUS" 200
eq "...VideoRoom has the new name and publisher cap" "$(jq -r '[.description, .max_publishers] | @csv' <<<"$(vroom "$VS" "$V")")" '"Mentoring 2",8'
post room-record "{\"roomId\":\"$V\",\"record\":true}" -H "Authorization: Bearer $HOST"
eq "room-record on -> 200" "$STATUS" 200
eq "...VideoRoom records" "$(jq -r .record <<<"$(vroom "$VS" "$V")")" true
post room-kick "{\"roomId\":\"$V\",\"participantId\":\"$ANN\"}" -H "Authorization: Bearer $HOST"
eq "kick Ann -> 200" "$STATUS" 200
check "...her camera and screen handles leave (kicked events)" wait_for 5 db_is \
  "SELECT COUNT(*) FROM participants WHERE room_id='$V' AND participant_id IN ('$ANN','$ANN_SCREEN')" 0
check "...and her seat is freed" wait_for 5 db_is "SELECT COUNT(*) FROM seats WHERE room_id='$V' AND user_id='ann'" 0
eq "Cy stays" "$(people "$V")" 1
post room-kick "{\"roomId\":\"$V\",\"participantId\":\"$ANN\"}" -H "Authorization: Bearer $HOST"
eq "kick her again -> 404/108" "$STATUS/$(jqr .code)" 404/108

# --- leaving: the screen handle goes, the person stays ------------------------
post join-room "{\"roomId\":\"$V\",\"roomKey\":\"246810\",\"display\":\"Dee\",\"userId\":\"dee\"}"
DTOK=$(jqr .data.token) DOP=$(jqr .data.opaqueId)
vjoin "$VURL" "$DTOK" "$V" 246810 Dee "$DOP"; DEE=$JPID DEE_SID=$JSID
vjoin "$VURL" "$DTOK" "$V" 246810 "Dee (screen)" "$DOP" "$DEE_SID"; DEE_SCREEN=$JPID DEE_SH=$JHID
check "Dee and her screen handle are in" wait_for 5 db_is "SELECT COUNT(*) FROM participants WHERE room_id='$V' AND opaque_id='$DOP'" 2
janus_post "$VURL/$DEE_SID/$DEE_SH" "{\"janus\":\"message\",\"transaction\":\"l\",\"token\":\"$DTOK\",\"body\":{\"request\":\"leave\"}}" >/dev/null
check "her screen handle leaves (leaving event)" wait_for 5 db_is "SELECT COUNT(*) FROM participants WHERE participant_id='$DEE_SCREEN'" 0
eq "...Dee keeps her seat" "$(sql "SELECT COUNT(*) FROM seats WHERE room_id='$V' AND user_id='dee'")" 1
eq "...and is still listed" "$(people "$V")" 2
vjoin "$VURL" "$DTOK" "$V" 246810 "Dee (screen)" "$DOP" "$DEE_SID"; DEE_SCREEN=$JPID
check "Dee shares again" wait_for 5 db_is "SELECT main_id FROM participants WHERE participant_id='$DEE_SCREEN'" "$DEE"
post room-kick "{\"roomId\":\"$V\",\"participantId\":\"$DEE_SCREEN\"}" -H "Authorization: Bearer $HOST"
eq "kick her screen-share handle -> 200" "$STATUS" 200
check "...the share ends" wait_for 5 db_is "SELECT COUNT(*) FROM participants WHERE participant_id='$DEE_SCREEN'" 0
eq "...Dee stays, seated" "$(sql "SELECT COUNT(*) FROM participants WHERE participant_id='$DEE'")/$(sql "SELECT COUNT(*) FROM seats WHERE room_id='$V' AND user_id='dee'")" 1/1

# --- mrbctl -----------------------------------------------------------------
out=$("$MRBCTL" room list --json)
eq "mrbctl room list --json: the room's type" "$(jq -r --arg r "$V" '.[] | select(.roomId == $r) | .roomType' <<<"$out")" video
match "mrbctl room list: a TYPE column" "$("$MRBCTL" room list)" "$V +$VS +[^ ]+ +live +[0-9]+/[0-9]+ +[0-9]+ video "
out=$("$MRBCTL" room show "$V" 2>&1)
match "mrbctl room show: type and what each person publishes" "$out" '"roomType": *"video"'
match "...with publishing" "$out" '"publishing"'

# --- the health canary ----------------------------------------------------------
"$ROOT/cron/mrb-health" --once >/dev/null 2>&1
for s in janus-a janus-b; do
  eq "$s has a VideoRoom canary" "$(room_exists_on "$s" mrb-canary $VR)" true
done

# --- expiry -----------------------------------------------------------------
create_room '{"roomNm":"Short video","roomType":"video","ttlSeconds":10}'
SHORT=$ROOM SHORT_S=$SERVER
sql "UPDATE rooms SET expires_at = UNIX_TIMESTAMP() - 1 WHERE id='$SHORT'"
"$ROOT/cron/mrb-expire" >/dev/null 2>&1
eq "mrb-expire destroyed the video room on its server" "$(room_exists_on "$SHORT_S" "$SHORT" $VR)" false
eq "...and marked it ended" "$(sql "SELECT ended_at IS NOT NULL FROM rooms WHERE id='$SHORT'")" 1
post room-end "{\"roomId\":\"$V2\"}" -H "Authorization: Bearer $HOST"
eq "room-end a video room -> 200, destroyed" "$STATUS/$(jqr .data.destroyed)" 200/true
eq "...gone from VideoRoom" "$(room_exists_on "$V2S" "$V2" $VR)" false

# --- failover ------------------------------------------------------------------
# Restart (SIGKILL, then start): the next join recreates it on the same
# server with the same parameters.
before=$(jq -c '{max_publishers, bitrate, videocodec, record, rec_dir, description}' <<<"$(vroom "$VS" "$V")")
"$ROOT/scripts/stack.sh" janus-stop "$VS" KILL >/dev/null
"$ROOT/scripts/stack.sh" janus-start "$VS" >/dev/null
check "$VS is up again" wait_for 10 db_is "SELECT healthy FROM servers WHERE id='$VS'" 1
eq "the restarted Janus lost the room" "$(room_exists_on "$VS" "$V" $VR)" false
post join-room "{\"roomId\":\"$V\",\"roomKey\":\"246810\",\"userId\":\"cy\"}"
eq "join after the restart -> 200 on the same server" "$STATUS/$(jqr .data.server)" "200/$(server_conf "$VS" public_url)"
eq "...recreated with the same parameters" "$(jq -c '{max_publishers, bitrate, videocodec, record, rec_dir, description}' <<<"$(vroom "$VS" "$V")")" "$before"

# SIGTERM: the shutdown event moves it to the other server at once.
OTHER=$([ "$VS" = janus-a ] && echo janus-b || echo janus-a)
"$ROOT/scripts/stack.sh" janus-stop "$VS" TERM >/dev/null
check "SIGTERM: the video room exists on $OTHER within 5 s" wait_for 5 exists_is "$OTHER" "$V" true "$VR"
eq "...mapped there" "$(sql "SELECT server_id FROM rooms WHERE id='$V'")" "$OTHER"
eq "...with the same parameters (its server's record_dir)" \
  "$(jq -c '{max_publishers, bitrate, videocodec, record, description}' <<<"$(vroom "$OTHER" "$V")")" \
  "$(jq -c '{max_publishers, bitrate, videocodec, record, description}' <<<"$before")"
eq "...recording into $OTHER's record_dir" "$(jq -r .rec_dir <<<"$(vroom "$OTHER" "$V")")" \
  "$(sql "SELECT record_dir FROM servers WHERE id='$OTHER'")"
"$ROOT/scripts/stack.sh" janus-start "$VS" >/dev/null
wait_for 10 db_is "SELECT healthy FROM servers WHERE id='$VS'" 1

# SIGKILL without restart: mrb-health's failed polls move it back.
"$ROOT/scripts/stack.sh" janus-stop "$OTHER" KILL >/dev/null
for _ in 1 2 3; do "$ROOT/cron/mrb-health" --once >/dev/null 2>&1; done
check "SIGKILL: mrb-health moved the video room to $VS" wait_for 5 exists_is "$VS" "$V" true "$VR"
post join-room "{\"roomId\":\"$V\",\"roomKey\":\"246810\",\"userId\":\"cy\"}"
eq "...join follows it" "$STATUS/$(jqr .data.server)/$(jqr .data.plugin)" "200/$(server_conf "$VS" public_url)/$VR"
"$ROOT/scripts/stack.sh" janus-start "$OTHER" >/dev/null
wait_for 10 db_is "SELECT healthy FROM servers WHERE id='$OTHER'" 1
"$ROOT/cron/mrb-health" --once >/dev/null 2>&1
finish
