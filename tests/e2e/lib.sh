# shellcheck shell=bash
# Shared helpers for the end-to-end tests: they drive the real dev stack
# (MariaDB, lighttpd + FastCGI, two Janus, coturn) over HTTP only.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/conf.sh
. "$ROOT/scripts/conf.sh"
CONF=${MRB_CONFIG:-$ROOT/conf/mrb.dev.conf}
export MRB_CONFIG=$CONF
# routine log lines on stderr, where the tests read them (log.c: syslog otherwise)
export MRB_LOG_INFO=stderr
BASE=${MRB_BASE_URL:-http://127.0.0.1:8080/mrb}
MRBCTL=$ROOT/tools/mrbctl
PASS=0
FAIL=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok() { PASS=$((PASS + 1)); printf '  ok   %s\n' "$1"; }
not_ok() { FAIL=$((FAIL + 1)); printf '  FAIL %s\n' "$1"; [ -n "${2:-}" ] && printf '       %s\n' "$2"; }
# check NAME COMMAND...: passes when the command succeeds.
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name" "command: $*"; fi; }
# eq NAME GOT WANT
eq() { if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', want '$3'"; fi; }
# match NAME GOT REGEX
match() { if [[ $2 =~ $3 ]]; then ok "$1"; else not_ok "$1" "got '$2', want /$3/"; fi; }
finish() { printf '%s: %d passed, %d failed\n' "$(basename "$0" .sh)" "$PASS" "$FAIL"; [ "$FAIL" -eq 0 ]; }

# post PATH JSON [curl args...]: sets STATUS and BODY.
post() {
  local path=$1 json=$2; shift 2
  BODY=$(curl -s -o "$TMP/body" -w '%{http_code}' -X POST "$BASE/$path" \
    -H 'Content-Type: application/json' --data-binary "$json" "$@")
  STATUS=$BODY
  BODY=$(cat "$TMP/body")
}
jqr() { printf '%s' "$BODY" | jq -r "$1"; }

# hook_cred SERVER: SERVER's own webhook credential as curl -u wants it. The
# webhook believes an event only about the server whose credential posted it.
hook_cred() { printf '%s:%s' "$(conf_get "$CONF" "server $1" webhook_user)" "$(conf_get "$CONF" "server $1" webhook_password)"; }

# nginx_conf DIR BLOCKS [USER]: a private nginx.conf in DIR (pid, log and
# temp files under DIR) around the given server blocks; run it with
# nginx -p DIR -c DIR/nginx.conf.
nginx_conf() {
  mkdir -p "$1/tmp"
  {
    [ -n "${3:-}" ] && echo "user $3;"
    cat <<CONF
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $1/tmp/body; proxy_temp_path $1/tmp/proxy; fastcgi_temp_path $1/tmp/fcgi;
  uwsgi_temp_path $1/tmp/uwsgi; scgi_temp_path $1/tmp/scgi;
$2
}
CONF
  } >"$1/nginx.conf"
}

host_token() { "$MRBCTL" token host --sub "${1:-alice}" "${@:2}"; }

# sql "STATEMENT": runs it against the dev database, tab-separated output.
sql() {
  local f=$TMP/my.cnf
  if [ ! -f "$f" ]; then
    printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword=%s\ndatabase=%s\nprotocol=tcp\ndefault-character-set=utf8mb4\n' \
      "$(conf_get "$CONF" db host)" "$(conf_get "$CONF" db port)" "$(conf_get "$CONF" db user)" \
      "$(conf_get "$CONF" db password)" "$(conf_get "$CONF" db database)" >"$f"
    chmod 600 "$f"
  fi
  mariadb --defaults-extra-file="$f" --batch --skip-column-names -e "$1"
}

server_conf() { conf_get "$CONF" "server $1" "$2"; }

# janus_admin SERVER REQUEST_JSON [PLUGIN]: a plugin request through the
# Admin API (AudioBridge unless PLUGIN says janus.plugin.videoroom).
janus_admin() {
  curl -s -X POST "$(server_conf "$1" admin_url)" -H 'Content-Type: application/json' \
    -d "{\"janus\":\"message_plugin\",\"transaction\":\"t$RANDOM\",\"admin_secret\":\"$(server_conf "$1" admin_secret)\",\"plugin\":\"${3:-janus.plugin.audiobridge}\",\"request\":$2}"
}
room_exists_on() { janus_admin "$1" "{\"request\":\"exists\",\"room\":\"$2\"}" ${3:+"$3"} | jq -r '.response.exists'; }

create_room() { # create_room JSON -> sets ROOM, KEY, SERVER
  post create-room "$1" -H "Authorization: Bearer $(host_token)"
  ROOM=$(jqr .data.roomId); KEY=$(jqr .data.roomKey); SERVER=$(jqr .data.server)
}

# no_bookings: every live room books no seat from now on. Earlier tests
# leave live rooms whose unfilled seats count on their servers' load
# (booked capacity, lib/place.h): a test that levels the servers' scores
# must start without them (the rooms stay live).
no_bookings() { sql "UPDATE rooms SET booked = 0 WHERE ended_at IS NULL"; }

# wait_for SECONDS COMMAND...: polls until the command succeeds.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -ge $deadline ] && return 1; sleep 0.2; done
}
# wait_ms MILLISECONDS COMMAND...: wait_for with a deadline in milliseconds
# (SECONDS ticks in whole seconds: "wait_for 1" may give up at once).
wait_ms() {
  local deadline=$(( $(date +%s%N) / 1000000 + $1 )); shift
  until "$@"; do [ $(( $(date +%s%N) / 1000000 )) -ge $deadline ] && return 1; sleep 0.1; done
}
# db_is "SELECT ..." WANT: the query's value equals WANT (for wait_for).
db_is() { [ "$(sql "$1")" = "$2" ]; }
# db_gt "SELECT ..." N: the query's value is greater than N.
db_gt() { [ "$(sql "$1")" -gt "$2" ]; }
# exists_is SERVER ROOM WANT: Janus says the room exists (true/false).
exists_is() { [ "$(room_exists_on "$1" "$2" ${4:+"$4"})" = "$3" ]; }

