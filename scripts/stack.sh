#!/usr/bin/env bash
# MRB private dev stack: MariaDB, lighttpd (FastCGI programs from cgi-bin/),
# coturn, a Prometheus node exporter, one Janus per [server NAME] section and
# a cron-like scheduler for cron/mrb-health and cron/mrb-expire, all under
# run/ and bound to 127.0.0.1 only. Touches no system service.
#
# Usage: scripts/stack.sh up | down | run | status
#        scripts/stack.sh janus-start NAME
#        scripts/stack.sh janus-stop NAME [SIGNAL]     (SIGNAL: TERM default, KILL, INT)
#        scripts/stack.sh lighttpd-restart   (after rebuilding cgi-bin/: running
#                                             FastCGI processes keep the old binary)
#        scripts/stack.sh cron-stop | cron-start   (stop/start the scheduler; stop
#                                             also ends the jobs it started, so
#                                             tests can run the cron programs by hand)
#
# Environment: MRB_CONFIG (default conf/mrb.dev.conf), MRB_HTTP_PORT (8080),
# MRB_TURN_PORT (3478), MRB_TURN_IP (127.0.0.1), MRB_NODE_EXPORTER_PORT (9100), MRB_WAIT_TIMEOUT
# (seconds, 30), MRB_JANUS_LIB, MRB_CRON_PERIOD (seconds between scheduler
# rounds, 60), MRB_CRON_DIR (where mrb-health and mrb-expire are, cron/).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=$ROOT/run
LOG=$RUN/log
# shellcheck source=scripts/ini.sh
. "$ROOT/scripts/ini.sh"

HTTP_PORT=${MRB_HTTP_PORT:-8080}
TURN_PORT=${MRB_TURN_PORT:-3478}
# coturn's listening and relay address: loopback, or a test host of the
# browser test's network namespace (Janus gathers no loopback candidates)
TURN_IP=${MRB_TURN_IP:-127.0.0.1}
NODE_EXPORTER_PORT=${MRB_NODE_EXPORTER_PORT:-9100}
CRON_PERIOD=${MRB_CRON_PERIOD:-60}
CRON_DIR=${MRB_CRON_DIR:-$ROOT/cron}
TIMEOUT=${MRB_WAIT_TIMEOUT:-30}
STOP_TIMEOUT=10
DB_STOP_TIMEOUT=60 # InnoDB flushes on shutdown; give it time to exit cleanly
CONF_IN=${MRB_CONFIG:-$ROOT/conf/mrb.dev.conf}

log() { printf 'stack: %s\n' "$*"; }
warn() { printf 'stack: warning: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- config ---

CONF=
SERVERS=()
load_config() {
  [[ -r $CONF_IN ]] || die "config file not readable: $CONF_IN"
  # Absolute, because lighttpd and its FastCGI children run with cwd=/.
  CONF=$(realpath -e "$CONF_IN")
  # The programs refuse a config that every user can read (it holds
  # secrets). A checkout leaves it 0644: make it 0640, group www-data so
  # the Apache/nginx hosting test's workers can still read it.
  if [[ -O $CONF ]] && (( $(stat -c '%a' "$CONF") % 10 != 0 )); then
    chmod o-rwx "$CONF"
    getent group www-data >/dev/null && chgrp www-data "$CONF" && chmod g+r "$CONF"
  fi
  DB_HOST=$(ini_req "$CONF" db host)
  DB_PORT=$(ini_req "$CONF" db port)
  DB_USER=$(ini_req "$CONF" db user)
  DB_PASS=$(ini_get "$CONF" db password || true)
  DB_NAME=$(ini_req "$CONF" db database)
  WEBHOOK_USER=$(ini_req "$CONF" webhook user)
  WEBHOOK_PASS=$(ini_req "$CONF" webhook password)
  TURN_SECRET=$(ini_req "$CONF" turn secret)
  TURN_REALM=$(ini_req "$CONF" turn realm)
  JANUS_ADMIN_KEY=$(ini_req "$CONF" janus admin_key)
  local names name
  names=$(ini_servers "$CONF")
  SERVERS=()
  while IFS= read -r name; do
    [[ -n $name ]] || continue
    # Used in file names and pid files, and must not clash with other services.
    [[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad server name [server $name] (use A-Z a-z 0-9 _ . -)"
    case $name in mariadb | lighttpd | coturn | node-exporter | cron) die "server name '$name' clashes with a service name" ;; esac
    SERVERS+=("$name")
  done <<<"$names"
  [[ $DB_HOST == 127.0.0.1 || $DB_HOST == localhost ]] \
    || die "[db] host is $DB_HOST; the dev stack only runs MariaDB on 127.0.0.1"
  [[ $DB_PORT =~ ^[0-9]+$ ]] || die "[db] port is not a number: $DB_PORT"
  # Interpolated into SQL as identifiers below; keep them plain.
  [[ $DB_NAME =~ ^[A-Za-z0-9_]+$ ]] || die "[db] database must match [A-Za-z0-9_]+"
  [[ $DB_USER =~ ^[A-Za-z0-9_]+$ ]] || die "[db] user must match [A-Za-z0-9_]+"
}

# parse_url URL WHAT: sets URL_PORT and URL_PATH (no trailing slash).
parse_url() {
  local re='^http://([^/:]+)(:([0-9]+))?(/[^?#]*)?$'
  [[ $1 =~ $re ]] || die "$2: not a plain http://host[:port]/path URL: $1"
  [[ ${BASH_REMATCH[1]} == 127.0.0.1 || ${BASH_REMATCH[1]} == localhost ]] \
    || die "$2: host must be 127.0.0.1 in the dev stack: $1"
  URL_PORT=${BASH_REMATCH[3]:-80}
  URL_PATH=${BASH_REMATCH[4]:-/}
  [[ $URL_PATH == / ]] || URL_PATH=${URL_PATH%/}
}

# -------------------------------------------------------------- processes ---

comm_of() {
  case $1 in
    mariadb) echo mariadbd ;;
    lighttpd) echo lighttpd ;;
    coturn) echo turnserver ;;
    node-exporter) echo prometheus-node ;; # comm is cut to 15 characters
    cron) echo bash ;;
    *) echo janus ;;
  esac
}
log_of() {
  case $1 in
    lighttpd) echo "$LOG/lighttpd-error.log" ;;
    *) echo "$LOG/$1.log" ;;
  esac
}

