#!/usr/bin/env bash
# The health lease across web nodes: both web nodes' schedulers have run
# mrb-health every minute since the cluster came up. The holder intervals
# they logged never overlap. Then the holder's database node is killed: the
# lease is held again, by a run that renewed it after the kill, within the
# lease's length + 5 s.
. "$(dirname "$0")/lib.sh"

TTL=$(( $(conf_get "$CONF" health interval) * 3 + $(conf_get "$CONF" health timeout_ms) / 1000 + 1 ))
LOGS=("$ROOT/run/log/cron.log" "$ROOT/run/web2/log/cron.log")

# intervals: "start end holder" (epoch seconds) from both logs; a holder
# still holding has end 9999999999.
SINCE=${CLUSTER_SINCE:-0000}   # tests/cluster/run.sh: when this cluster came up
intervals() {
  awk -v since="$SINCE" '
    $1 " " $2 < since { next }
    / mrb-health: took the lease as / { cmd = "date -d \"" $1 " " $2 "\" +%s"; cmd | getline t; close(cmd); start[$NF] = t; next }
    / mrb-health: (warning: )?(released|lost) the lease as / {   # a loss is logged as a warning
      h = $0; sub(/.* the lease as /, "", h); sub(/ .*/, "", h)
      cmd = "date -d \"" $1 " " $2 "\" +%s"; cmd | getline t; close(cmd)
      if (h in start) { print start[h], t, h; delete start[h] }
    }
    END { for (h in start) print start[h], 9999999999, h }
  ' "${LOGS[@]}" | sort -n
}
# overlaps: pairs of intervals where one starts before the previous ends
overlaps() { intervals | awk 'NR > 1 && $1 < end { n++; print "       overlap: " prev " / " $0 > "/dev/stderr" } { if ($2 > end) end = $2; prev = $0 } END { print n + 0 }'; }

span=$(intervals | awk -v now="$(date +%s)" 'NR == 1 { s = $1 } { e = ($2 == 9999999999 ? now : $2) } END { print e - s }')
n=$(intervals | wc -l)
echo "       ($n holder intervals over $span s, from both web nodes: $(grep -c 'took the lease' "${LOGS[0]}") and $(grep -c 'took the lease' "${LOGS[1]}") takes)"
check "the schedulers of both web nodes ran mrb-health for at least 2 minutes" test "$span" -ge 120
check "both web nodes held the lease at some point, or stood by" grep -q "the lease" "${LOGS[1]}"
eq "holder intervals never overlap" "$(overlaps)" 0

# kill the holder's database node
wait_for 30 bash -c "[ -n \"\$(mariadb --defaults-extra-file=$TMP/my.cnf -N -e \"SELECT holder FROM leases WHERE name='health' AND expires_at > UNIX_TIMESTAMP()\" 2>/dev/null)\" ]"
holder=$(sql "SELECT holder FROM leases WHERE name = 'health' AND expires_at > UNIX_TIMESTAMP()")
client=${holder%:*}
node=$(sql "SELECT node FROM db_clients WHERE program = 'mrb-health' AND client = '$client'")
victim=$(( (${node##*:} - 4297) / 10 ))
survivor=1; [ "$victim" = 1 ] && survivor=2
echo "       (holder $holder uses node $victim, $node)"
check_cluster "the cluster is whole before the kill" wait_for 60 cluster_whole
kill_t=$(date +%s)
"$ROOT/scripts/stack.sh" galera-stop "$victim" KILL >/dev/null
renewed() { [ "$(node_sql "$survivor" "SELECT COUNT(*) FROM leases WHERE name = 'health' AND expires_at - $TTL > $kill_t AND expires_at > UNIX_TIMESTAMP()")" = 1 ]; }
check "the lease is held again, renewed after the kill, within ${TTL} + 5 s" wait_for $((TTL + 5)) renewed
echo "       (after $(( $(date +%s) - kill_t )) s, by $(node_sql "$survivor" "SELECT holder FROM leases WHERE name = 'health'"))"
sleep 2
eq "holder intervals still never overlap" "$(overlaps)" 0
"$ROOT/scripts/stack.sh" galera-start "$victim" >/dev/null || not_ok "node $victim restarts"
finish
