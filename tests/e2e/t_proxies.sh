#!/usr/bin/env bash
# [limits] trusted_proxies (issue 19): limits see the real client. The dev
# config trusts 127.0.0.1 and 127.0.0.4. Two real nginx reverse proxies, the
# way the shipped sample's load-balancer example sets X-Forwarded-For:
#   client (127.0.0.5..9) -> edge :8093 -> inner :8094 (from 127.0.0.4) -> lighttpd :8080 (from 127.0.0.1)
# so MRB sees REMOTE_ADDR 127.0.0.1 and "X-Forwarded-For: <client>, 127.0.0.4".
# Which address a wrong key counted against is read from key_failures.
. "$(dirname "$0")/lib.sh"

EDGE=${MRB_PROXY_EDGE_PORT:-8093}; INNER=${MRB_PROXY_INNER_PORT:-8094}
N=$TMP/nginx
nginx_conf "$N" "
  server {
    listen 127.0.0.1:$EDGE;
    location / {
      proxy_pass http://127.0.0.1:$INNER;
      proxy_bind 127.0.0.4;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
  server {
    listen 127.0.0.1:$INNER;
    location / {
      proxy_pass http://127.0.0.1:8080;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }"
trap 'nginx -p "$N" -c "$N/nginx.conf" -s stop 2>/dev/null; rm -rf "$TMP"' EXIT
nginx -p "$N" -c "$N/nginx.conf" || { not_ok "nginx proxies start"; finish; exit 1; }
wait_for 5 bash -c "curl -s -o /dev/null http://127.0.0.1:$EDGE/mrb/health"

SUBJECTS="'127.0.0.2','127.0.0.5','127.0.0.6','127.0.0.7','127.0.0.8','127.0.0.9','203.0.113.77'"
sql "DELETE FROM key_failures WHERE scope='c' AND subject IN ($SUBJECTS)"
counted() { sql "SELECT COALESCE(MAX(failures), 0) FROM key_failures WHERE scope='c' AND subject='$1'"; }
# wrong_key FROM URL [curl args]: one join-room with a wrong key from address FROM
wrong_key() {
  curl -s -o /dev/null -w '%{http_code}' --interface "$1" -X POST "$2/join-room" -H 'Content-Type: application/json' \
    -d "{\"roomId\":\"$ROOM\",\"roomKey\":\"0000\"}" "${@:3}"
}
create_room '{"roomNm":"proxies","roomKey":"7777","maxParticipants":16}'
local_before=$(counted 127.0.0.1) # other tests' wrong keys from 127.0.0.1 itself

# --- a spoofed header from an untrusted peer is ignored
eq "wrong key straight from 127.0.0.2 (untrusted) with a forged X-Forwarded-For -> 403" \
  "$(wrong_key 127.0.0.2 "$BASE" -H 'X-Forwarded-For: 203.0.113.77')" 403
eq "...counted against 127.0.0.2, the peer" "$(counted 127.0.0.2)" 1
eq "...and not against the forged address" "$(counted 203.0.113.77)" 0

# --- a chain through two proxies: the right-most untrusted address
VIA=http://127.0.0.1:$EDGE/mrb
eq "wrong key from 127.0.0.5 through both proxies -> 403" "$(wrong_key 127.0.0.5 "$VIA")" 403
eq "...counted against 127.0.0.5, not a proxy" "$(counted 127.0.0.5)" 1
eq "wrong key from 127.0.0.6 claiming to be 127.0.0.5 (X-Forwarded-For sent by the client) -> 403" \
  "$(wrong_key 127.0.0.6 "$VIA" -H 'X-Forwarded-For: 127.0.0.5')" 403
eq "...counted against 127.0.0.6: what the client wrote left of it is not believed" \
  "$(counted 127.0.0.6)/$(counted 127.0.0.5)" 1/1

# --- lockout keys on the real client: one client locked out, its neighbour behind the same proxies not
LIMIT=$(conf_get "$CONF" limits key_failures_per_client 2>/dev/null || echo 30)
PER_ROOM=10
rooms=()
for i in $(seq 0 $(( (LIMIT + PER_ROOM - 2) / (PER_ROOM - 1) - 1 ))); do
  create_room "{\"roomNm\":\"proxies $i\",\"roomKey\":\"7777\"}"; rooms+=("$ROOM")
done
n=0
for r in "${rooms[@]}"; do
  ROOM=$r
  for _ in $(seq 1 $((PER_ROOM - 1))); do [ $n -lt "$LIMIT" ] && wrong_key 127.0.0.7 "$VIA" >/dev/null && n=$((n + 1)); done
done
eq "$LIMIT wrong keys from 127.0.0.7 through the proxies, counted against it" "$(counted 127.0.0.7)" "$LIMIT"
create_room '{"roomNm":"proxies fresh","roomKey":"7777"}'
join_from() { curl -s -o "$TMP/j" -w '%{http_code}' --interface "$1" -X POST "$VIA/join-room" -H 'Content-Type: application/json' \
  -d "{\"roomId\":\"$ROOM\",\"roomKey\":\"7777\",\"userId\":\"$1\"}"; }
eq "127.0.0.7 is locked out, even with the right key -> 429" "$(join_from 127.0.0.7)/$(jq -r .code "$TMP/j")" 429/109
eq "127.0.0.8, behind the same two proxies, is not -> 200" "$(join_from 127.0.0.8)" 200
eq "...and nothing of this test was counted against a proxy" "$(counted 127.0.0.1)/$(counted 127.0.0.4)" "$local_before/0"

sql "DELETE FROM key_failures WHERE scope='c' AND subject IN ($SUBJECTS)"
finish