# pid_alive PID [COMM]: process exists, is not a zombie (pid 1 here may not
# reap them) and its command name is COMM if given (guards against pid reuse).
pid_alive() {
  local pid=$1 stat rest comm
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  rest=${stat##*) }
  [[ ${rest%% *} != Z ]] || return 1
  [[ -n ${2:-} ]] || return 0
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [[ $comm == "$2" ]]
}

cmdline_of() { tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline"; } # 2> first: the process may be gone

# is_ours NAME PID: the process was started by this stack. Most services name
# a file under $RUN/ on their command line; the node exporter and the cron
# loop don't, but spawn starts everything with cwd $RUN.
is_ours() {
  case $1 in
    node-exporter) [[ /proc/$2/cwd -ef $RUN ]] ;;
    cron)
      [[ /proc/$2/cwd -ef $RUN ]] \
        && cmdline_of "$2" | grep -qF -- "$ROOT/scripts/stack.sh cron-loop"
      ;;
    *) cmdline_of "$2" | grep -qF -- "$RUN/" ;;
  esac
}

# running_pid NAME: print the pid of service NAME if its pid file names a live
# process of ours; status 1 otherwise.
running_pid() {
  local pidfile=$RUN/$1.pid pid=
  [[ -s $pidfile ]] || return 1
  read -r pid <"$pidfile" || true
  pid_alive "$pid" "$(comm_of "$1")" || return 1
  is_ours "$1" "$pid" || return 1
  printf '%s\n' "$pid"
}

# fail_service NAME WHY: error out with the tail of the service's log.
fail_service() {
  local logf
  logf=$(log_of "$1")
  {
    printf 'stack: error: %s %s\n' "$1" "$2"
    printf 'stack: last 30 lines of %s:\n' "$logf"
    tail -n 30 "$logf" 2>/dev/null || echo "(no log)"
  } >&2
  exit 1
}

# wait_ready NAME PID CMD...: poll CMD until it succeeds; fail if PID dies or
# after $TIMEOUT seconds. PID may be empty (lighttpd forks itself). PID's
# command name is not checked: right after spawn it may still be setsid or
# nohup on its way to exec'ing the service.
wait_ready() {
  local name=$1 pid=$2 deadline=$((SECONDS + TIMEOUT))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [[ -n $pid ]] && ! pid_alive "$pid"; then
      fail_service "$name" "exited during start-up"
    fi
    ((SECONDS < deadline)) || fail_service "$name" "not ready after ${TIMEOUT}s"
    sleep 0.2
  done
}

# close_fds: close every fd above 2 (run in a subshell right before exec), so
# daemons don't keep a caller's pipes open (CI steps, $(...) captures).
close_fds() {
  local fd n
  for fd in /proc/"$BASHPID"/fd/*; do
    n=${fd##*/}
    ((n > 2)) || continue
    exec {n}>&-
  done
}

# spawn NAME CMD...: run CMD detached in its own session (so Ctrl-C in the
# caller's terminal doesn't reach it), stdio to its log, pid to run/NAME.pid,
# cwd $RUN (see is_ours). Without job control the child is no process-group
# leader, so setsid does not fork and $! is the service's own pid (and the
# id of its session and process group).
SPAWNED_PID=
spawn() {
  local name=$1 logf
  shift
  logf=$(log_of "$name")
  printf '\n=== %s: starting: %s\n' "$(date '+%F %T')" "$*" >>"$logf"
  (
    close_fds
    cd "$RUN"
    exec setsid nohup "$@" </dev/null >>"$logf" 2>&1
  ) &
  SPAWNED_PID=$!
  echo "$SPAWNED_PID" >"$RUN/$name.pid"
}

