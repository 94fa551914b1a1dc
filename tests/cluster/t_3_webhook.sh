#!/usr/bin/env bash
# The webhook on the cluster: a batch posted while web node 1's database
# node is dead is applied through the next node, not spooled; a batch posted
# while all three nodes are down is spooled, and applied once they are back.
. "$(dirname "$0")/lib.sh"

CRED=$(hook_cred janus-a)
SPOOL=$ROOT/run/spool
base=$((9100000000 + $(date +%s) % 100000 * 1000))
batch() { # batch SESSION_ID: one "created" session event from janus-a
  printf '[{"emitter":"janus-a","type":1,"timestamp":%s,"session_id":%s,"event":{"name":"created"}}]' "$(date +%s%N)" "$1"
}
hook() { curl -s -o /dev/null -w '%{http_code}' -u "$CRED" -H 'Content-Type: application/json' -X POST "$BASE1/event-webhook" --data-binary "$1"; }
spooled() { ls "$SPOOL"/*.batch 2>/dev/null | wc -l; }
has_session() { [ "$(node_sql "$1" "SELECT COUNT(*) FROM server_sessions WHERE server_id = 'janus-a' AND session_id = $2")" = 1 ]; }

# --- node 1 (web node 1's first choice) killed ------------------------------
check_cluster "the cluster is whole before the kill" wait_for 60 cluster_whole
"$ROOT/scripts/stack.sh" galera-stop 1 KILL >/dev/null
t0=$(date +%s%N)
eq "batch to web node 1 with its database node dead -> 200" "$(hook "$(batch $((base + 1)))")" 200
echo "       (answered in $(( ($(date +%s%N) - t0) / 1000000 )) ms)"
eq "...not spooled" "$(spooled)" 0
check "...applied: the session is on node 2" has_session 2 $((base + 1))
check "...and on node 3" has_session 3 $((base + 1))
check_cluster "...nodes 2 and 3 go on as the primary component" wait_for 20 survivors_primary 2 3
t0=$SECONDS
"$ROOT/scripts/stack.sh" galera-start 1 >/dev/null || not_ok "node 1 restarts"
echo "       (node 1 back and synced in $((SECONDS - t0)) s)"
check "node 1 rejoined by IST, not a full copy" grep -q "IST received" "$("$ROOT/scripts/stack.sh" galera-dir 1)/error.log"
check "...and has the batch applied while it was dead" has_session 1 $((base + 1))

# --- all three down (clean stops: the last one may bootstrap again) ---------
for n in 1 2 3; do "$ROOT/scripts/stack.sh" galera-stop "$n" >/dev/null; done
eq "batch with every database node down -> 200" "$(hook "$(batch $((base + 2)))")" 200
eq "...spooled" "$(spooled)" 1
t0=$SECONDS
for n in 3 1 2; do "$ROOT/scripts/stack.sh" galera-start "$n" >/dev/null || not_ok "node $n restarts"; done
echo "       (cluster back in $((SECONDS - t0)) s: node 3 bootstrapped it, the last to stop)"
eq "the next batch -> 200" "$(hook "$(batch $((base + 3)))")" 200
check "the spooled batch was replayed first" has_session 1 $((base + 2))
check "...and the new one applied" has_session 1 $((base + 3))
eq "spool emptied" "$(spooled)" 0
for n in 1 2 3; do
  sock=$("$ROOT/scripts/stack.sh" galera-dir "$n")/mysqld.sock
  check "node $n synced" wait_for 30 bash -c "[ \"\$(mariadb --no-defaults --socket=$sock -uroot -N -e \"SHOW STATUS LIKE 'wsrep_local_state'\" | cut -f2)\" = 4 ]"
done
finish
