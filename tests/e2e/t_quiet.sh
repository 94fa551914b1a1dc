#!/usr/bin/env bash
# The cron jobs are quiet: run from cron (stderr a file, not a terminal, no
# journal), a healthy run writes nothing on stderr, so that "mail what a job
# writes" mails only problems. Routine lines go to syslog then; with
# MRB_LOG_INFO=stderr (the dev stack) they are on stderr, and under systemd
# (JOURNAL_STREAM) each carries the journal's level prefix.
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/stack.sh" cron-stop >/dev/null 2>&1
trap '"$ROOT/scripts/stack.sh" cron-start >/dev/null 2>&1; rm -rf "$TMP"' EXIT
sql "UPDATE leases SET holder = '', expires_at = 0 WHERE name = 'health'"

before=$(sql "SELECT COALESCE(MAX(polled_at), 0) FROM servers WHERE state = 'enabled'")
sleep 1
env -u MRB_LOG_INFO -u JOURNAL_STREAM "$ROOT/cron/mrb-health" --once 2>"$TMP/health.err" </dev/null; rc=$?
eq "mrb-health --once as cron runs it: exit 0" "$rc" 0
eq "...and nothing on stderr" "$(cat "$TMP/health.err")" ""
after=$(sql "SELECT COALESCE(MIN(polled_at), 0) FROM servers WHERE state = 'enabled'")
check "...although it took the lease and polled every enabled server" test "$after" -gt "$before"

MRB_LOG_INFO=stderr "$ROOT/cron/mrb-health" --once 2>"$TMP/health.info" </dev/null
match "MRB_LOG_INFO=stderr: the routine lines are on stderr" "$(cat "$TMP/health.info")" "^mrb-health: took the lease"
env -u MRB_LOG_INFO JOURNAL_STREAM=8:1234 "$ROOT/cron/mrb-health" --once 2>"$TMP/health.journal" </dev/null
match "under systemd: on stderr with the journal's info level" "$(cat "$TMP/health.journal")" "^<6>mrb-health: took the lease"

# mrb-expire ending a room: routine too
create_room '{"roomNm":"quiet expiry"}'
sql "UPDATE rooms SET expires_at = 1 WHERE id = '$ROOM'"
env -u MRB_LOG_INFO -u JOURNAL_STREAM "$ROOT/cron/mrb-expire" 2>"$TMP/expire.err" </dev/null; rc=$?
eq "mrb-expire ending a room as cron runs it: exit 0" "$rc" 0
eq "...and nothing on stderr" "$(cat "$TMP/expire.err")" ""
check "...although the room ended" test -n "$(sql "SELECT ended_at FROM rooms WHERE id = '$ROOM' AND ended_at IS NOT NULL")"

# a problem is still said: a config that cannot be read, on stderr
env -u MRB_LOG_INFO MRB_CONFIG="$TMP/none.conf" "$ROOT/cron/mrb-health" --once 2>"$TMP/bad.err" </dev/null; rc=$?
eq "a missing config: exit 1" "$rc" 1
match "...said on stderr, with how to choose another file" "$(cat "$TMP/bad.err")" "cannot open.*-c FILE or MRB_CONFIG"
finish
