# shellcheck shell=bash
# The dev stack's janus: sourced by scripts/stack.sh, which provides the
# config (load_config) and the helpers of scripts/proc.sh.

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

# disable_list DIR KEEP...: comma list of the *.so in DIR except the KEEP
# ones, so that modules added by a later package version stay off too.
disable_list() {
  local dir=$1 f k out=()
  shift
  for f in "$dir"/*.so; do
    [[ -e $f ]] || continue
    f=${f##*/}
    for k in "$@"; do [[ $f == "$k" ]] && continue 2; done
    out+=("$f")
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
  parse_url "$(conf_req "$CONF" "server $name" public_url)" "[server $name] public_url"
  J_PORT=$URL_PORT J_PATH=$URL_PATH
  parse_url "$(conf_req "$CONF" "server $name" admin_url)" "[server $name] admin_url"
  J_ADMIN_PORT=$URL_PORT J_ADMIN_PATH=$URL_PATH
  J_ADMIN_SECRET=$(conf_req "$CONF" "server $name" admin_secret)
  J_TOKEN_SECRET=$(conf_req "$CONF" "server $name" token_secret)
}

# gen_janus_conf NAME: run/janus/NAME/*.jcfg from the templates in
# conf/janus/ (which are also the operator's samples).
gen_janus_conf() {
  local name=$1 dir=$RUN/janus/$1 rtp_lo t
  rtp_lo=$((20000 + 1000 * J_INDEX))
  # Only our files: Janus reads module configs from -F.
  rm -rf "$dir"
  mkdir -p "$dir"
  for t in "$ROOT"/conf/janus/*.jcfg.in; do
    (umask 077 && render "$t" "$dir/$(basename "$t" .in)" \
      NAME "$(jstr "$name")" CONFIGS "$(jstr "$dir")" \
      PLUGINS_DIR "$(jstr "$JANUS_LIB/plugins")" TRANSPORTS_DIR "$(jstr "$JANUS_LIB/transports")" \
      EVENTS_DIR "$(jstr "$JANUS_LIB/events")" LOGGERS_DIR "$(jstr "$JANUS_LIB/loggers")" \
      ADMIN_SECRET "$(jstr "$J_ADMIN_SECRET")" TOKEN_SECRET "$(jstr "$J_TOKEN_SECRET")" \
      RTP_RANGE "\"$rtp_lo-$((rtp_lo + 999))\"" \
      DISABLE_PLUGINS "$(jstr "$(disable_list "$JANUS_LIB/plugins" libjanus_audiobridge.so libjanus_videoroom.so)")" \
      DISABLE_TRANSPORTS "$(jstr "$(disable_list "$JANUS_LIB/transports" libjanus_http.so)")" \
      DISABLE_LOGGERS "$(jstr "$(disable_list "$JANUS_LIB/loggers" "")")" \
      DISABLE_EVENTS "$(jstr "$(disable_list "$JANUS_LIB/events" libjanus_sampleevh.so)")" \
      PORT "$J_PORT" BASE_PATH "$(jstr "$J_PATH")" ADMIN_PORT "$J_ADMIN_PORT" ADMIN_PATH "$(jstr "$J_ADMIN_PATH")" \
      ADMIN_KEY "$(jstr "$JANUS_ADMIN_KEY")" WEBHOOK_URL "$(jstr "http://127.0.0.1:$HTTP_PORT/mrb/event-webhook")" \
      WEBHOOK_USER "$(jstr "$(conf_req "$CONF" "server $name" webhook_user)")" \
      WEBHOOK_PASS "$(jstr "$(conf_req "$CONF" "server $name" webhook_password)")") \
      || die "$name: cannot write $dir from $t"
  done
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
  local rec
  if rec=$(conf_get "$CONF" "server $name" record_dir) && [[ -n $rec ]]; then
    [[ $rec == /* ]] || rec=$(dirname "$CONF")/$rec # as the programs read it: beside the config
    mkdir -p "$rec" || die "$name: cannot create record_dir $rec"
  fi
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