wait_gone() { # wait_gone PID COMM SECONDS
  local deadline=$((SECONDS + $3))
  while pid_alive "$1" "$2"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# stop_service NAME [SIGNAL] [SECONDS]: signal, wait, KILL if still there.
stop_service() {
  local name=$1 sig=${2:-TERM} limit=${3:-$STOP_TIMEOUT} pid comm
  if ! pid=$(running_pid "$name"); then
    rm -f "$RUN/$name.pid"
    return 0
  fi
  comm=$(comm_of "$name")
  log "stopping $name (pid $pid, SIG$sig)"
  kill -s "$sig" "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$comm" "$limit"; then
    warn "$name (pid $pid) still running after ${limit}s; sending KILL"
    kill -s KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" "$comm" 5 || die "$name (pid $pid) survived SIGKILL"
  fi
  rm -f "$RUN/$name.pid"
}

port_busy() { # port_busy tcp|udp PORT
  local flag=-t
  [[ $1 == udp ]] && flag=-u
  [[ -n $(ss -Hln "$flag" "sport = :$2" 2>/dev/null) ]]
}
require_free() { # require_free NAME tcp|udp PORT
  if port_busy "$2" "$3"; then
    die "$1: $2 port $3 is already in use by another process (ss -lnp${2:0:1} 'sport = :$3')"
  fi
}

# -------------------------------------------------------------- mariadb ---

DB_DIR=$RUN/mariadb
DB_SOCK=$DB_DIR/mysqld.sock

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
    log "starting mariadb on 127.0.0.1:$DB_PORT"
    spawn mariadb mariadbd --no-defaults --user=root \
      --datadir="$DB_DIR/data" --tmpdir="$DB_DIR/tmp" \
      --socket="$DB_SOCK" --pid-file="$RUN/mariadb.pid" \
      --bind-address=127.0.0.1 --port="$DB_PORT" --skip-name-resolve \
      --log-error="$LOG/mariadb.log" \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      --innodb-buffer-pool-size=64M --innodb-log-file-size=48M \
      --innodb-flush-log-at-trx-commit=1
    wait_ready mariadb "$SPAWNED_PID" db_ping
  fi
  # Idempotent; ALTER keeps the password in step with the config file.
  # Fed on stdin so the password never appears in ps.
  local pw host
  pw=$(sql_str "$DB_PASS")
  {
    echo "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
    for host in 127.0.0.1 localhost; do
      echo "CREATE USER IF NOT EXISTS '$DB_USER'@'$host' IDENTIFIED BY $pw;"
      echo "ALTER USER '$DB_USER'@'$host' IDENTIFIED BY $pw;"
      echo "GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'$host';"
    done
  } | db_root || fail_service mariadb "could not create database/user"
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

# -------------------------------------------------------------- lighttpd ---

# Executables without an extension in cgi-bin/ are FastCGI programs.
fcgi_programs() {
  local f name
  for f in "$ROOT"/cgi-bin/*; do
    name=${f##*/}
    [[ -f $f && -x $f && $name =~ ^[A-Za-z0-9_-]+$ ]] && echo "$name"
  done
  return 0
}

sed_repl() { # escape a string for the replacement part of s|..|..|
  printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'
}

# Environment the FastCGI programs get besides MRB_CONFIG: like production,
# not the caller's whole environment (sanitizer options kept for debugging).
COPY_ENV='"PATH", "LANG", "TZ", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"'

# FastCGI workers per program: MRB_FCGI_PROCS (default 2), or
# MRB_FCGI_PROCS_<name with - as _> for one program (bench/run.sh tries these).
procs_for() {
  local var="MRB_FCGI_PROCS_${1//-/_}"
  echo "${!var:-${MRB_FCGI_PROCS:-2}}"
}

