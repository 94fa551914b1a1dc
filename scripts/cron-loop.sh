#!/usr/bin/env bash
# A bash loop standing in for cron(8) in the dev stack (scripts/stack.sh
# cron-start runs it detached; cron-stop TERMs it). Every MRB_CRON_PERIOD
# seconds (first round at once) it starts, in the background,
# "mrb-health -c CONF" (loops inside the minute; a DB lease keeps two from
# acting) and "mrb-expire -c CONF", from MRB_CRON_DIR. Their output goes to
# stdout (stack.sh sends it to run/log/cron.log), each line prefixed with a
# timestamp and the program name. The loop leads its own process group and
# every job it starts stays in it: on TERM it TERMs them and waits.
#
# Environment: MRB_CONFIG (required), MRB_CRON_PERIOD (60), MRB_CRON_DIR (cron/).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/proc.sh
. "$ROOT/scripts/proc.sh"

CONF=${MRB_CONFIG:?MRB_CONFIG must name the config}
CRON_PERIOD=${MRB_CRON_PERIOD:-60}
CRON_DIR=${MRB_CRON_DIR:-$ROOT/cron}
CRON_PROGS=(mrb-health mrb-expire)
[[ $CRON_PERIOD =~ ^[1-9][0-9]*$ ]] || { echo "cron-loop: MRB_CRON_PERIOD must be >= 1: $CRON_PERIOD" >&2; exit 2; }

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

cron_loop
