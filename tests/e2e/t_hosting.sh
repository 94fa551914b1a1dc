#!/usr/bin/env bash
# The shipped web-server samples, for real: Apache (conf/apache/mrb.conf,
# mod_fcgid) and nginx (conf/nginx/mrb.conf, workers kept by spawn-fcgi),
# each from Debian's packages on its own port, in front of the same
# programs and dev stack. Through each: create (bearer token passed through),
# join, a 4xx error, the webhook (Basic auth passed through), health.
. "$(dirname "$0")/lib.sh"

RUNDIR=$ROOT/run
APORT=${MRB_APACHE_PORT:-8081}
NPORT=${MRB_NGINX_PORT:-8082}
A=$RUNDIR/apache N=$RUNDIR/nginx
WU=$(conf_get "$CONF" webhook user); WP=$(conf_get "$CONF" webhook password)
stop_all() {
  [ -f "$A/httpd.pid" ] && apache2 -f "$A/httpd.conf" -k stop >/dev/null 2>&1
  [ -f "$N/nginx.pid" ] && nginx -p "$N" -c "$N/nginx.conf" -s stop >/dev/null 2>&1
  for f in "$N"/*.fcgi.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; rm -f "$f"; done
  sleep 0.5
}
trap 'stop_all; rm -rf "$TMP"' EXIT
stop_all
rm -rf "$A" "$N"; mkdir -p "$A/fcgid" "$N/sock" "$N/tmp"
chown www-data "$A/fcgid"

# --- Apache: the sample, with this checkout's paths
sed -e "s|/usr/local/lib/mrb/cgi-bin|$ROOT/cgi-bin|g" -e "s|/etc/mrb/mrb.conf|$CONF|g" \
  "$ROOT/conf/apache/mrb.conf" >"$A/mrb.conf"
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
sed -e "s|/run/mrb/|$N/sock/|g" -e "s|include fastcgi_params;|include /etc/nginx/fastcgi_params;|" \
  "$ROOT/conf/nginx/mrb.conf" >"$N/mrb.conf"
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
for srv in "Apache:http://127.0.0.1:$APORT/mrb" "nginx:http://127.0.0.1:$NPORT/mrb"; do
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
  post event-webhook "$ev" -u "$WU:$WP"
  eq "$name: webhook with Basic auth -> 200 (Authorization passed through)" "$STATUS/$(jqr .data.accepted)" 200/1
  post event-webhook "$ev" -u "$WU:wrong"
  eq "$name: webhook with a wrong password -> 401" "$STATUS/$(jqr .code)" 401/101
done
finish
