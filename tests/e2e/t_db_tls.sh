#!/usr/bin/env bash
# TLS to the database: [db] tls_ca turns it on for every node, verifies the
# server's certificate (and its name), and never falls back to plain text;
# tls_cert/tls_key present a client certificate. Against the dev MariaDB,
# which offers TLS with the dev stack's own CA (scripts/services/mariadb.sh,
# run/tls/), through users that the server lets in over TLS only.
. "$(dirname "$0")/lib.sh"
TLS=$ROOT/run/tls
root_sql() { mariadb --no-defaults --socket="$ROOT/run/mariadb/mysqld.sock" --user=root --batch --skip-column-names -e "$1"; }
cleanup() {
  root_sql "DROP USER IF EXISTS 'mrb_tls'@'127.0.0.1'; DROP USER IF EXISTS 'mrb_x509'@'127.0.0.1'" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

eq "the dev MariaDB offers TLS (restart the stack if it was started before it did)" \
  "$(root_sql "SHOW GLOBAL VARIABLES LIKE 'have_ssl'" | cut -f2)" YES
DB=$(conf_get "$CONF" db database)
PW_TLS=$(openssl rand -hex 16); PW_X509=$(openssl rand -hex 16)
root_sql "CREATE OR REPLACE USER 'mrb_tls'@'127.0.0.1' IDENTIFIED BY '$PW_TLS' REQUIRE SSL;
          GRANT ALL PRIVILEGES ON \`$DB\`.* TO 'mrb_tls'@'127.0.0.1';
          CREATE OR REPLACE USER 'mrb_x509'@'127.0.0.1' IDENTIFIED BY '$PW_X509' REQUIRE X509;
          GRANT ALL PRIVILEGES ON \`$DB\`.* TO 'mrb_x509'@'127.0.0.1';"

# conf_with USER PASSWORD [EXTRA [db] LINES]: the dev config, its [db] as told
conf_with() {
  local out=$TMP/c$RANDOM.conf
  awk -v u="$1" -v p="$2" -v extra="$3" '
    /^\[/ { if (indb && extra != "") print extra; indb = ($0 == "[db]") }
    indb && /^user *=/ { print "user = " u; next }
    indb && /^password *=/ { print "password = " p; next }
    indb && /^tls_/ { next }
    { print }' "$CONF" >"$out"
  chmod 600 "$out"
  echo "$out"
}
status() { "$MRBCTL" -c "$1" status 2>&1 >/dev/null; }

C=$(conf_with mrb_tls "$PW_TLS" "tls_ca = $TLS/ca.pem")
out=$(status "$C"); rc=$?
eq "a user the server admits over TLS only: tls_ca set -> mrbctl status works" "$rc" 0

C=$(conf_with mrb_tls "$PW_TLS" "")
out=$(status "$C"); rc=$?
eq "...without tls_ca (plain text) -> refused" "$rc" 1
match "...and the error names the host and port it tried" "$out" "127.0.0.1:$(conf_get "$CONF" db port)"

# a CA that did not sign the server's certificate: verification fails
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=some other CA" \
  -keyout "$TMP/other.key" -out "$TMP/other.pem" 2>/dev/null
C=$(conf_with mrb_tls "$PW_TLS" "tls_ca = $TMP/other.pem")
out=$(status "$C"); rc=$?
eq "a wrong CA -> refused (the server's certificate is verified)" "$rc" 1
match "...naming the node and TLS" "$out" "127.0.0.1:[0-9]+ \\(TLS\\)"
C=$(conf_with mrb "$(conf_get "$CONF" db password)" "tls_ca = $TMP/other.pem")
out=$(status "$C"); rc=$?
eq "a wrong CA refuses even a user the server would admit in plain text: no fall back" "$rc" 1

# the server's name: the certificate is for 127.0.0.1 and localhost
C=$(conf_with mrb_tls "$PW_TLS" "tls_ca = $TLS/ca.pem")
sed -i 's/^host *=.*/host = 127.0.0.1/' "$C"
out=$(status "$C"); rc=$?
eq "the certificate's name matches host = 127.0.0.1" "$rc" 0

# a client certificate
C=$(conf_with mrb_x509 "$PW_X509" "tls_ca = $TLS/ca.pem
tls_cert = $TLS/client.pem
tls_key = $TLS/client.key")
out=$(status "$C"); rc=$?
eq "a user that needs a client certificate: tls_cert/tls_key -> works" "$rc" 0
C=$(conf_with mrb_x509 "$PW_X509" "tls_ca = $TLS/ca.pem")
out=$(status "$C"); rc=$?
eq "...without the client certificate -> refused" "$rc" 1

# the config's own checks
C=$(conf_with mrb_x509 "$PW_X509" "tls_cert = $TLS/client.pem
tls_key = $TLS/client.key")
out=$(status "$C"); rc=$?
eq "tls_cert without tls_ca -> a config error" "$rc" 1
match "...that says why" "$out" "tls_cert needs tls_ca"
C=$(conf_with mrb_tls "$PW_TLS" "tls_ca = $TMP/nonexistent.pem")
out=$(status "$C"); rc=$?
match "an unreadable tls_ca is named at start" "$out" "tls_ca: cannot read $TMP/nonexistent.pem"

# a FastCGI program with such a config: GET /mrb/health straight to the worker
C=$(conf_with mrb_tls "$PW_TLS" "tls_ca = $TLS/ca.pem")
spawn-fcgi -s "$TMP/h.sock" -P "$TMP/h.pid" -- /usr/bin/env MRB_CONFIG="$C" "$ROOT/cgi-bin/health" >/dev/null 2>&1
out=$(env -i REQUEST_METHOD=GET SCRIPT_NAME=/mrb/health cgi-fcgi -bind -connect "$TMP/h.sock" 2>/dev/null)
kill "$(cat "$TMP/h.pid")" 2>/dev/null
match "GET /mrb/health through a FastCGI worker whose database is reached over TLS: db ok" "$out" '"db":"ok"'
finish
