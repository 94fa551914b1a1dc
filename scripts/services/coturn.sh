# shellcheck shell=bash
# The dev stack's coturn: sourced by scripts/stack.sh, which provides the
# config (load_config) and the helpers of scripts/proc.sh.

start_coturn() {
  local pid
  if pid=$(running_pid coturn); then
    log "coturn already running (pid $pid)"
    return 0
  fi
  require_free coturn udp "$TURN_PORT"
  require_free coturn tcp "$TURN_PORT"
  require_free coturn tcp "$TURN_TLS_PORT"
  mkdir -p "$RUN/coturn"
  # turns: needs a certificate; the dev stack's own, made once, self-signed.
  if [[ ! -s $RUN/coturn/cert.pem ]]; then
    (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
      -subj "/CN=$TURN_IP" -keyout "$RUN/coturn/key.pem" -out "$RUN/coturn/cert.pem" >/dev/null 2>&1) \
      || fail_service coturn "cannot make its TLS certificate (openssl)"
  fi
  log "starting coturn on $TURN_IP:$TURN_PORT (turns: on $TURN_TLS_PORT)"
  # The secret goes into a 0600 file, not onto the command line (ps).
  (umask 077 && render "$ROOT/conf/coturn/turnserver.dev.conf.in" "$RUN/coturn/turnserver.conf" \
    IP "$TURN_IP" PORT "$TURN_PORT" TLS_PORT "$TURN_TLS_PORT" SECRET "$TURN_SECRET" REALM "$TURN_REALM" RUN "$RUN" LOG "$LOG") \
    || fail_service coturn "cannot write its config"
  spawn coturn turnserver -c "$RUN/coturn/turnserver.conf"
  wait_ready coturn "$SPAWNED_PID" port_busy udp "$TURN_PORT"
}
