# shellcheck shell=bash
# The dev stack's mariadb: sourced by scripts/stack.sh, which provides the
# config (load_config) and the helpers of scripts/proc.sh.

DB_DIR=$RUN/mariadb
DB_SOCK=$DB_DIR/mysqld.sock
TLS_DIR=$RUN/tls

# db_certs: the dev stack's own CA, and with it a certificate for the
# database servers (127.0.0.1 and localhost) and one for a client, made once
# under run/tls/. The servers offer TLS with it; plain connections still
# work, so a config chooses (tests/e2e/t_db_tls.sh uses both). Production
# uses the operator's own certificates: docs/OPERATIONS.md.
db_certs() {
  [[ -s $TLS_DIR/server.pem && -s $TLS_DIR/client.pem ]] && return 0
  mkdir -p "$TLS_DIR"
  (
    set -e
    cd "$TLS_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=MRB dev CA" \
      -keyout ca.key -out ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile server.ext -out server.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=mrb-client" -keyout client.key -out client.csr 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -out client.pem 2>/dev/null
    rm -f ./*.csr server.ext
    chmod 600 ./*.key
    # the Galera nodes run as mysql (the single dev node as root)
    if getent group mysql >/dev/null; then chgrp mysql server.key && chmod 640 server.key; fi
  ) || die "cannot make the dev stack's TLS certificates in $TLS_DIR (openssl)"
}

db_root() { mariadb --no-defaults --socket="$DB_SOCK" --user=root --batch; }
db_ping() { mariadb-admin --no-defaults --socket="$DB_SOCK" --user=root ping; }

sql_str() { # quote a string literal for SQL
  local v=${1//\\/\\\\}
  printf "'%s'" "${v//\'/\'\'}"
}

start_mariadb() {
  local pid
  if pid=$(running_pid mariadb); then
    log "mariadb already running (pid $pid)"
  else
    require_free mariadb tcp "$DB_PORT"
    mkdir -p "$DB_DIR/data" "$DB_DIR/tmp"
    if [[ ! -d $DB_DIR/data/mysql ]]; then
      log "mariadb: initialising $DB_DIR/data"
      mariadb-install-db --no-defaults --auth-root-authentication-method=normal \
        --datadir="$DB_DIR/data" --user=root --skip-test-db \
        >>"$LOG/mariadb.log" 2>&1 \
        || { rm -rf "$DB_DIR/data"; fail_service mariadb "mariadb-install-db failed"; }
    fi
    db_certs
    log "starting mariadb on 127.0.0.1:$DB_PORT"
    spawn mariadb mariadbd --no-defaults --user=root \
      --ssl-ca="$TLS_DIR/ca.pem" --ssl-cert="$TLS_DIR/server.pem" --ssl-key="$TLS_DIR/server.key" \
      --datadir="$DB_DIR/data" --tmpdir="$DB_DIR/tmp" \
      --socket="$DB_SOCK" --pid-file="$RUN/mariadb.pid" \
      --bind-address=127.0.0.1 --port="$DB_PORT" --skip-name-resolve \
      --log-error="$LOG/mariadb.log" \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      --innodb-buffer-pool-size=64M --innodb-log-file-size=48M \
      --innodb-flush-log-at-trx-commit=1
    wait_ready mariadb "$SPAWNED_PID" db_ping
  fi
  db_setup_sql | db_root || fail_service mariadb "could not create database/user"
}

# db_setup_sql: the SQL that makes the MRB database and user as the config
# says (also used for the Galera cluster). Idempotent; ALTER keeps the
# password in step with the config file. Piped to the client on stdin, so
# the password never appears in ps.
db_setup_sql() {
  local pw host
  pw=$(sql_str "$DB_PASS")
  echo "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
  for host in 127.0.0.1 localhost; do
    echo "CREATE USER IF NOT EXISTS '$DB_USER'@'$host' IDENTIFIED BY $pw;"
    echo "ALTER USER '$DB_USER'@'$host' IDENTIFIED BY $pw;"
    echo "GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'$host';"
  done
}

migrate_db() {
  if [[ ! -f $ROOT/sql/schema.sql ]]; then
    warn "sql/schema.sql not found yet; skipping migrations"
    return 0
  fi
  MRB_CONFIG=$CONF "$ROOT/scripts/db-migrate.sh" "$CONF"
}

sync_servers() {
  if [[ ! -x $ROOT/tools/mrbctl ]]; then
    warn "tools/mrbctl not built yet; skipping 'mrbctl server sync' (run make, then up again)"
    return 0
  fi
  log "registering media servers: mrbctl server sync"
  MRB_CONFIG=$CONF "$ROOT/tools/mrbctl" server sync "$CONF" \
    || die "mrbctl server sync failed"
}
