# shellcheck shell=bash
# The dev stack's 3-node MariaDB Galera cluster (make cluster): sourced by
# scripts/stack.sh, which provides the config (load_config) and the helpers
# of scripts/proc.sh. Node N (1..3) listens on 127.0.0.1:4307, 4317, 4327,
# runs as the mysql user (what galera_recovery assumes) from its own
# directory (config from conf/galera/node.cnf.in), and keeps its pid in
# run/galera-N.pid. The node directories are not under run/: the mysql user
# must be able to reach them, and a checkout may sit where only root can
# (/root). They live under /var/tmp, one set per checkout (MRB_GALERA_DIR).

GALERA_NODES=(1 2 3)
GALERA_BASE=${MRB_GALERA_DIR:-/var/tmp/mrb-galera.$(printf '%s' "$ROOT" | md5sum | cut -c1-8)}

galera_port() { echo $((4297 + 10 * $1)); }
galera_dir() { echo "$GALERA_BASE/galera-$1"; }
galera_sock() { echo "$(galera_dir "$1")/mysqld.sock"; }
galera_sql() { # galera_sql N: root's SQL on node N, from stdin
  mariadb --no-defaults --socket="$(galera_sock "$1")" --user=root --batch --skip-column-names
}
galera_state() { # wsrep_local_state of node N (4: Synced), or nothing
  echo "SHOW GLOBAL STATUS LIKE 'wsrep_local_state'" | galera_sql "$1" 2>/dev/null | awk '{print $2}'
}
galera_synced() { [[ $(galera_state "$1") == 4 ]]; }

galera_conf() { # galera_conf N: write galera-N/my.cnf
  local n=$1 dir
  dir=$(galera_dir "$n")
  db_certs
  render "$ROOT/conf/galera/node.cnf.in" "$dir/my.cnf" N "$n" PORT "$(galera_port "$n")" \
    SOCKET "$(galera_sock "$n")" DATADIR "$dir/data" PIDFILE "$dir/mariadbd.pid" ERRLOG "$dir/error.log" \
    GCOMM_PORT $((4557 + 10 * n)) IST_PORT $((4558 + 10 * n)) SST_PORT $((4434 + 10 * n)) TLS_DIR "$TLS_DIR" \
    || die "galera-$n: cannot write its config"
}

# galera_others_up N: another node of the cluster is running.
galera_others_up() {
  local m
  for m in "${GALERA_NODES[@]}"; do
    [[ $m != "$1" ]] && running_pid "galera-$m" >/dev/null && return 0
  done
  return 1
}

# start_galera N [new]: start node N. "new": a fresh cluster (wipes the
# node's data; node 1 bootstraps it, the others join by state transfer).
# Otherwise the node rejoins with the position galera_recovery finds in its
# data, by incremental state transfer, never with --wsrep-new-cluster. The
# one exception is the documented recovery of a whole cluster that was shut
# down: with no other node running, the node whose grastate.dat says
# safe_to_bootstrap (the last to stop cleanly) bootstraps it again.
start_galera() {
  local n=$1 fresh=${2:-} dir pid pos=
  dir=$(galera_dir "$n")
  if pid=$(running_pid "galera-$n"); then
    log "galera-$n already running (pid $pid)"
    return 0
  fi
  require_free "galera-$n" tcp "$(galera_port "$n")"
  if [[ -n $fresh ]]; then
    rm -rf "$dir"
  fi
  mkdir -p "$dir/data"
  chmod 755 "$GALERA_BASE"
  galera_conf "$n"
  touch "$dir/error.log"
  chown -R mysql:mysql "$dir"
  if [[ ! -d $dir/data/mysql ]]; then
    log "galera-$n: initialising $dir/data"
    mariadb-install-db --defaults-file="$dir/my.cnf" --user=mysql --auth-root-authentication-method=normal \
      --skip-test-db >>"$dir/error.log" 2>&1 || fail_service "galera-$n" "mariadb-install-db failed"
  fi
  if [[ -n $fresh && $n == 1 ]]; then
    pos=--wsrep-new-cluster
  elif [[ -z $fresh ]] && ! galera_others_up "$n" && grep -q '^safe_to_bootstrap: *1' "$dir/data/grastate.dat" 2>/dev/null; then
    pos=--wsrep-new-cluster
  elif [[ -z $fresh ]]; then
    pos=$(galera_recovery --defaults-file="$dir/my.cnf" 2>>"$dir/error.log") \
      || fail_service "galera-$n" "galera_recovery failed"
  fi
  log "starting galera-$n on 127.0.0.1:$(galera_port "$n")${pos:+ ($pos)}"
  spawn "galera-$n" mariadbd --defaults-file="$dir/my.cnf" --user=mysql $pos
  TIMEOUT=$GALERA_READY_TIMEOUT wait_ready "galera-$n" "$SPAWNED_PID" galera_synced "$n"
}

stop_galera() { # stop_galera N [SIGNAL]
  stop_service "galera-$1" "${2:-TERM}" "$DB_STOP_TIMEOUT"
}

# The MRB database and user, through node 1 (DDL and users replicate).
galera_db_setup() {
  db_setup_sql | galera_sql 1 || fail_service galera-1 "could not create database/user"
}
