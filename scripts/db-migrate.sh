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

DB_HOST=$(conf_req "$CONF" db host)
DB_PORT=$(conf_req "$CONF" db port)
DB_USER=$(conf_req "$CONF" db user)
DB_PASS=$(conf_get "$CONF" db password || true)
DB_NAME=$(conf_req "$CONF" db database)

# The password goes into a private option file, never onto the command line
# (where ps would show it).
umask 077
DEFAULTS=$(mktemp "${TMPDIR:-/tmp}/mrb-migrate.XXXXXX")
trap 'rm -f "$DEFAULTS"' EXIT
optval() { # quote for a MariaDB option file: backslash and double quote escaped
  local v=${1//\\/\\\\}
  printf '"%s"' "${v//\"/\\\"}"
}
{
  echo "[client]"
  echo "host=$(optval "$DB_HOST")"
  echo "port=$DB_PORT"
  echo "user=$(optval "$DB_USER")"
  echo "password=$(optval "$DB_PASS")"
  echo "database=$(optval "$DB_NAME")"
} >"$DEFAULTS"

# --defaults-file must come first; --batch gives tab-separated output and
# stops at the first failing statement with a non-zero exit status.
sql() { mariadb --defaults-file="$DEFAULTS" --protocol=tcp --batch "$@"; }

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

echo "db-migrate: applying $SQL_DIR/schema.sql to $DB_NAME@$DB_HOST:$DB_PORT"
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