gen_lighttpd_conf() {
  local docroot=$ROOT/www name progs first=1
  [[ -d $docroot ]] || docroot=$RUN/www
  mkdir -p "$RUN/www" "$RUN/tmp" "$RUN/fcgi"
  sed -e "s|@HTTP_PORT@|$(sed_repl "$HTTP_PORT")|g" \
    -e "s|@DOCROOT@|$(sed_repl "$docroot")|g" \
    -e "s|@RUN@|$(sed_repl "$RUN")|g" \
    "$ROOT/conf/lighttpd.dev.conf.in" >"$RUN/lighttpd.conf.new"
  progs=$(fcgi_programs)
  {
    echo "# Generated by scripts/stack.sh from the executables in $ROOT/cgi-bin."
    if [[ -z $progs ]]; then
      echo "# (none found: nothing mapped under /mrb/)"
    else
      echo "fastcgi.server = ("
      while IFS= read -r name; do
        ((first)) || echo "  ,"
        first=0
        cat <<EOF
  "/mrb/$name" => ((
    "socket"               => "$RUN/fcgi/$name.sock",
    "bin-path"             => "$ROOT/cgi-bin/$name",
    "max-procs"            => $(procs_for "$name"),
    "check-local"          => "disable",
    "bin-environment"      => ( "MRB_CONFIG" => "$CONF" ),
    "bin-copy-environment" => ( $COPY_ENV ),
  ))
EOF
      done <<<"$progs"
      # bench/ceiling (make bench) is the benchmarks' baseline responder
      if [[ -x $ROOT/bench/ceiling ]]; then
        cat <<EOF
  ,
  "/bench/ceiling" => ((
    "socket"               => "$RUN/fcgi/bench-ceiling.sock",
    "bin-path"             => "$ROOT/bench/ceiling",
    "max-procs"            => 2,
    "check-local"          => "disable",
  ))
EOF
      fi
      # bench/ab.sh: a program built from another commit, served beside
      # the working tree's at /bench/<name>-base for same-run comparisons
      for f in "$RUN"/bench-cgi/*-base; do
        [[ -x $f ]] || continue
        cat <<EOF
  ,
  "/bench/${f##*/}" => ((
    "socket"               => "$RUN/fcgi/bench-${f##*/}.sock",
    "bin-path"             => "$f",
    "max-procs"            => $(procs_for "${f##*/}"),
    "check-local"          => "disable",
    "bin-environment"      => ( "MRB_CONFIG" => "$CONF" ),
    "bin-copy-environment" => ( $COPY_ENV ),
  ))
EOF
      done
      echo ")"
    fi
  } >"$RUN/lighttpd-fastcgi.conf.new"
}

start_lighttpd() {
  local pid progs
  if pid=$(running_pid lighttpd); then
    log "lighttpd already running (pid $pid)"
    # A running lighttpd keeps the FastCGI set it started with.
    gen_lighttpd_conf
    if ! cmp -s "$RUN/lighttpd-fastcgi.conf.new" "$RUN/lighttpd-fastcgi.conf" \
      || ! cmp -s "$RUN/lighttpd.conf.new" "$RUN/lighttpd.conf"; then
      warn "lighttpd config changed (new cgi-bin programs?); run 'scripts/stack.sh lighttpd-restart' to apply"
    fi
    rm -f "$RUN/lighttpd.conf.new" "$RUN/lighttpd-fastcgi.conf.new"
    return 0
  fi
  require_free lighttpd tcp "$HTTP_PORT"
  kill_fcgi_leftovers
  gen_lighttpd_conf
  mv "$RUN/lighttpd-fastcgi.conf.new" "$RUN/lighttpd-fastcgi.conf"
  mv "$RUN/lighttpd.conf.new" "$RUN/lighttpd.conf"
  lighttpd -tt -f "$RUN/lighttpd.conf" >>"$LOG/lighttpd-error.log" 2>&1 \
    || fail_service lighttpd "config test failed (lighttpd -tt -f $RUN/lighttpd.conf)"
  progs=$(fcgi_programs | paste -sd ' ')
  log "starting lighttpd on 127.0.0.1:$HTTP_PORT (FastCGI: ${progs:-none})"
  rm -f "$RUN/lighttpd.pid"
  # lighttpd daemonises itself and writes its own pid file.
  (
    close_fds
    exec lighttpd -f "$RUN/lighttpd.conf" </dev/null >>"$LOG/lighttpd-error.log" 2>&1
  ) || fail_service lighttpd "failed to start"
  wait_ready lighttpd "" lighttpd_ready
}
lighttpd_ready() {
  running_pid lighttpd || return 1
  local code
  code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/") || true
  [[ $code =~ ^[1-5][0-9][0-9]$ ]]
}

# ---------------------------------------------------------------- coturn ---

start_coturn() {
  local pid
  if pid=$(running_pid coturn); then
    log "coturn already running (pid $pid)"
    return 0
  fi
  require_free coturn udp "$TURN_PORT"
  require_free coturn tcp "$TURN_PORT"
  mkdir -p "$RUN/coturn"
  log "starting coturn on $TURN_IP:$TURN_PORT"
  # -n: ignore /etc/turnserver.conf; --userdb keeps its SQLite file out of
  # /var/lib/turn. The secret is on the command line: dev-only value.
  spawn coturn turnserver -n \
    --listening-ip="$TURN_IP" --listening-port="$TURN_PORT" --relay-ip="$TURN_IP" \
    --use-auth-secret --static-auth-secret="$TURN_SECRET" --realm="$TURN_REALM" \
    --no-tls --no-dtls --no-cli --allow-loopback-peers \
    --userdb="$RUN/coturn/turndb" \
    --pidfile="$RUN/coturn.pid" --log-file="$LOG/coturn.log" --simple-log --no-stdout-log
  wait_ready coturn "$SPAWNED_PID" port_busy udp "$TURN_PORT"
}

# --------------------------------------------------------- node exporter ---

node_exporter_ready() {
  local m
  # Not curl | grep -q: with pipefail, curl's SIGPIPE would fail the check.
  m=$(curl -s -m 2 "http://127.0.0.1:$NODE_EXPORTER_PORT/metrics") || return 1
  [[ $m == *node_sockstat_sockets_used* ]]
}

