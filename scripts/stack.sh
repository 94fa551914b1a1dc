#!/usr/bin/env bash
# MRB private dev stack: MariaDB, lighttpd (FastCGI programs from cgi-bin/),
# coturn, a Prometheus node exporter, one Janus per [server NAME] section and
# a cron-like scheduler for cron/mrb-health and cron/mrb-expire, all under
# run/ and bound to 127.0.0.1 only. Touches no system service.
#
# Usage: scripts/stack.sh up | down | run | status
#        scripts/stack.sh reset   (down, then forget the dev database, spool and
#                                  recordings: the next up starts clean)
#        scripts/stack.sh janus-start NAME
#        scripts/stack.sh janus-stop NAME [SIGNAL]     (SIGNAL: TERM default, KILL, INT)
#        scripts/stack.sh lighttpd-restart   (after rebuilding cgi-bin/: running
#                                             FastCGI processes keep the old binary)
#        scripts/stack.sh cron-stop | cron-start   (stop/start the scheduler; stop
#                                             also ends the jobs it started, so
#                                             tests can run the cron programs by hand)
#        scripts/stack.sh notify-stop [KILL|TERM] | notify-start   (the event sender,
#                                             cron/mrb-notify, for its tests)
#        scripts/stack.sh cluster-up | cluster-down   (make cluster: a fresh 3-node
#                                             Galera cluster on 4307/4317/4327 and two
#                                             web nodes, 8080 (nodes 1,2,3) and 8081
#                                             (nodes 2,3,1), instead of the one MariaDB)
#        scripts/stack.sh galera-stop N [SIGNAL] | galera-start N   (N = 1, 2, 3)
#
# Environment: MRB_CONFIG (default conf/mrb.dev.conf), MRB_RUN_DIR (run/), MRB_HTTP_PORT (8080),
# MRB_TURN_PORT (3478), MRB_TURN_TLS_PORT (5349), MRB_TURN_IP (127.0.0.1), MRB_NODE_EXPORTER_PORT (9100), MRB_WAIT_TIMEOUT
# (seconds, 30), MRB_JANUS_LIB, MRB_CRON_PERIOD (seconds between scheduler
# rounds, 60), MRB_CRON_DIR (where mrb-health and mrb-expire are, cron/).
#
# Layout: this file (config and commands), scripts/services/<service>.sh (how
# each service starts), scripts/proc.sh (process helpers), scripts/cron-loop.sh
# (the scheduler), scripts/conf.sh (config lookups through mrbctl). The
# services' configs come from templates under conf/ (lighttpd.dev.conf.in,
# janus/*.jcfg.in, coturn/turnserver.dev.conf.in).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=${MRB_RUN_DIR:-$ROOT/run}
LOG=$RUN/log
# shellcheck source=scripts/conf.sh
. "$ROOT/scripts/conf.sh"
# shellcheck source=scripts/proc.sh
. "$ROOT/scripts/proc.sh"
# One file per service: start_NAME (and what it needs) in scripts/services/.
for stack_part in "$ROOT"/scripts/services/*.sh; do
  # shellcheck source=/dev/null
  . "$stack_part"
done
unset stack_part

HTTP_PORT=${MRB_HTTP_PORT:-8080}
TURN_PORT=${MRB_TURN_PORT:-3478}
# coturn's listening and relay address: loopback, or a test host of the
# browser test's network namespace (Janus gathers no loopback candidates)
TURN_IP=${MRB_TURN_IP:-127.0.0.1}
TURN_TLS_PORT=${MRB_TURN_TLS_PORT:-5349}
NODE_EXPORTER_PORT=${MRB_NODE_EXPORTER_PORT:-9100}
CRON_PERIOD=${MRB_CRON_PERIOD:-60}
CRON_DIR=${MRB_CRON_DIR:-$ROOT/cron}
TIMEOUT=${MRB_WAIT_TIMEOUT:-30}
STOP_TIMEOUT=10
DB_STOP_TIMEOUT=60 # InnoDB flushes on shutdown; give it time to exit cleanly
# A Galera node restarted after a crash runs galera_recovery, then catches up
# by IST: 32 s was seen once on a loaded CI machine, past the 30 s above.
GALERA_READY_TIMEOUT=${MRB_GALERA_WAIT_TIMEOUT:-120}
CONF_IN=${MRB_CONFIG:-$ROOT/conf/mrb.dev.conf}
# The dev stack keeps every program's routine lines in its log files under
# run/ (production sends them to syslog or the journal: lib/log.c).
export MRB_LOG_INFO=${MRB_LOG_INFO:-stderr}

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
  DB_HOST=$(conf_req "$CONF" db host)
  DB_PORT=$(conf_req "$CONF" db port)
  DB_USER=$(conf_req "$CONF" db user)
  DB_PASS=$(conf_get "$CONF" db password || true)
  DB_NAME=$(conf_req "$CONF" db database)
  TURN_SECRET=$(conf_req "$CONF" turn secret)
  TURN_REALM=$(conf_req "$CONF" turn realm)
  JANUS_ADMIN_KEY=$(conf_req "$CONF" janus admin_key)
  local names name
  names=$(conf_servers "$CONF")
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
    mariadb | galera-*) echo mariadbd ;;
    lighttpd) echo lighttpd ;;
    coturn) echo turnserver ;;
    node-exporter) echo prometheus-node ;; # comm is cut to 15 characters
    cron) echo bash ;;
    notify) echo mrb-notify ;;
    *) echo janus ;;
  esac
}
log_of() {
  case $1 in
    lighttpd) echo "$LOG/lighttpd-error.log" ;;
    galera-*) echo "$(galera_dir "${1#galera-}")/error.log" ;;
    *) echo "$LOG/$1.log" ;;
  esac
}

# is_ours NAME PID: the process was started by this stack. Most services name
# a file under $RUN/ on their command line; the node exporter and the cron
# loop don't, but spawn starts everything with cwd $RUN.
is_ours() {
  case $1 in
    node-exporter | notify) [[ /proc/$2/cwd -ef $RUN ]] ;;
    cron)
      [[ /proc/$2/cwd -ef $RUN ]] \
        && cmdline_of "$2" | grep -qF -- "$ROOT/scripts/cron-loop.sh"
      ;;
    galera-*) cmdline_of "$2" | grep -qF -- "$(galera_dir "${1#galera-}")/" ;;
    *) cmdline_of "$2" | grep -qF -- "$RUN/" ;;
  esac
}

# ---------------------------------------------------------------- stop ---

# FastCGI programs that outlived their lighttpd (it stops them on a normal
# shutdown, not when it is SIGKILLed). Matched by exact executable path,
# and only when no lighttpd is their parent (the cluster's other web node
# runs the same programs).
kill_fcgi_leftovers() {
  local p exe pid pids=() stat ppid
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    [[ $exe == "$ROOT/cgi-bin/"* || $exe == "$ROOT/bench/ceiling" || $exe == "$RUN/bench-cgi/"* ]] || continue
    stat=$(cat "$p/stat" 2>/dev/null) || continue
    read -r _ ppid _ <<<"${stat##*) }"
    [[ $(cat "/proc/$ppid/comm" 2>/dev/null) == lighttpd ]] && continue
    pids+=("${p#/proc/}")
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
  local name n
  # A cluster's second web node first, if one runs (make cluster).
  [[ -d $RUN/web2 && -f $RUN/mrb.cluster-2.conf && -z ${MRB_RUN_DIR:-} ]] && web2 web-down
  # The scheduler first: its jobs talk to the database and the media servers.
  stop_cron
  stop_service notify
  while IFS= read -r name; do
    [[ -n $name ]] && stop_service "$name"
  done < <(known_janus)
  stop_service lighttpd
  kill_fcgi_leftovers
  stop_service coturn
  stop_service node-exporter
  stop_service mariadb TERM "$DB_STOP_TIMEOUT"
  for n in "${GALERA_NODES[@]}"; do
    [[ -d $(galera_dir "$n") ]] && stop_galera "$n"
  done
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
  start_notify
  leftover_hint
}

# After the tests (or a long session) the dev database still holds their
# rooms; mrb-health then moves those that lived on a restarted Janus. Say
# so once, with the way to start clean.
leftover_hint() {
  local n
  n=$(echo "SELECT COUNT(*) FROM \`$DB_NAME\`.rooms WHERE ended_at IS NULL" | db_root 2>/dev/null | tail -n 1) || return 0
  [[ $n =~ ^[0-9]+$ ]] && ((n > 0)) || return 0
  log "$n live room(s) from an earlier run are still in the dev database (make reset starts clean)"
}

# reset: the stack down, then its data gone (database, spool, recordings,
# logs); certificates and built binaries stay.
cmd_reset() {
  cmd_down
  rm -rf "$RUN/mariadb" "$RUN/spool" "$RUN/recordings" "$LOG"
  log "reset: the dev database, spool and recordings are gone; make up starts clean"
}

# ---------------------------------------------------------------- cluster ---
# make cluster: the same stack over a 3-node Galera cluster, with a second
# web node. Web node 1 is this stack with run/mrb.cluster-1.conf (nodes in
# the order 1,2,3); web node 2 is lighttpd on 8081 and its own scheduler,
# under run/web2/, with run/mrb.cluster-2.conf (order 2,3,1). Both configs
# are conf/mrb.dev.conf plus [db] hosts. The media servers post their
# events to web node 1 only: Janus's sample event handler takes one URL, and
# production puts the load balancer that fronts every web node there.

WEB2_PORT=${MRB_WEB2_PORT:-8081}

# cluster_conf OUT FIRST SECOND THIRD: CONF with [db] hosts in that order.
cluster_conf() {
  local out=$1 hosts
  hosts="127.0.0.1:$(galera_port "$2"), 127.0.0.1:$(galera_port "$3"), 127.0.0.1:$(galera_port "$4")"
  awk -v hosts="$hosts" -v port="$(galera_port "$2")" '
    /^\[/ { sec = $0 }
    sec == "[db]" && /^port[ \t]*=/ { print "port = " port; next }
    { print }
    $0 == "[db]" { print "hosts = " hosts }
  ' "$CONF" >"$out.new"
  chmod 0640 "$out.new"
  getent group www-data >/dev/null && chgrp www-data "$out.new"
  mv "$out.new" "$out"
}

web2() { # web2 CMD: this script as web node 2
  MRB_RUN_DIR=$RUN/web2 MRB_HTTP_PORT=$WEB2_PORT MRB_CONFIG=$RUN/mrb.cluster-2.conf "$BASH" "${BASH_SOURCE[0]}" "$@"
}

cmd_cluster_up() {
  local n name
  running_pid mariadb >/dev/null && die "the single-node stack is up: scripts/stack.sh down first"
  for n in "${GALERA_NODES[@]}"; do
    start_galera "$n" new
  done
  galera_db_setup
  cluster_conf "$RUN/mrb.cluster-1.conf" 1 2 3
  cluster_conf "$RUN/mrb.cluster-2.conf" 2 3 1
  CONF_IN=$RUN/mrb.cluster-1.conf
  load_config
  migrate_db
  sync_servers
  start_lighttpd
  start_coturn
  start_node_exporter
  for name in "${SERVERS[@]}"; do
    start_janus "$name"
  done
  start_cron
  start_notify
  web2 web-up
  log "cluster up: web nodes http://127.0.0.1:$HTTP_PORT/mrb/ and http://127.0.0.1:$WEB2_PORT/mrb/, Galera nodes 127.0.0.1:4307, 4317, 4327"
}

cmd_cluster_down() {
  local n
  cmd_down
  # A fresh cluster each time: a restarted cluster would have to be
  # bootstrapped from its most advanced node, which is not a dev chore.
  for n in "${GALERA_NODES[@]}"; do
    rm -rf "$(galera_dir "$n")"
  done
  rmdir "$GALERA_BASE" 2>/dev/null || true
  rm -rf "$RUN"/mrb.cluster-*.conf "$RUN/web2"
}

cmd_status() {
  local name pid
  {
    for name in "${GALERA_NODES[@]}"; do [[ -d $(galera_dir "$name") ]] && echo "galera-$name"; done
    echo mariadb
    echo lighttpd
    echo coturn
    echo node-exporter
    known_janus
    echo cron
    echo notify
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
    reset) cmd_reset ;;
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
    notify-start)
      (($# == 0)) || usage
      start_notify
      ;;
    notify-stop) # notify-stop [KILL|TERM]
      (($# <= 1)) || usage
      local nsig=${1:-TERM}
      nsig=${nsig#SIG}
      [[ $nsig =~ ^(TERM|KILL)$ ]] || die "notify-stop: signal must be TERM or KILL"
      stop_service notify "$nsig"
      ;;
    cron-stop)
      (($# == 0)) || usage
      stop_cron
      ;;
    cluster-up)
      (($# == 0)) || usage
      cmd_cluster_up
      ;;
    cluster-down) cmd_cluster_down ;;
    galera-start)
      (($# == 1)) && [[ $1 =~ ^[123]$ ]] || usage
      start_galera "$1"
      ;;
    galera-stop)
      (($# >= 1 && $# <= 2)) && [[ $1 =~ ^[123]$ ]] || usage
      local gsig=${2:-TERM}
      gsig=${gsig#SIG}
      [[ $gsig =~ ^(TERM|KILL)$ ]] || die "galera-stop: signal must be TERM or KILL"
      stop_galera "$1" "$gsig"
      ;;
    galera-dir) # galera-dir N: where node N keeps its data, config and error log
      (($# == 1)) && [[ $1 =~ ^[123]$ ]] || usage
      galera_dir "$1"
      ;;
    web-up) # internal: web node 2 of the cluster (lighttpd, scheduler and sender only)
      start_lighttpd
      start_cron
      start_notify
      ;;
    web-down) # internal
      stop_cron
      stop_service notify
      stop_service lighttpd
      ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}

main "$@"
