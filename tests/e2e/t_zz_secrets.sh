#!/usr/bin/env bash
# Runs last (zz): no secret, Janus token, TURN credential or JWT appears in
# any log MRB or its web servers wrote during the whole test run. The values
# come from the config, the database and requests made here; tokens issued
# by earlier tests are caught by their shape.
. "$(dirname "$0")/lib.sh"

create_room '{"roomNm":"secrets","roomKey":"5151"}'
post join-room "{\"roomId\":\"$ROOM\",\"roomKey\":\"5151\",\"userId\":\"secret-keeper\"}"
JTOKEN=$(jqr .data.token); TURNCRED=$(jqr '.data.ice[] | select(.credential) | .credential')
JWT=$(host_token)
# the day's issued values, plus every configured and stored secret
{
  printf '%s\n' "$JTOKEN" "$TURNCRED" "$JWT"
  for k in "db password" "auth jwt_secret" "webhook password" "turn secret" "janus admin_key"; do
    v=$(conf_get "$CONF" ${k% *} ${k#* } 2>/dev/null) && [ -n "$v" ] && printf '%s\n' "$v"
  done
  sql "SELECT secret FROM rooms"
  sql "SELECT admin_secret FROM servers UNION SELECT token_secret FROM servers"
  for srv in $(conf_servers "$CONF"); do conf_get "$CONF" "server $srv" webhook_password; done
} | awk 'length($0) >= 8' | sort -u >"$TMP/secrets"
# MRB's own logs and its web servers' (not Janus's, coturn's or MariaDB's)
logs=()
for f in "$ROOT"/run/log/*; do
  case ${f##*/} in janus-*|coturn.log|mariadb.log|node-exporter.log) ;; *) [ -f "$f" ] && logs+=("$f") ;; esac
done
echo "       (checking $(wc -l <"$TMP/secrets") secret values in: $(printf '%s ' "${logs[@]##*/}"))"
# a check over no secrets, or over no log, would pass whatever the logs hold
check "the list of secrets is not empty (config, rooms, servers, issued tokens)" test "$(wc -l <"$TMP/secrets")" -ge 8
check "at least 3 log files are checked" test "${#logs[@]}" -ge 3
check "the checked logs are not empty" test "$(cat "${logs[@]}" | wc -l)" -gt 100
hits=$(grep -F -f "$TMP/secrets" "${logs[@]}" | head -3)
eq "no configured, stored or issued secret in any log" "$hits" ""
hits=$(grep -E -h 'eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}' "${logs[@]}" | head -3)
eq "no JWT of any test in any log" "$hits" ""
hits=$(grep -h ',janus,janus.plugin.audiobridge:' "${logs[@]}" | head -3)
eq "no Janus signed token of any test in any log" "$hits" ""
finish