start_node_exporter() {
  local pid
  if pid=$(running_pid node-exporter); then
    log "node-exporter already running (pid $pid)"
    return 0
  fi
  [[ $NODE_EXPORTER_PORT =~ ^[0-9]+$ ]] || die "MRB_NODE_EXPORTER_PORT is not a number: $NODE_EXPORTER_PORT"
  command -v prometheus-node-exporter >/dev/null \
    || die "prometheus-node-exporter not found (run scripts/deps.sh)"
  require_free node-exporter tcp "$NODE_EXPORTER_PORT"
  log "starting node-exporter on 127.0.0.1:$NODE_EXPORTER_PORT"
  # Only the collectors MRB reads: CPU, memory and socket counts.
  spawn node-exporter prometheus-node-exporter \
    --web.listen-address="127.0.0.1:$NODE_EXPORTER_PORT" \
    --collector.disable-defaults --collector.cpu --collector.meminfo --collector.sockstat
  wait_ready node-exporter "$SPAWNED_PID" node_exporter_ready
}

# ------------------------------------------------------------------ cron ---
# A bash loop standing in for cron(8): every $CRON_PERIOD seconds (first round
# at once) it starts, in the background, "mrb-health -c CONF" (loops inside
# the minute, a DB lease keeps two from acting) and "mrb-expire -c CONF".
# Their output goes to run/log/cron.log, each line prefixed with a timestamp
# and the program name. The loop is the leader of its own process group, and
# every job it starts stays in that group: stop_cron waits for the whole group.

CRON_PROGS=(mrb-health mrb-expire)

