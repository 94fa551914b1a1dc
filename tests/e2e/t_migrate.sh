#!/usr/bin/env bash
# mrb-db-migrate (scripts/db-migrate.sh) reads [db] as the programs do:
# hosts (the Galera form) without host, a socket alone, a password from
# @FILE, TLS; and it migrates through the first node that is ready.
. "$(dirname "$0")/lib.sh"
MIGRATE=$ROOT/scripts/db-migrate.sh
PORT=$(conf_get "$CONF" db port)
SOCK=$ROOT/run/mariadb/mysqld.sock
trap 'rm -rf "$TMP"' EXIT

# db_as LINES: the dev config with its [db] host/port/socket/hosts lines
# replaced by LINES (user, password, database kept)
db_as() {
  local out=$TMP/m$RANDOM.conf
  awk -v extra="$1" '
    /^\[/ { if (indb) print extra; indb = ($0 == "[db]") }
    indb && /^(host|port|socket|hosts) *=/ { next }
    { print }' "$CONF" >"$out"
  chmod 600 "$out"
  echo "$out"
}
migrate() { "$MIGRATE" "$1" 2>&1; }

out=$(migrate "$(db_as "hosts = 127.0.0.1:$PORT")"); rc=$?
eq "[db] hosts alone (the Galera form), no host: migrates" "$rc" 0
match "...through that node" "$out" "on 127.0.0.1:$PORT"

out=$(migrate "$(db_as "socket = $SOCK")"); rc=$?
eq "[db] socket alone: migrates" "$rc" 0
match "...through the socket" "$out" "on socket $SOCK"

out=$(migrate "$(db_as "hosts = 127.0.0.1:1, 127.0.0.1:$PORT")"); rc=$?
eq "a first node that does not answer: migrates through the next" "$rc" 0
match "...the one that answered" "$out" "on 127.0.0.1:$PORT"

out=$(migrate "$(db_as "hosts = 127.0.0.1:1")"); rc=$?
eq "no node answers: exit 1" "$rc" 1
match "...naming what it tried" "$out" "no database node is ready: 127.0.0.1:1:"

C=$(db_as "host = 127.0.0.1
port = $PORT")
conf_get "$CONF" db password >"$TMP/dbpw"; chmod 600 "$TMP/dbpw"
sed -i "s|^password *=.*|password = @$TMP/dbpw|" "$C"
out=$(migrate "$C"); rc=$?
eq "the password given as @FILE: migrates" "$rc" 0

C=$(db_as "host = 127.0.0.1
port = $PORT
tls_ca = $ROOT/run/tls/ca.pem")
out=$(migrate "$C"); rc=$?
eq "[db] tls_ca: migrates over TLS, the server's certificate verified" "$rc" 0
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=other" -keyout "$TMP/o.key" -out "$TMP/o.pem" 2>/dev/null
sed -i "s|^tls_ca *=.*|tls_ca = $TMP/o.pem|" "$C"
out=$(migrate "$C"); rc=$?
eq "...and with a CA that did not sign it: refused" "$rc" 1
finish
