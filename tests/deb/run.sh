#!/usr/bin/env bash
# The Debian package, for real (issue 17): build it (make deb), lintian it,
# install it with apt-get on this machine, configure it against the dev
# stack's MariaDB and Janus servers, serve it through nginx with the shipped
# snippet and the programs started as the shipped socket units say, run
# create-room, join-room and a webhook batch through it, run mrb-health once
# as its timer's service says, then remove (config kept) and purge it
# (nothing left). Needs root. Prints "deb: N passed, N failed".
#
# This machine (like CI's) has no systemd as PID 1, so the units are read,
# not started: each program is started by spawn-fcgi on the unit's socket
# path, owner and mode, as the unit's user, with the unit's environment and
# command; mrb-health runs with its service's user, environment and command.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/e2e/lib.sh
[ "$(id -u)" = 0 ] || { echo "deb: needs root (apt-get install)"; echo "deb: 0 passed, 1 failed"; exit 1; }

PORT=${MRB_DEB_PORT:-8086}
N=$TMP/nginx
UNITS=/usr/lib/systemd/system
PROGRAMS="create-room join-room event-webhook health"
unit_key() { sed -n "s/^$2=//p" "$1" | head -n 1; } # unit_key FILE KEY
cleanup() {
  [ -f "$N/nginx.pid" ] && nginx -p "$N" -c "$N/nginx.conf" -s stop 2>/dev/null
  for f in "$TMP"/*.fcgi.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  dpkg -s mrb >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get purge -y -q mrb >/dev/null 2>&1
  [ -n "${STARTED_STACK:-}" ] && scripts/stack.sh down >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT

# --- build and lint
make -s deb >"$TMP/build.log" 2>&1; eq "make deb builds the package" "$?" 0
DEB=$(ls build/deb/mrb_*_*.deb 2>/dev/null | grep -v dbgsym | head -n 1)
[ -n "$DEB" ] || { tail -20 "$TMP/build.log"; finish; exit 1; }
lint=$(lintian --pedantic build/deb/mrb_*.changes 2>&1 | grep -E '^[EWI]: ')
eq "lintian --pedantic: no error, no warning, nothing pedantic (overrides say why)" "$lint" ""
eq "one package, mrb, debhelper compat 13" "$(dpkg-deb -f "$DEB" Package)/$(grep -o 'debhelper-compat (= [0-9]*)' debian/control)" \
  "mrb/debhelper-compat (= 13)"
match "its Depends come from the binaries' shared libraries" "$(dpkg-deb -f "$DEB" Depends)" 'libfcgi0ldbl.*libjansson4.*libjwt0.*libmariadb3'

# --- install
# the dev stack is brought up (and down again at the end) unless it already runs
[[ $(scripts/stack.sh status 2>/dev/null) =~ lighttpd\ +running ]] || STARTED_STACK=1
scripts/stack.sh up >/dev/null 2>&1 || { not_ok "the dev stack came up"; finish; exit 1; }
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q mrb >/dev/null 2>&1
out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$DEB" 2>&1); eq "apt-get install ./$(basename "$DEB")" "$?" 0
match "postinst names the next three commands" "$out" 'Edit /etc/mrb/mrb.conf.*mrb-db-migrate.*mrbctl server sync'
check "the mrb system user exists" getent passwd mrb
eq "/etc/mrb/mrb.conf is a conffile, 0640 root:mrb" \
  "$(dpkg-query -W -f='${Conffiles}' mrb | awk '{print $1}' | tr -d ' \n')/$(stat -c '%a %U:%G' /etc/mrb/mrb.conf)" "/etc/mrb/mrb.conf/640 root:mrb"
eq "/var/spool/mrb belongs to mrb" "$(stat -c '%U' /var/spool/mrb)" mrb
for f in /usr/lib/mrb/cgi-bin/join-room /usr/lib/mrb/mrb-health /usr/lib/mrb/mrb-expire /usr/bin/mrbctl /usr/bin/mrb-db-migrate \
  /usr/share/mrb/sql/schema.sql /usr/share/mrb/www/index.html /usr/share/mrb/www/broker.js /usr/share/mrb/www/video-room.js /usr/share/doc/mrb/examples/nginx/mrb.conf \
  /usr/share/doc/mrb/examples/prometheus/mrb-alerts.yml /usr/share/doc/mrb/examples/grafana/mrb-dashboard.json \
  /usr/share/doc/mrb/examples/nginx/janus-admin-tls.conf /usr/share/doc/mrb/examples/janus/README.md \
  /usr/share/doc/mrb/OPERATIONS.md \
  /usr/share/doc/mrb/examples/coturn/turnserver.conf "$UNITS/mrb-fcgi@.socket" "$UNITS/mrb-health.timer" \
  "$UNITS/mrb-notify.service" /usr/lib/mrb/mrb-notify; do
  check "installed: $f" test -e "$f"
done
check "no timer or socket enabled by the package" bash -c '! ls /etc/systemd/system/*.wants/mrb-* 2>/dev/null | grep -q .'

# --- configure it against the dev stack (its MariaDB, its two Janus servers)
sed -e 's|^spool_dir = .*|spool_dir = /var/spool/mrb|' -e 's|^\[health\]|[health]\nrun_seconds = 1|' "$CONF" >/etc/mrb/mrb.conf
eq "...edited in place: still 0640 root:mrb" "$(stat -c '%a %U:%G' /etc/mrb/mrb.conf)" "640 root:mrb"
# (as an operator would: no MRB_CONFIG, so the installed default /etc/mrb/mrb.conf)
runuser -u mrb -- env -u MRB_CONFIG mrb-db-migrate >"$TMP/migrate" 2>&1; eq "mrb-db-migrate as mrb (the installed schema)" "$?" 0
runuser -u mrb -- env -u MRB_CONFIG mrbctl server sync /etc/mrb/mrb.conf >/dev/null; eq "mrbctl server sync as mrb" "$?" 0

# --- the programs as the socket units say, behind nginx with the shipped snippet
SOCK=$UNITS/mrb-fcgi@.socket; SVC=$UNITS/mrb-fcgi@.service
listen=$(unit_key "$SOCK" ListenStream); mkdir -p "$(dirname "$listen")"
env_kv=$(unit_key "$SVC" Environment)
for p in $PROGRAMS; do
  spawn-fcgi -s "${listen//%i/$p}" -M "$(unit_key "$SOCK" SocketMode)" -U "$(unit_key "$SOCK" SocketUser)" \
    -G "$(unit_key "$SOCK" SocketGroup)" -u "$(unit_key "$SVC" User)" -g "$(unit_key "$SVC" Group)" -P "$TMP/$p.fcgi.pid" \
    -- /usr/bin/env "$env_kv" "$(unit_key "$SVC" ExecStart | sed "s/%i/$p/")" >/dev/null 2>&1
done
eq "the programs run as the unit's user" "$(ps -o user= -p "$(cat "$TMP/join-room.fcgi.pid")" | tr -d ' ')" "$(unit_key "$SVC" User)"
mkdir -p "$N"
sed 's|include fastcgi_params;|include /etc/nginx/fastcgi_params;|' /usr/share/doc/mrb/examples/nginx/mrb.conf >"$N/mrb.conf"
nginx_conf "$N" "  server { listen 127.0.0.1:$PORT; include $N/mrb.conf; }" www-data # the sockets' group
nginx -p "$N" -c "$N/nginx.conf"; eq "nginx takes the shipped snippet" "$?" 0
BASE=http://127.0.0.1:$PORT/mrb
health_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health")" = 200 ]; }
wait_for 10 health_up
eq "health through the package -> 200" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health")" 200
TOKEN=$(MRB_CONFIG=/etc/mrb/mrb.conf mrbctl token host --sub deb-host)
post create-room '{"roomNm":"from the .deb","roomKey":"3131"}' -H "Authorization: Bearer $TOKEN"
eq "create-room through the package -> 201" "$STATUS" 201; ROOM=$(jqr .data.roomId)
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"3131\",\"userId\":\"deb-guest\"}"
eq "join-room through the package -> 200 with a Janus token" "$STATUS/$(jqr '.data.token | length > 20')" 200/true
sid=$((9200000000 + RANDOM))
post event-webhook "[{\"emitter\":\"janus-a\",\"type\":1,\"timestamp\":$(date +%s%N),\"session_id\":$sid,\"event\":{\"name\":\"created\"}}]" -u "$(hook_cred janus-a)"
eq "a webhook batch through the package -> 200" "$STATUS/$(jqr .data.accepted)" 200/1
eq "...applied" "$(sql "SELECT COUNT(*) FROM server_sessions WHERE server_id='janus-a' AND session_id=$sid")" 1
sql "DELETE FROM server_sessions WHERE session_id=$sid"

# --- mrb-health once, as its timer's service runs it
HSVC=$UNITS/mrb-health.service
match "mrb-health.timer starts mrb-health.service every minute" "$(cat "$UNITS/mrb-health.timer")" 'OnCalendar=minutely'
scripts/stack.sh cron-stop >/dev/null 2>&1 # the dev stack's own poller would hold the health lease
sql "UPDATE servers SET metrics_at = NULL WHERE id IN ('janus-a', 'janus-b')"
runuser -u "$(unit_key "$HSVC" User)" -- /usr/bin/env "$(unit_key "$HSVC" Environment)" "$(unit_key "$HSVC" ExecStart)" \
  >"$TMP/health" 2>&1
eq "mrb-health ($(unit_key "$HSVC" ExecStart) as $(unit_key "$HSVC" User)) -> exit 0" "$?" 0
eq "...it polled both servers" "$(sql "SELECT COUNT(*) FROM servers WHERE id IN ('janus-a','janus-b') AND metrics_at IS NOT NULL")" 2
scripts/stack.sh cron-start >/dev/null 2>&1

for f in "$TMP"/*.fcgi.pid; do kill "$(cat "$f")" 2>/dev/null; done
nginx -p "$N" -c "$N/nginx.conf" -s stop; sleep 0.5

# --- remove keeps the config; purge leaves nothing
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q mrb >/dev/null 2>&1; eq "apt-get remove mrb" "$?" 0
check "remove keeps /etc/mrb/mrb.conf (a conffile)" test -f /etc/mrb/mrb.conf
check "...and removes the programs" test ! -e /usr/lib/mrb/cgi-bin/join-room
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q mrb >/dev/null 2>&1; eq "apt-get purge mrb" "$?" 0
check "purge: no mrb user" bash -c '! getent passwd mrb'
check "purge: no mrb group" bash -c '! getent group mrb'
check "purge: no /etc/mrb" test ! -e /etc/mrb
check "purge: no /var/spool/mrb" test ! -e /var/spool/mrb
check "purge: no units" bash -c '! ls /usr/lib/systemd/system/mrb-* /etc/systemd/system/*/mrb-* 2>/dev/null | grep -q .'
check "purge: no /usr/lib/mrb, /usr/share/mrb, /usr/share/doc/mrb" test ! -e /usr/lib/mrb -a ! -e /usr/share/mrb -a ! -e /usr/share/doc/mrb
check "purge: dpkg has no trace of mrb" bash -c '! dpkg -s mrb >/dev/null 2>&1'
printf 'deb: %d passed, %d failed\n' "$PASS" "$FAIL"
[ "$FAIL" -eq 0 ]
