#!/usr/bin/env bash
# Expiry at scale on the dev stack: N expired rooms (default 10,000) in
# MariaDB over both servers, of which REAL (default 1,000) also exist on the
# real Janus servers; one `cron/mrb-expire` run must clear them all. Every
# room costs one real Admin API destroy request (the rest answer 485, which
# counts as done). Why not 10,000 live Janus rooms: each AudioBridge room
# runs its own mixer thread, and 5,000 of them saturate this 2-core machine.
# Prints the run's wall time and rooms/s.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/e2e/lib.sh
N=${BENCH_ROOMS:-10000}
REAL=${BENCH_REAL_ROOMS:-1000}
sql_file() { sql "SELECT 1" >/dev/null; mariadb --defaults-extra-file="$TMP/my.cnf" <"$1" 2>&1 | tail -n 3; }
"$ROOT/scripts/stack.sh" up >/dev/null   # harmless when already up
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1 || true
sql "DELETE FROM rooms WHERE id LIKE 'bench-%'"   # leftovers of an interrupted run
# rooms: created in Janus with a secret, inserted with the same parameters
servers=(janus-a janus-b)
now=$(date +%s)
gen() { # gen SERVER FROM TO -> Admin API bodies, one per line, and SQL rows
  local s=$1 from=$2 to=$3 secret key
  secret=$(server_conf "$s" admin_secret); key=$(conf_get "$CONF" janus admin_key)
  for i in $(seq "$from" "$to"); do
    printf '{"janus":"message_plugin","transaction":"b%d","admin_secret":"%s","plugin":"janus.plugin.audiobridge","request":{"request":"create","room":"bench-%s-%d","secret":"s%d","pin":"1234","admin_key":"%s"}}\n' \
      "$i" "$secret" "$s" "$i" "$i" "$key"
  done
}
echo "creating $N rooms on ${servers[*]} ..."
t0=$(date +%s%N)
half=$((N / 2))
for s in "${servers[@]}"; do
  if [ "$s" = janus-a ]; then from=1; to=$half; else from=$((half + 1)); to=$N; fi
  url=$(server_conf "$s" admin_url)
  real_to=$((from + REAL / 2 - 1)); [ "$real_to" -gt "$to" ] && real_to=$to
  gen "$s" "$from" "$real_to" | xargs -P 16 -d '\n' -I{} curl -s -o /dev/null -X POST "$url" -d '{}'
  seq "$from" "$to" | awk -v s="$s" -v now="$now" 'BEGIN{print "INSERT INTO rooms (id,name,room_key,secret,max_participants,created_by,server_id,server_boot,created_at,expires_at) VALUES"}
    {printf "%s(\"bench-%s-%d\",\"bench\",\"1234\",\"s%d\",2,\"bench\",\"%s\",0,%d,%d)", (NR>1?",":""), s, $1, $1, s, now, now-1} END{print ";"}' >"$TMP/rows.sql"
  sql_file "$TMP/rows.sql"
done
echo "setup took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
t1=$(date +%s%N)
"$ROOT/cron/mrb-expire" 2>"$TMP/expire.log"
ms=$(( ($(date +%s%N) - t1) / 1000000 ))
tail -n 1 "$TMP/expire.log"
left=$(sql "SELECT COUNT(*) FROM rooms WHERE id LIKE 'bench-%' AND ended_at IS NULL")
gone_a=$(janus_admin janus-a '{"request":"exists","room":"bench-janus-a-1"}' | jq -r .response.exists)
echo "RESULT rooms=$N wall_ms=$ms rooms_per_s=$(( N * 1000 / (ms > 0 ? ms : 1) )) left_unended=$left sample_still_in_janus=$gone_a"
echo "nproc=$(nproc) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') date=$(date -u +%F)"
sql "DELETE FROM rooms WHERE id LIKE 'bench-%'"
"$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1 || true
