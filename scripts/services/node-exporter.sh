# shellcheck shell=bash
# The dev stack's node-exporter: sourced by scripts/stack.sh, which provides the
# config (load_config) and the helpers of scripts/proc.sh.

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
  # Only the collectors MRB reads: CPU, memory, socket counts and the
  # network devices' transmitted bytes (the score's network term). Debian's
  # exporter leaves lo out by default; the dev servers' media goes over lo
  # ([server NAME] net_devices = lo in conf/mrb.dev.conf), so exclude nothing.
  spawn node-exporter prometheus-node-exporter \
    --web.listen-address="127.0.0.1:$NODE_EXPORTER_PORT" \
    --collector.disable-defaults --collector.cpu --collector.meminfo --collector.sockstat \
    --collector.netdev --collector.netdev.device-exclude=
  wait_ready node-exporter "$SPAWNED_PID" node_exporter_ready
}