# janus_join URL TOKEN ROOM PIN DISPLAY [OPAQUE] [SESSION]: a real client over
# the Janus HTTP API (signalling only): session (new, or SESSION), a handle
# of JANUS_PLUGIN (audiobridge, or videoroom: a publisher), join.
# Sets JSID, JHID and JPID (the participant id Janus gave it); fails when
# the join is not confirmed within 5 s.
janus_post() { curl -s -X POST "$1" -H 'Content-Type: application/json' -d "$2"; }
janus_join() {
  local url=$1 tok=$2 room=$3 pin=$4 display=$5 opaque=${6:-}
  local plugin=${JANUS_PLUGIN:-audiobridge} ev tx="j$RANDOM" enc ptype=""
  [ "$plugin" = videoroom ] && ptype='"ptype":"publisher",'
  enc=$(jq -rn --arg t "$tok" '$t|@uri')
  JSID=${7:-$(janus_post "$url" "{\"janus\":\"create\",\"transaction\":\"c\",\"token\":\"$tok\"}" | jq -r .data.id)}
  JHID=$(janus_post "$url/$JSID" "{\"janus\":\"attach\",\"plugin\":\"janus.plugin.$plugin\",\"opaque_id\":\"$opaque\",\"transaction\":\"a\",\"token\":\"$tok\"}" | jq -r .data.id)
  janus_post "$url/$JSID/$JHID" "{\"janus\":\"message\",\"transaction\":\"$tx\",\"token\":\"$tok\",\"body\":{\"request\":\"join\",$ptype\"room\":\"$room\",\"pin\":\"$pin\",\"display\":\"$display\"}}" >/dev/null
  JPID=
  for _ in 1 2 3 4 5; do
    ev=$(curl -s --max-time 5 "$url/$JSID?token=$enc&maxev=5")
    JPID=$(printf '%s' "$ev" | jq -r --arg tx "$tx" --arg p "$plugin" '[.[]? // . | select(.transaction==$tx) | .plugindata.data | select(.[$p]=="joined") | .id][0] // empty')
    [ -n "$JPID" ] && return 0
    # a plugin error (a wrong pin, a full room) is final: no use waiting for a join
    [ -n "$(printf '%s' "$ev" | jq -r --arg tx "$tx" '[.[]? // . | select(.transaction==$tx) | .plugindata.data.error_code // empty][0] // empty')" ] && return 1
  done
  return 1
}
# janus_events URL TOKEN: the session's pending events (long poll, up to 5).
janus_events() { curl -s --max-time 5 "$1/$JSID?token=$(jq -rn --arg t "$2" '$t|@uri')&maxev=5"; }
# metric NAME_WITH_LABELS: its value in /mrb/metrics (0 when absent). When
# /mrb/metrics does not answer 200 it prints "metrics-unavailable-<status>"
# and fails, so no comparison with a number can pass by accident.
metric() {
  local out status
  out=$(curl -s -w '\n%{http_code}' "$BASE/metrics")
  status=${out##*$'\n'}
  if [ "$status" != 200 ]; then echo "metrics-unavailable-$status"; return 1; fi
  printf '%s\n' "${out%$'\n'*}" | awk -v m="$1" '$1 == m { v = $2 } END { print v + 0 }'
}
# metric_gt NAME_WITH_LABELS N: the metric is greater than N.
metric_gt() { local v; v=$(metric "$1") && [ "$v" -gt "$2" ]; }

# Every test file starts without the wrong-key history of earlier ones: they
# all come from 127.0.0.1, which would otherwise be rate-limited (109) as
# one guessing client.
sql "DELETE FROM key_failures" 2>/dev/null || true