# group_members PGID: pids of the live (non-zombie) processes in group PGID.
group_members() {
  local p stat rest st pgrp
  for p in /proc/[0-9]*; do
    { read -r stat <"$p/stat"; } 2>/dev/null || continue
    rest=${stat##*) }
    read -r st _ pgrp _ <<<"$rest"
    [[ $st != Z && $pgrp == "$1" ]] && printf '%s\n' "${p#/proc/}"
  done
  return 0
}

wait_group_gone() { # wait_group_gone PGID SECONDS
  local deadline=$((SECONDS + $2))
  while [[ -n $(group_members "$1") ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

check_cron_period() {
  [[ $CRON_PERIOD =~ ^[1-9][0-9]*$ ]] || die "MRB_CRON_PERIOD must be a whole number of seconds >= 1: $CRON_PERIOD"
}

start_cron() {
  local pid prog
  if pid=$(running_pid cron); then
    log "cron already running (pid $pid)"
    return 0
  fi
  check_cron_period
  for prog in "${CRON_PROGS[@]}"; do
    [[ -f $CRON_DIR/$prog && -x $CRON_DIR/$prog ]] \
      || warn "cron: $CRON_DIR/$prog not built yet; the scheduler skips it until it appears"
  done
  log "starting cron (every ${CRON_PERIOD}s: ${CRON_PROGS[*]}; log $(log_of cron))"
  spawn cron env MRB_CONFIG="$CONF" MRB_CRON_PERIOD="$CRON_PERIOD" MRB_CRON_DIR="$CRON_DIR" \
    "$BASH" "$ROOT/scripts/stack.sh" cron-loop
  wait_ready cron "$SPAWNED_PID" running_pid cron
}

# stop_cron: TERM the loop (it TERMs its jobs, waits for them and exits),
# then wait for its whole process group; KILL the group after $STOP_TIMEOUT.
stop_cron() {
  local pid="" pidfile=$RUN/cron.pid members
  if pid=$(running_pid cron); then
    log "stopping cron (pid $pid) and the jobs it started"
    kill -s TERM "$pid" 2>/dev/null || true
  else
    # The loop is gone (SIGKILLed?) but jobs it started may live on in its
    # process group. A pid is not reused while a group of that id exists, so
    # whatever is still in the group is ours.
    [[ -s $pidfile ]] && read -r pid <"$pidfile"
    rm -f "$pidfile"
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    members=$(group_members "$pid" | paste -sd ' ')
    [[ -n $members ]] || return 0
    warn "cron loop is gone; stopping the jobs it left behind: $members"
    kill -s TERM -- "-$pid" 2>/dev/null || true
  fi
  if ! wait_group_gone "$pid" "$STOP_TIMEOUT"; then
    warn "cron jobs (process group $pid) still running after ${STOP_TIMEOUT}s; sending KILL"
    kill -s KILL -- "-$pid" 2>/dev/null || true
    wait_group_gone "$pid" 5 || die "cron process group $pid survived SIGKILL"
  fi
  rm -f "$pidfile"
}

# The rest runs inside the loop process (scripts/stack.sh cron-loop).

clog() { printf '%(%F %T)T cron: %s\n' -1 "$*"; }

cron_prefix() { # cron_prefix NAME: copy stdin to stdout, each line prefixed
  local line
  while IFS= read -r line || [[ -n $line ]]; do
    # The programs may start their lines with "NAME: " already.
    printf '%(%F %T)T %s: %s\n' -1 "$1" "${line#"$1: "}"
  done
}

cron_job() { # cron_job NAME PATH: one run, in a background subshell
  local rc t0=$SECONDS
  clog "run $2 -c $CONF"
  "$2" -c "$CONF" </dev/null 2>&1 | cron_prefix "$1"
  rc=${PIPESTATUS[0]}
  if ((rc == 0)); then
    clog "$1 done after $((SECONDS - t0))s"
  elif ((rc > 128)); then
    clog "$1 killed by signal $((rc - 128)) after $((SECONDS - t0))s"
  else
    clog "$1 FAILED with exit status $rc after $((SECONDS - t0))s"
  fi
}

declare -A CRON_JOB=() CRON_MISSING=()
cron_round() {
  local prog bin
  for prog in "${CRON_PROGS[@]}"; do
    bin=$CRON_DIR/$prog
    if [[ ! -f $bin || ! -x $bin ]]; then
      # Said once, not every round, until the program shows up.
      [[ -n ${CRON_MISSING[$prog]:-} ]] \
        || clog "$bin not found or not executable; skipping it until it appears"
      CRON_MISSING[$prog]=1
      continue
    fi
    unset "CRON_MISSING[$prog]"
    if [[ -n ${CRON_JOB[$prog]:-} ]] && kill -0 "${CRON_JOB[$prog]}" 2>/dev/null; then
      clog "previous $prog still running; starting another one, as cron would"
    fi
    cron_job "$prog" "$bin" &
    CRON_JOB[$prog]=$!
  done
}

# cron_term_jobs: TERM everything in our process group except this shell and
# its own subshells (same command line): the programs and their children.
# Their output still drains through cron_prefix, which ends on EOF.
cron_term_jobs() {
  local self m
  self=$(cmdline_of $$)
  for m in $(group_members $$); do
    [[ $m != "$$" && $(cmdline_of "$m") != "$self" ]] && kill -s TERM "$m" 2>/dev/null
  done
  return 0
}

cron_loop() {
  check_cron_period
  # A daemon loop: no exit on a failed command.
  set +e +o pipefail
  CRON_STOP=0
  trap 'CRON_STOP=1' TERM INT
  local start=$SECONDS n=0 next
  clog "scheduler started (pid $$): every ${CRON_PERIOD}s ${CRON_PROGS[*]} from $CRON_DIR, config $CONF"
  while ((!CRON_STOP)); do
    cron_round
    ((n += 1))
    next=$((start + n * CRON_PERIOD))
    if ((next <= SECONDS)); then # rounds missed (suspend, clock): skip them, like cron
      n=$(((SECONDS - start) / CRON_PERIOD + 1))
      next=$((start + n * CRON_PERIOD))
    fi
    # One-second naps, so a TERM is acted on within a second whenever it comes.
    while ((!CRON_STOP && SECONDS < next)); do
      sleep 1 &
      wait $!
    done
  done
  clog "stopping: terminating running jobs"
  cron_term_jobs
  wait
  clog "scheduler stopped"
}

# ----------------------------------------------------------------- janus ---

JANUS_LIB=${MRB_JANUS_LIB:-}
find_janus_lib() {
  if [[ -z $JANUS_LIB ]]; then
    local d
    for d in /usr/lib/*/janus /usr/lib/janus; do
      [[ -d $d/plugins ]] && { JANUS_LIB=$d; break; }
    done
  fi
  [[ -n $JANUS_LIB && -d $JANUS_LIB/plugins ]] || die "Janus modules not found (set MRB_JANUS_LIB)"
}

jstr() { # quote a string for a Janus .jcfg (libconfig) file
  local v=${1//\\/\\\\}
  printf '"%s"' "${v//\"/\\\"}"
}

# disable_list DIR KEEP: comma list of the *.so in DIR except KEEP, so that
# modules added by a later package version stay off too.
disable_list() {
  local f out=()
  for f in "$1"/*.so; do
    [[ -e $f ]] || continue
    f=${f##*/}
    [[ $f == "$2" ]] || out+=("$f")
  done
  local IFS=,
  printf '%s' "${out[*]}"
}

server_index() { # index of NAME among the [server] sections
  local i
  for i in "${!SERVERS[@]}"; do
    [[ ${SERVERS[$i]} == "$1" ]] && { echo "$i"; return 0; }
  done
  die "no [server $1] section in $CONF (have: ${SERVERS[*]:-none})"
}

# janus_settings NAME: sets J_PORT J_PATH J_ADMIN_PORT J_ADMIN_PATH
# J_ADMIN_SECRET J_TOKEN_SECRET J_INDEX.
janus_settings() {
  local name=$1
  J_INDEX=$(server_index "$name")
  parse_url "$(ini_req "$CONF" "server $name" public_url)" "[server $name] public_url"
  J_PORT=$URL_PORT J_PATH=$URL_PATH
  parse_url "$(ini_req "$CONF" "server $name" admin_url)" "[server $name] admin_url"
  J_ADMIN_PORT=$URL_PORT J_ADMIN_PATH=$URL_PATH
  J_ADMIN_SECRET=$(ini_req "$CONF" "server $name" admin_secret)
  J_TOKEN_SECRET=$(ini_req "$CONF" "server $name" token_secret)
}

gen_janus_conf() {
  local name=$1 dir=$RUN/janus/$1 rtp_lo rtp_hi d
  rtp_lo=$((20000 + 1000 * J_INDEX))
  rtp_hi=$((rtp_lo + 999))
  # Only our four files: Janus reads module configs from -F.
  rm -rf "$dir"
  mkdir -p "$dir"
  local head="# Generated by scripts/stack.sh for dev server $name; rewritten on every start."
  cat >"$dir/janus.jcfg" <<EOF
$head
general: {
	server_name = $(jstr "$name")
	configs_folder = $(jstr "$dir")
	plugins_folder = $(jstr "$JANUS_LIB/plugins")
	transports_folder = $(jstr "$JANUS_LIB/transports")
	events_folder = $(jstr "$JANUS_LIB/events")
	loggers_folder = $(jstr "$JANUS_LIB/loggers")
	debug_level = 4
	debug_timestamps = true
	admin_secret = $(jstr "$J_ADMIN_SECRET")
	token_auth = true
	token_auth_secret = $(jstr "$J_TOKEN_SECRET")
}
media: {
	rtp_port_range = "$rtp_lo-$rtp_hi"
}
nat: {
	nice_debug = false
}
plugins: {
	disable = $(jstr "$(disable_list "$JANUS_LIB/plugins" libjanus_audiobridge.so)")
}
transports: {
	disable = $(jstr "$(disable_list "$JANUS_LIB/transports" libjanus_http.so)")
}
loggers: {
	disable = $(jstr "$(disable_list "$JANUS_LIB/loggers" "")")
}
events: {
	broadcast = true
	disable = $(jstr "$(disable_list "$JANUS_LIB/events" libjanus_sampleevh.so)")
}
EOF
  cat >"$dir/janus.transport.http.jcfg" <<EOF
$head
general: {
	http = true
	https = false
	ip = "127.0.0.1"
	port = $J_PORT
	base_path = $(jstr "$J_PATH")
	events = false
}
admin: {
	admin_http = true
	admin_https = false
	admin_ip = "127.0.0.1"
	admin_port = $J_ADMIN_PORT
	admin_base_path = $(jstr "$J_ADMIN_PATH")
}
EOF
  # No rooms here: the broker creates them over the admin API.
  cat >"$dir/janus.plugin.audiobridge.jcfg" <<EOF
$head
general: {
	string_ids = true
	admin_key = $(jstr "$JANUS_ADMIN_KEY")
}
EOF
  cat >"$dir/janus.eventhandler.sampleevh.jcfg" <<EOF
$head
general: {
	enabled = true
	events = "sessions,handles,plugins,core"
	grouping = true
	json = "plain"
	backend = $(jstr "http://127.0.0.1:$HTTP_PORT/mrb/event-webhook")
	backend_user = $(jstr "$WEBHOOK_USER")
	backend_pwd = $(jstr "$WEBHOOK_PASS")
}
EOF
  chmod 600 "$dir"/*.jcfg
}

janus_info_ok() { # janus_info_ok PORT PATH
  curl -s -m 2 "http://127.0.0.1:$1$2/info" | grep -q '"janus": *"server_info"'
}

start_janus() {
  local name=$1 pid dir=$RUN/janus/$1
  if pid=$(running_pid "$name"); then
    log "$name already running (pid $pid)"
    return 0
  fi
  find_janus_lib
  janus_settings "$name"
  require_free "$name" tcp "$J_PORT"
  require_free "$name" tcp "$J_ADMIN_PORT"
  gen_janus_conf "$name"
  log "starting $name (http 127.0.0.1:$J_PORT$J_PATH, admin 127.0.0.1:$J_ADMIN_PORT$J_ADMIN_PATH)"
  # -o: no colour codes in the log; -e: event handlers on. Secrets are in
  # janus.jcfg, not on the command line.
  spawn "$name" janus -F "$dir" -C "$dir/janus.jcfg" -o -e
  wait_ready "$name" "$SPAWNED_PID" janus_info_ok "$J_PORT" "$J_PATH"
}

# Janus instances to stop/show: configured ones plus any started earlier
# under another config (their dirs remain in run/janus/).
known_janus() {
  local d
  {
    printf '%s\n' "${SERVERS[@]}"
    for d in "$RUN"/janus/*/; do
      [[ -d $d ]] && basename "$d"
    done
  } | awk 'NF && !seen[$0]++'
}

# ---------------------------------------------------------------- stop ---

# FastCGI programs that outlived their lighttpd (it stops them on a normal
# shutdown, not when it is SIGKILLed). Matched by exact executable path.
kill_fcgi_leftovers() {
  local p exe pid pids=()
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    [[ $exe == "$ROOT/cgi-bin/"* || $exe == "$ROOT/bench/ceiling" ]] && pids+=("${p#/proc/}")
  done
  ((${#pids[@]})) || return 0
  warn "stopping leftover FastCGI processes: ${pids[*]}"
  kill -s TERM "${pids[@]}" 2>/dev/null || true
  for pid in "${pids[@]}"; do
    if ! wait_gone "$pid" "$(cat "/proc/$pid/comm" 2>/dev/null || echo -)" 5; then
      kill -s KILL "$pid" 2>/dev/null || true
    fi
  done
}

cmd_down() {
  local name
  # The scheduler first: its jobs talk to the database and the media servers.
  stop_cron
  while IFS= read -r name; do
    [[ -n $name ]] && stop_service "$name"
  done < <(known_janus)
  stop_service lighttpd
  kill_fcgi_leftovers
  stop_service coturn
  stop_service node-exporter
  stop_service mariadb TERM "$DB_STOP_TIMEOUT"
  log "down"
}

# ------------------------------------------------------------------ up ---

print_session() {
  local q_conf q_ctl
  q_conf=$(printf '%q' "$CONF")
  q_ctl=$(printf '%q' "$ROOT/tools/mrbctl")
  cat <<EOF

MRB dev stack is up: http://127.0.0.1:$HTTP_PORT/mrb/  (logs: $LOG, stop: $ROOT/scripts/stack.sh down)
Demo page: http://127.0.0.1:$HTTP_PORT/  (paste the token below to create a room, then join and talk)
Try it:

TOKEN=\$(MRB_CONFIG=$q_conf $q_ctl token host --sub alice)
curl -s -X POST http://127.0.0.1:$HTTP_PORT/mrb/create-room -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' -d '{"roomNm":"Career chat","roomKey":"123456"}'
curl -s -X POST http://127.0.0.1:$HTTP_PORT/mrb/join-room -H 'Content-Type: application/json' -d '{"roomId":"<roomId from above>","roomKey":"123456","display":"guest"}'

EOF
}

cmd_up() {
  local name
  mkdir -p "$RUN" "$LOG"
  start_mariadb
  migrate_db
  sync_servers
  start_lighttpd
  start_coturn
  start_node_exporter
  # Janus after the webhook: its "started" core event must find it listening.
  ((${#SERVERS[@]})) || warn "no [server NAME] sections in $CONF: no Janus started"
  for name in "${SERVERS[@]}"; do
    start_janus "$name"
  done
  # The scheduler last: its jobs poll the media servers.
  start_cron
}

cmd_status() {
  local name pid
  {
    echo mariadb
    echo lighttpd
    echo coturn
    echo node-exporter
    known_janus
    echo cron
  } | while IFS= read -r name; do
    if pid=$(running_pid "$name"); then
      printf '%-14s running  pid %s\n' "$name" "$pid"
    else
      printf '%-14s stopped\n' "$name"
    fi
  done
}

cmd_run() {
  cmd_up
  print_session
  log "running in the foreground; Ctrl-C stops the stack"
  local sleeper=
  # shellcheck disable=SC2317 # invoked via trap
  on_signal() {
    trap - INT TERM
    [[ -n $sleeper ]] && kill "$sleeper" 2>/dev/null
    echo
    cmd_down
    exit 0
  }
  trap on_signal INT TERM
  while true; do
    # sleep in the background so the trap runs as soon as a signal arrives.
    sleep 3600 &
    sleeper=$!
    wait "$sleeper" || true
  done
}

# ---------------------------------------------------------------- main ---

usage() {
  sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" >&2
  exit 2
}

main() {
  local cmd=${1:-}
  [[ -n $cmd ]] || usage
  shift
  load_config
  mkdir -p "$RUN" "$LOG"
  case $cmd in
    up)
      (($# == 0)) || usage
      cmd_up
      print_session
      ;;
    down) cmd_down ;;
    run) cmd_run ;;
    status) cmd_status ;;
    lighttpd-restart)
      (($# == 0)) || usage
      stop_service lighttpd
      start_lighttpd
      ;;
    janus-start)
      (($# == 1)) || usage
      server_index "$1" >/dev/null
      start_janus "$1"
      ;;
    janus-stop)
      (($# >= 1 && $# <= 2)) || usage
      local sig=${2:-TERM}
      sig=${sig#SIG}
      [[ $sig =~ ^(TERM|KILL|INT|QUIT)$ ]] || die "janus-stop: signal must be TERM, KILL, INT or QUIT"
      [[ $1 =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad server name: $1"
      stop_service "$1" "$sig"
      ;;
    cron-start)
      (($# == 0)) || usage
      start_cron
      ;;
    cron-stop)
      (($# == 0)) || usage
      stop_cron
      ;;
    cron-loop) # internal: the scheduler process started by start_cron
      (($# == 0)) || usage
      cron_loop
      # Exit here, not at the end of the file: bash reads a script as it runs
      # it, and this process lives long enough to see the file being edited.
      exit 0
      ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}

main "$@"
