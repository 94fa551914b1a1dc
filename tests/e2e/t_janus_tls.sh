#!/usr/bin/env bash
# The media servers' Admin API over TLS: an https:// admin_url is verified,
# certificate and name, against [janus] tls_ca (or the system's CAs). The
# sample conf/nginx/janus-admin-tls.conf, pointed at janus-a's admin API with
# the dev stack's certificate for 127.0.0.1, carries mrb-health's polls.
. "$(dirname "$0")/lib.sh"
A=janus-a
ADM=$(server_conf "$A" admin_url)             # http://127.0.0.1:7188/admin
PORT=17889
N=$TMP/nginx
cleanup() {
  [ -f "$N/nginx.pid" ] && kill "$(cat "$N/nginx.pid")" 2>/dev/null
  sql "UPDATE servers SET admin_url = '$ADM', fail_count = 0, healthy = 1 WHERE id = '$A'"
  "$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1
sql "UPDATE leases SET holder = '', expires_at = 0 WHERE name = 'health'"

# the sample block, made local: our port, the dev certificate, this host only
sed -e "s|listen 7889 ssl;|listen 127.0.0.1:$PORT ssl;|" -e 's|server_name .*;|server_name 127.0.0.1;|' \
    -e "s|/etc/nginx/janus-admin.pem|$ROOT/run/tls/server.pem|" -e "s|/etc/nginx/janus-admin.key|$ROOT/run/tls/server.key|" \
    -e 's|allow 10.0.0.11;|allow 127.0.0.1;|' -e '/allow 10.0.0.12;/d' \
    -e "s|proxy_pass http://127.0.0.1:7088;|proxy_pass ${ADM%/admin};|" \
    "$ROOT/conf/nginx/janus-admin-tls.conf" >"$TMP/block.conf"
nginx_conf "$N" "include $TMP/block.conf;"
nginx -c "$N/nginx.conf" -e "$N/error.log" || { not_ok "nginx starts with the sample block"; finish; exit 1; }
HTTPS=https://127.0.0.1:$PORT/admin
check "the sample proxies Janus's admin API over TLS (the dev CA trusted)" \
  sh -c "curl -sf --cacert '$ROOT/run/tls/ca.pem' -d '{\"janus\":\"ping\",\"transaction\":\"t\"}' '$HTTPS' | grep -q pong"

# two rooms on janus-a (janus-b out of placement meanwhile), then its admin
# URL becomes the https one; mrbctl room end destroys a room through it
B=janus-b
sql "UPDATE servers SET state = 'disabled' WHERE id = '$B'"
create_room '{"roomNm":"tls one"}'; R1=$ROOM
create_room '{"roomNm":"tls two"}'; R2=$ROOM
create_room '{"roomNm":"tls three"}'; R3=$ROOM
sql "UPDATE servers SET state = 'enabled' WHERE id = '$B'"
eq "the rooms are on $A" "$(sql "SELECT COUNT(*) FROM rooms WHERE id IN ('$R1','$R2','$R3') AND server_id = '$A'")" 3
sql "UPDATE servers SET admin_url = '$HTTPS' WHERE id = '$A'"
C=$TMP/tls.conf
awk -v ca="$ROOT/run/tls/ca.pem" '{ print } /^\[janus\]/ { print "tls_ca = " ca }' "$CONF" >"$C"; chmod 600 "$C"

out=$("$MRBCTL" -c "$C" room end "$R1" 2>&1)
match "[janus] tls_ca names the CA: the room is destroyed through the https admin API" "$out" "ended and destroyed"
out=$("$MRBCTL" room end "$R2" 2>&1)
match "without tls_ca the private CA is not trusted: no destroy (verified, not ignored)" "$out" "did not answer"

# the name is checked too: the certificate is for 127.0.0.1 and localhost, not 127.0.0.2
sed -i "s|listen 127.0.0.1:$PORT ssl;|listen 127.0.0.1:$PORT ssl; listen 127.0.0.2:$PORT ssl;|; s|allow 127.0.0.1;|allow 127.0.0.1; allow 127.0.0.2;|" "$TMP/block.conf"
kill -HUP "$(cat "$N/nginx.pid")"; sleep 1
sql "UPDATE servers SET admin_url = 'https://127.0.0.2:$PORT/admin' WHERE id = '$A'"
out=$("$MRBCTL" -c "$C" room end "$R3" 2>&1)
match "a certificate whose name is not the admin URL's host: refused though the CA is trusted" "$out" "did not answer"
# R2 and R3 were marked ended without their destroy: mrb-expire finishes them
# once the admin URL is back (cleanup)
finish
