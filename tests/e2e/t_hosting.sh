#!/usr/bin/env bash
# The shipped web-server samples, for real: lighttpd (conf/lighttpd/mrb.conf,
# under Debian's mimetype list), Apache (conf/apache/mrb.conf, mod_fcgid) and
# nginx (conf/nginx/mrb.conf, workers kept by spawn-fcgi), each from Debian's
# packages on its own port, in front of the same programs and dev stack.
# Through each: create (bearer token passed through), join, a 4xx error, the
# webhook (Basic auth passed through), health. Then, through each and the
# dev stack's lighttpd: every error a client sees is MRB's JSON, whether MRB
# or the web server answers it (body and header limits, unknown endpoint).
. "$(dirname "$0")/lib.sh"

RUNDIR=$ROOT/run
DEV=$BASE # the dev stack's lighttpd (BASE moves to each sample below)
LPORT=${MRB_LIGHTTPD_PORT:-8084}
APORT=${MRB_APACHE_PORT:-8081}
NPORT=${MRB_NGINX_PORT:-8082}
L=$RUNDIR/lighttpd-sample A=$RUNDIR/apache N=$RUNDIR/nginx
CRED=$(hook_cred janus-a) # the events below are janus-a's
stop_all() {
  [ -f "$L/lighttpd.pid" ] && kill "$(cat "$L/lighttpd.pid")" 2>/dev/null
  [ -f "$A/httpd.pid" ] && apache2 -f "$A/httpd.conf" -k stop >/dev/null 2>&1
  [ -f "$N/nginx.pid" ] && nginx -p "$N" -c "$N/nginx.conf" -s stop >/dev/null 2>&1
  for f in "$N"/*.fcgi.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; rm -f "$f"; done
  sleep 0.5
}
trap 'stop_all; rm -rf "$TMP"' EXIT
stop_all
rm -rf "$L" "$A" "$N"; mkdir -p "$L" "$A/fcgid" "$N/sock" "$N/tmp"
chown www-data "$A/fcgid"
# sample FILE: a shipped sample with this checkout's paths.
sample() {
  sed -e "s|/usr/local/lib/mrb/cgi-bin|$ROOT/cgi-bin|g" -e "s|/etc/mrb/mrb.conf|$CONF|g" \
    -e "s|/usr/local/share/mrb/errors|$ROOT/conf/errors|g" "$1"
}

# --- lighttpd: the sample, after Debian's mimetype list as in its lighttpd.conf
sample "$ROOT/conf/lighttpd/mrb.conf" | sed -e "s|/run/lighttpd/|$L/|g" \
  -e "s|/var/log/lighttpd/|$RUNDIR/log/lighttpd-sample-|g" >"$L/mrb.conf"
cat >"$L/lighttpd.conf" <<CONF
server.bind = "127.0.0.1"
server.port = $LPORT
server.document-root = "$ROOT/www"
server.pid-file = "$L/lighttpd.pid"
server.errorlog = "$RUNDIR/log/lighttpd-sample-error.log"
include_shell "/usr/share/lighttpd/create-mime.conf.pl"
include "$L/mrb.conf"
CONF
out=$(lighttpd -tt -f "$L/lighttpd.conf" 2>&1); eq "lighttpd accepts the sample (lighttpd -tt)" "$?" 0
[ -n "$out" ] && echo "       $out"
lighttpd -f "$L/lighttpd.conf"

# --- Apache: the sample, with this checkout's paths
sample "$ROOT/conf/apache/mrb.conf" >"$A/mrb.conf"
M=/usr/lib/apache2/modules
cat >"$A/httpd.conf" <<CONF
ServerName localhost
Listen 127.0.0.1:$APORT
PidFile $A/httpd.pid
DefaultRuntimeDir $A
Mutex file:$A default
ErrorLog $RUNDIR/log/apache-error.log
LogFormat "%h \"%r\" %>s %D" mrb
CustomLog $RUNDIR/log/apache-access.log mrb
User www-data
Group www-data
LoadModule mpm_event_module $M/mod_mpm_event.so
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule authz_host_module $M/mod_authz_host.so
LoadModule mime_module $M/mod_mime.so
LoadModule alias_module $M/mod_alias.so
LoadModule fcgid_module $M/mod_fcgid.so
TypesConfig /etc/mime.types
DocumentRoot $ROOT/www
FcgidIPCDir $A/fcgid
FcgidProcessTableFile $A/fcgid/shm
Include $A/mrb.conf
CONF
out=$(apache2 -f "$A/httpd.conf" -t 2>&1); eq "Apache accepts the sample (configtest)" "$?" 0
[ -n "$out" ] && [[ $out != *"Syntax OK"* ]] && echo "       $out"
apache2 -f "$A/httpd.conf" -k start

# --- nginx: the sample, workers from spawn-fcgi as the sample shows
sample "$ROOT/conf/nginx/mrb.conf" | sed -e "s|/run/mrb/|$N/sock/|g" \
  -e "s|include fastcgi_params;|include /etc/nginx/fastcgi_params;|" >"$N/mrb.conf"
cat >"$N/nginx.conf" <<CONF
worker_processes 1;
pid $N/nginx.pid;
error_log $RUNDIR/log/nginx-error.log;
events { worker_connections 256; }
http {
  access_log $RUNDIR/log/nginx-access.log;
  client_body_temp_path $N/tmp/body; fastcgi_temp_path $N/tmp/fcgi; proxy_temp_path $N/tmp/proxy;
  uwsgi_temp_path $N/tmp/uwsgi; scgi_temp_path $N/tmp/scgi;
  server {
    listen 127.0.0.1:$NPORT;
    include $N/mrb.conf;
  }
}
CONF
for p in create-room join-room event-webhook health; do
  spawn-fcgi -s "$N/sock/$p.sock" -M 0666 -F 1 -P "$N/$p.fcgi.pid" \
    -- /usr/bin/env MRB_CONFIG="$CONF" "$ROOT/cgi-bin/$p" >/dev/null 2>&1
done
out=$(nginx -p "$N" -c "$N/nginx.conf" -t 2>&1); eq "nginx accepts the sample (nginx -t)" "$?" 0
nginx -p "$N" -c "$N/nginx.conf"

up() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$1/health")" = 200 ]; }
SAMPLES=("lighttpd:http://127.0.0.1:$LPORT/mrb" "Apache:http://127.0.0.1:$APORT/mrb" "nginx:http://127.0.0.1:$NPORT/mrb")
for srv in "${SAMPLES[@]}"; do
  name=${srv%%:*}; BASE=${srv#*:}
  check "$name answers /mrb/health" wait_for 15 up "$BASE"
  create_room '{"roomNm":"hosted","roomKey":"7531"}'
  eq "$name: create-room with a bearer token -> 201 (Authorization passed through)" "$STATUS" 201
  post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"7531\",\"userId\":\"hosted-guest\"}"
  eq "$name: join-room -> 200" "$STATUS" 200
  match "$name: join hands out a signed Janus token" "$(jqr .data.token)" '^[0-9]+,janus,janus.plugin.audiobridge:'
  post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"0000\"}"
  eq "$name: wrong key -> 403 / 106 JSON" "$STATUS/$(jqr .code)" 403/106
  post create-room '{"roomNm":"no token"}'
  eq "$name: no token -> 401 / 101" "$STATUS/$(jqr .code)" 401/101
  ev="[{\"emitter\":\"janus-a\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":7000000$RANDOM,\"event\":{\"name\":\"created\"}}]"
  post event-webhook "$ev" -u "$CRED"
  eq "$name: webhook with Basic auth -> 200 (Authorization passed through)" "$STATUS/$(jqr .data.accepted)" 200/1
  post event-webhook "$ev" -u "${CRED%%:*}:wrong"
  eq "$name: webhook with a wrong password -> 401" "$STATUS/$(jqr .code)" 401/101
done

# --- Every error a client sees is MRB's JSON. MRB refuses bodies over 64 KiB
# (1 MiB on the webhook), the web servers those over 2 MiB.
head -c 1500000 /dev/zero | tr '\0' a >"$TMP/1500k"
head -c 3000000 /dev/zero | tr '\0' a >"$TMP/3m"
LONG="X-Long: $(head -c 65536 /dev/zero | tr '\0' a)"
# json_err NAME STATUS MESSAGE_REGEX CURL_ARGS...: the answer has that status,
# type application/json and a body {"code":STATUS,"message":...} whose
# message matches (it tells whether MRB or the web server answered).
json_err() {
  local name=$1 want=$2 msg=$3 got; shift 3
  got=$(curl -s -o "$TMP/e" -w '%{http_code} %{content_type}' "$@")
  got="$got $(jq -r '"\(.code) \(.message | strings)"' "$TMP/e" 2>/dev/null || echo "not JSON: $(head -c 80 "$TMP/e" | tr '\n' ' ')")"
  match "$name -> $want JSON" "$got" "^$want application/json $want $msg"
}
for srv in "lighttpd (dev stack):$DEV" "${SAMPLES[@]}"; do
  name=${srv%%:*}; B=${srv#*:}
  json_err "$name: 1.5 MB to join-room, MRB's 413" 413 'request body over [0-9]+ bytes$' \
    -X POST "$B/join-room" -H 'Content-Type: application/json' --data-binary @"$TMP/1500k"
  json_err "$name: 3 MB to join-room, the web server's 413" 413 "request body over the web server's limit" \
    -X POST "$B/join-room" -H 'Content-Type: application/json' --data-binary @"$TMP/3m"
  # chunked: no length to refuse up front (Apache cuts the body at its limit; MRB refuses the rest)
  json_err "$name: 3 MB chunked to join-room" 413 'request body over' -X POST "$B/join-room" \
    -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/3m"
  case $name in Apache) want=400 ;; *) want=431 ;; esac
  json_err "$name: a 64 KiB header" "$want" '.*header' -H "$LONG" "$B/health"
  json_err "$name: an unknown endpoint" 404 'not found' "$B/no-such-endpoint"
done
finish
