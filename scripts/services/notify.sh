# shellcheck shell=bash
# The dev stack's mrb-notify (events for the application): sourced by
# scripts/stack.sh, which provides the config (load_config) and the helpers
# of scripts/proc.sh. Started when the config names an endpoint ([notify]
# url, or an [endpoint NAME] section); the dev config names the test
# receiver's (tests/notify/receiver.mjs), which the tests start themselves:
# until then, deliveries are retried with backoff, as in production.

notify_configured() {
  grep -qE '^[[:space:]]*\[endpoint[[:space:]]' "$CONF" && return 0
  [[ -n $(conf_get "$CONF" notify url 2>/dev/null) ]]
}


start_notify() {
  local pid
  notify_configured || { log "mrb-notify: no endpoint in $CONF; not started"; return 0; }
  if pid=$(running_pid notify); then
    log "mrb-notify already running (pid $pid)"
    return 0
  fi
  [[ -x $ROOT/cron/mrb-notify ]] || die "cron/mrb-notify is not built (make all)"
  log "starting mrb-notify (log $(log_of notify))"
  spawn notify env MRB_CONFIG="$CONF" MRB_LOG_INFO=stderr "$ROOT/cron/mrb-notify"
  wait_ready notify "$SPAWNED_PID" running_pid notify
}
