# shellcheck shell=bash
# The dev stack's cron: sourced by scripts/stack.sh, which provides the
# config (load_config) and the helpers of scripts/proc.sh.

# scripts/cron-loop.sh stands in for cron(8); see there. It leads its own
# process group, and every job it starts stays in it: stop_cron waits for
# the whole group.

CRON_PROGS=(mrb-health mrb-expire)

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
    "$BASH" "$ROOT/scripts/cron-loop.sh"
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
