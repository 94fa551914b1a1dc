#!/usr/bin/env bash
# TLS to every node of the cluster: [db] hosts with tls_ca, through a user
# the nodes admit over TLS only. Each node offers TLS with the dev stack's
# certificate (conf/galera/node.cnf.in); the first node refusing (stopped)
# sends the programs to the next, still over TLS, still verified.
. "$(dirname "$0")/lib.sh"
PW=$(openssl rand -hex 16)
root1() { mariadb --no-defaults --socket="$("$ROOT/scripts/stack.sh" galera-dir 1)/mysqld.sock" --user=root --batch --skip-column-names -e "$1"; }
DB=$(conf_get "$CONF" db database)
cleanup() { root1 "DROP USER IF EXISTS 'mrb_tls'@'127.0.0.1'" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
root1 "CREATE OR REPLACE USER 'mrb_tls'@'127.0.0.1' IDENTIFIED BY '$PW' REQUIRE SSL;
       GRANT ALL PRIVILEGES ON \`$DB\`.* TO 'mrb_tls'@'127.0.0.1';"   # Galera replicates it to every node
C=$TMP/tls.conf
awk -v pw="$PW" -v ca="$ROOT/run/tls/ca.pem" '
  /^\[/ { if (indb) print "tls_ca = " ca; indb = ($0 == "[db]") }
  indb && /^user *=/ { print "user = mrb_tls"; next }
  indb && /^password *=/ { print "password = " pw; next }
  { print }' "$CONF" >"$C"
chmod 600 "$C"
for n in "${NODES[@]}"; do
  eq "node $n offers TLS" "$(node_sql "$n" "SELECT @@have_ssl")" YES
done
"$MRBCTL" -c "$C" status >/dev/null 2>"$TMP/err"; rc=$?
eq "[db] hosts (3 nodes) + tls_ca, a user admitted over TLS only: mrbctl status works" "$rc" 0
"$ROOT/scripts/db-migrate.sh" "$C" >"$TMP/migrate" 2>&1; rc=$?
eq "mrb-db-migrate through the cluster over TLS" "$rc" 0
sed -i '/^tls_ca *=/d' "$C"
"$MRBCTL" -c "$C" status >/dev/null 2>"$TMP/err"; rc=$?
eq "the same without tls_ca: refused on every node" "$rc" 1
match "...naming the nodes it tried" "$(cat "$TMP/err")" "127.0.0.1:$(node_port 1)"
finish
