#!/usr/bin/env bash
# A config file holds secrets: every program refuses one that all users can
# read, with a clear message, unless --insecure-config (or, for FastCGI
# programs that get no arguments, MRB_INSECURE_CONFIG=1) says it is a dev box;
# and every program refuses the example's placeholder secrets.
. "$(dirname "$0")/lib.sh"

cp "$CONF" "$TMP/open.conf"; chmod 644 "$TMP/open.conf"
out=$("$MRBCTL" -c "$TMP/open.conf" status 2>&1); rc=$?
eq "mrbctl refuses a world-readable config -> exit 1" "$rc" 1
match "...saying why and how to fix it" "$out" "readable by every user \(mode 0644\).*chmod o-r"
out=$("$ROOT/cron/mrb-expire" -c "$TMP/open.conf" --once --dry-run 2>&1); rc=$?
check "mrb-expire refuses it too (exit $rc)" test "$rc" -ne 0
match "...with the same message" "$out" "readable by every user"
out=$("$ROOT/cron/mrb-expire" -c "$TMP/open.conf" --once --dry-run --insecure-config 2>&1); rc=$?
eq "mrb-expire --insecure-config accepts it" "$rc" 0
"$MRBCTL" --insecure-config -c "$TMP/open.conf" status >/dev/null 2>&1
eq "mrbctl --insecure-config accepts it" "$?" 0
MRB_INSECURE_CONFIG=1 "$MRBCTL" -c "$TMP/open.conf" status >/dev/null 2>&1
eq "MRB_INSECURE_CONFIG=1 (how FastCGI programs are told) accepts it" "$?" 0
out=$(printf '' | MRB_CONFIG="$TMP/open.conf" "$ROOT/cgi-bin/health" 2>&1); rc=$?
check "a FastCGI program refuses it at start-up (exit $rc)" test "$rc" -ne 0
match "...with the same message" "$out" "readable by every user"
chmod 640 "$TMP/open.conf"
"$MRBCTL" -c "$TMP/open.conf" status >/dev/null 2>&1
eq "group-readable (0640) is fine" "$?" 0
eq "the dev stack's own config was made private by stack.sh" "$(( $(stat -c %a "$CONF") % 10 ))" 0
# The example config as copied, placeholders and all: every program refuses
# it (anyone who read the public example could mint host tokens with it).
cp "$ROOT/conf/mrb.conf.example" "$TMP/example.conf"; chmod 600 "$TMP/example.conf"
out=$("$MRBCTL" -c "$TMP/example.conf" status 2>&1); rc=$?
eq "mrbctl refuses the example's placeholder secrets -> exit 1" "$rc" 1
match "...naming the first and the command that makes a good one" "$out" \
  "\[db\] password is the example config's placeholder: make one with: openssl rand -base64 32"
out=$("$ROOT/cron/mrb-health" -c "$TMP/example.conf" --once 2>&1); rc=$?
check "mrb-health refuses it too (exit $rc)" test "$rc" -ne 0
match "...with the same message" "$out" "placeholder"
out=$(printf '' | MRB_CONFIG="$TMP/example.conf" "$ROOT/cgi-bin/join-room" 2>&1); rc=$?
check "a FastCGI program refuses it at start-up (exit $rc)" test "$rc" -ne 0
match "...with the same message" "$out" "placeholder"
# each placeholder, not just the first: the example with [db] password made good
sed -i 's/^password = change-me$/password = db-password-of-a-real-site/' "$TMP/example.conf"
match "the next placeholder is named in turn ([auth] jwt_secret)" "$("$MRBCTL" -c "$TMP/example.conf" status 2>&1)" \
  "\[auth\] jwt_secret is the example config's placeholder"
finish
