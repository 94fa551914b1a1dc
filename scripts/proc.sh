# shellcheck shell=bash
# Process helpers for the dev stack's scripts (sourced by scripts/stack.sh
# and scripts/cron-loop.sh): liveness by /proc, waiting, detaching, ports,
# process groups, and filling config templates. Nothing here knows a
# service: the supervision functions at the end call the sourcing script's
# comm_of NAME (the process's command name), log_of NAME (its log file) and
# is_ours NAME PID, its log/warn/die, and use $RUN, $TIMEOUT, $STOP_TIMEOUT.

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

wait_gone() { # wait_gone PID COMM SECONDS
  local deadline=$((SECONDS + $3))
  while pid_alive "$1" "$2"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
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

# render TEMPLATE OUT NAME VALUE...: writes TEMPLATE to OUT with every
# @NAME@ replaced by VALUE, literally (no character of VALUE is special).
# Fails when a placeholder is left unfilled.
render() {
  local text out=$2
  text=$(<"$1")
  shift 2
  shopt -u patsub_replacement 2>/dev/null || true
  while (($# >= 2)); do
    text=${text//"@$1@"/"$2"}
    shift 2
  done
  if [[ $text =~ @[A-Z][A-Z_]*@ ]]; then
    echo "render: $out: placeholder ${BASH_REMATCH[0]} not filled" >&2
    return 1
  fi
  printf '%s\n' "$text" >"$out"
}

# --------------------------------------------------- service supervision ---

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
