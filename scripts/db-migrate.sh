#!/usr/bin/env bash
# Apply the MRB schema: sql/schema.sql (idempotent), then every
# sql/migrations/NNN-*.sql not yet recorded in schema_migrations, in numeric
# order. Safe to re-run.
#
# Usage: scripts/db-migrate.sh [CONFIG]
#   CONFIG defaults to $MRB_CONFIG, then conf/mrb.dev.conf.
#   MRB_SQL_DIR overrides the sql/ directory (used to test with a scratch schema).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/conf.sh
. "$ROOT/scripts/conf.sh"

CONF=${1:-${MRB_CONFIG:-$ROOT/conf/mrb.dev.conf}}
SQL_DIR=${MRB_SQL_DIR:-$ROOT/sql}

die() { echo "db-migrate: error: $*" >&2; exit 1; }

[[ -r $CONF ]] || die "config file not readable: $CONF"
[[ -r $SQL_DIR/schema.sql ]] || die "$SQL_DIR/schema.sql not found"
command -v mariadb >/dev/null || die "mariadb client not found (run scripts/deps.sh)"

# [db] read as the programs read it (lib/conf.c): the nodes from hosts
# ("host[:port]" or "[v6]:port", commas or blanks; port defaults to [db]
# port), else host and port, or socket; a secret given as @FILE is read from
# FILE; tls_ca (with tls_cert/tls_key) means TLS, verified. The migration
# runs through the first node that is ready (a Galera node only when Synced).
opt() { conf_get "$CONF" db "$1" 2>/dev/null || true; }
DB_PORT=$(opt port)
DB_USER=$(conf_req "$CONF" db user)
DB_NAME=$(conf_req "$CONF" db database)
DB_PASS=$(opt password)
if [[ $DB_PASS == @* ]]; then
  f=${DB_PASS#@}
  [[ -r $f ]] || die "[db] password: cannot read $f"
  IFS= read -r DB_PASS <"$f" || true
  DB_PASS=${DB_PASS%$'\r'}
fi
DB_SOCKET=$(opt socket)
TLS_CA=$(opt tls_ca); TLS_CERT=$(opt tls_cert); TLS_KEY=$(opt tls_key)
TLS_VERIFY_NAME=$(opt tls_verify_server_name)
resolve() { # a relative path is beside the config, as the programs take it
  [[ -z $1 || $1 == /* ]] && { printf '%s' "$1"; return; }
  printf '%s/%s' "$(cd "$(dirname "$CONF")" && pwd)" "$1"
}
TLS_CA=$(resolve "$TLS_CA"); TLS_CERT=$(resolve "$TLS_CERT"); TLS_KEY=$(resolve "$TLS_KEY")

NODES=()
hosts=$(opt hosts)
if [[ -n $hosts ]]; then
  for item in ${hosts//,/ }; do
    if [[ $item =~ ^\[([^]]+)\](:([0-9]+))?$ ]]; then
      NODES+=("${BASH_REMATCH[1]}|${BASH_REMATCH[3]:-$DB_PORT}")
    elif [[ $item =~ ^([^:]+)(:([0-9]+))?$ ]]; then
      NODES+=("${BASH_REMATCH[1]}|${BASH_REMATCH[3]:-$DB_PORT}")
    else
      die "[db] hosts: '$item' is not host:port"
    fi
  done
else
  NODES+=("$(opt host)|$DB_PORT")
fi

# The password goes into a private option file, never onto the command line
# (where ps would show it).
umask 077
DEFAULTS=$(mktemp "${TMPDIR:-/tmp}/mrb-migrate.XXXXXX")
trap 'rm -f "$DEFAULTS" "$DEFAULTS.err"' EXIT
optval() { # quote for a MariaDB option file: backslash and double quote escaped
  local v=${1//\\/\\\\}
  printf '"%s"' "${v//\"/\\\"}"
}
# write_defaults HOST PORT: the option file for one node
write_defaults() {
  {
    echo "[client]"
    if [[ -z $1 && -n $DB_SOCKET && ${#NODES[@]} -eq 1 ]]; then
      echo "socket=$(optval "$DB_SOCKET")"
      echo "protocol=socket"
    else
      echo "host=$(optval "${1:-localhost}")"
      echo "port=$2"
      echo "protocol=tcp"
    fi
    echo "user=$(optval "$DB_USER")"
    echo "password=$(optval "$DB_PASS")"
    echo "database=$(optval "$DB_NAME")"
    if [[ -n $TLS_CA ]]; then
      echo "ssl-ca=$(optval "$TLS_CA")"
      [[ -n $TLS_CERT ]] && echo "ssl-cert=$(optval "$TLS_CERT")"
      [[ -n $TLS_KEY ]] && echo "ssl-key=$(optval "$TLS_KEY")"
      [[ $TLS_VERIFY_NAME == false ]] || echo "ssl-verify-server-cert"
    fi
  } >"$DEFAULTS"
}

# --defaults-file must come first; --batch gives tab-separated output and
# stops at the first failing statement with a non-zero exit status.
sql() { mariadb --defaults-file="$DEFAULTS" --batch "$@"; }

# The first ready node: answers, and is Synced when it is a Galera node.
WHERE=
tried=()
for node in "${NODES[@]}"; do
  IFS='|' read -r host port <<<"$node"
  write_defaults "$host" "$port"
  label=${host:-localhost}:$port
  [[ -z $host && -n $DB_SOCKET && ${#NODES[@]} -eq 1 ]] && label="socket $DB_SOCKET"
  if ! state=$(sql --skip-column-names -e "SELECT @@wsrep_on, (SELECT VARIABLE_VALUE FROM
          information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE')" 2>"$DEFAULTS.err"); then
    tried+=("$label: $(head -n 1 "$DEFAULTS.err")")
    continue
  fi
  read -r wsrep_on wsrep_state <<<"$state"
  if [[ $wsrep_on == 1 && $wsrep_state != 4 ]]; then
    tried+=("$label: a Galera node that is not Synced")
    continue
  fi
  WHERE=$label
  break
done
rm -f "$DEFAULTS.err"
[[ -n $WHERE ]] || die "no database node is ready: $(printf '%s; ' "${tried[@]}")"

# Collect and check every file name before touching the database:
# NNN-name.sql becomes "version<TAB>path", sorted by version number.
migrations=()
shopt -s nullglob
for f in "$SQL_DIR"/migrations/*.sql; do
  base=${f##*/}
  [[ $base =~ ^([0-9]+)-[A-Za-z0-9_.-]+\.sql$ ]] \
    || die "bad migration file name (want NNN-name.sql): $base"
  migrations+=("$((10#${BASH_REMATCH[1]}))"$'\t'"$f")
done
shopt -u nullglob

sorted=
if ((${#migrations[@]} > 0)); then
  sorted=$(printf '%s\n' "${migrations[@]}" | sort -n -k1,1)
  dups=$(cut -f1 <<<"$sorted" | uniq -d)
  [[ -z $dups ]] || die "duplicate migration version(s): $(echo "$dups" | paste -sd ' ')"
fi

echo "db-migrate: applying $SQL_DIR/schema.sql to $DB_NAME on $WHERE"
sql <"$SQL_DIR/schema.sql" || die "schema.sql failed"

# schema.sql is expected to create this table; this is a no-op safety net
# so that migrations can always be recorded.
sql -e "CREATE TABLE IF NOT EXISTS schema_migrations (
          version INT PRIMARY KEY, name VARCHAR(255) NOT NULL,
          applied_at BIGINT NOT NULL)"

applied=$(sql --skip-column-names -e "SELECT version FROM schema_migrations")

count=0
if [[ -n $sorted ]]; then
  while IFS=$'\t' read -r version path; do
    if grep -qxF -- "$version" <<<"$applied"; then
      continue
    fi
    name=${path##*/}
    echo "db-migrate: applying migration $name"
    # File and bookkeeping row in one client session: if any statement of the
    # file fails the client stops, and the version is not recorded.
    {
      cat "$path"
      printf '\nINSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, '\''%s'\'', UNIX_TIMESTAMP());\n' \
        "$version" "$name"
    } | sql || die "migration $name failed (not recorded; fix it and re-run)"
    count=$((count + 1))
  done <<<"$sorted"
fi
echo "db-migrate: done ($count migration(s) applied)"
