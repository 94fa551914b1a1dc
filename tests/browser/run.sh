#!/usr/bin/env bash
# make test-browser: real browser calls through MRB (voice and video rooms),
# and calls that outlive their media server. The whole dev stack
# (MariaDB, lighttpd + FastCGI, both Janus, coturn) and a headless Debian
# chromium run inside a network namespace this script creates and removes:
# Janus gathers no loopback candidates, and the test may send traffic only to
# hosts of its own. Both ends of one veth pair (10.99.0.1, 10.99.0.2) live in
# the namespace, so nothing leaves it. coturn listens and relays on
# 10.99.0.1; join-room hands out TURN URLs for that address.
# Needs root (ip netns); CI runs as root. Prints "browser: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
NS=${MRB_NETNS:-mrbtest}
TURN_IP=10.99.0.1
CONF=$ROOT/run/browser/mrb.conf

fail() { echo "browser: $*"; echo "browser: 0 passed, 1 failed"; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root for ip netns (CI runs as root)"
[ -x /usr/bin/chromium ] || fail "chromium is missing (make deps)"
[ -r /usr/share/javascript/janus-gateway/janus.js ] || fail "libjs-janus-gateway is missing (make deps)"
command -v node >/dev/null || fail "node is missing (make deps)"
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  command -v npm >/dev/null || { apt-get install -y --no-install-recommends npm >/dev/null 2>&1 || fail "npm is missing"; }
  (cd tests/browser && npm ci --no-audit --no-fund >/dev/null) || fail "npm ci failed (playwright-core)"
fi

# The dev config, with TURN at the namespace's test host and absolute paths
# (the copy lives in run/browser/, where the dev config's relative paths
# would resolve elsewhere): the spool, and each server's record_dir under
# run/recordings/, where video.test.js looks for the .mjr files.
mkdir -p run/browser
sed -e "s|^urls *=.*|urls = turn:$TURN_IP:3478?transport=udp, turn:$TURN_IP:3478?transport=tcp|" \
    -e "s|^stun_urls *=.*|stun_urls = stun:$TURN_IP:3478|" \
    -e "s|^spool_dir *=.*|spool_dir = $ROOT/run/spool|" \
    -e "s|^record_dir *= *\.\./run/recordings/|record_dir = $ROOT/run/recordings/|" conf/mrb.dev.conf >"$CONF"
grep -q "^record_dir = $ROOT/run/recordings/" "$CONF" || fail "no [server] record_dir ../run/recordings/NAME in conf/mrb.dev.conf to point at run/recordings"
chmod 600 "$CONF"

scripts/stack.sh down >/dev/null 2>&1 || true   # the same run/ and ports: one stack at a time
ip netns del "$NS" 2>/dev/null || true
cleanup() {
  ip netns exec "$NS" env MRB_CONFIG="$CONF" MRB_TURN_IP=$TURN_IP scripts/stack.sh down >/dev/null 2>&1 || true
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$NS" || fail "cannot create network namespace $NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add veth-a type veth peer name veth-b
ip -n "$NS" addr add 10.99.0.1/24 dev veth-a
ip -n "$NS" addr add 10.99.0.2/24 dev veth-b
ip -n "$NS" link set veth-a up
ip -n "$NS" link set veth-b up

in_ns() { ip netns exec "$NS" env MRB_CONFIG="$CONF" MRB_TURN_IP=$TURN_IP MRB_CRON_PERIOD=3600 "$@"; }
in_ns scripts/stack.sh up >run/log/browser-stack.log 2>&1 || { tail -20 run/log/browser-stack.log; fail "stack did not come up in $NS"; }
TOKEN=$(MRB_CONFIG="$CONF" tools/mrbctl token host --sub browser-host) || fail "cannot mint a host token"
# Four suites in the same namespace and stack: calls (call.test.js), a call
# outliving its media server (rejoin.test.js, audio and video rooms), video
# rooms (video.test.js), and the page's own help (page.test.js: the share
# link, the seats range from /mrb/health, errors in words, a phone's
# viewport). One closing line.
pass=0 fail=0
for t in ${MRB_BROWSER_SUITES:-call rejoin video page}; do  # MRB_BROWSER_SUITES: a few, while working on them
  in_ns env MRB_HOST_TOKEN="$TOKEN" MRB_SHOTS="$ROOT/run" MRB_ROOT="$ROOT" node "tests/browser/$t.test.js" \
    | tee "run/log/browser-$t.log"
  line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed' "run/log/browser-$t.log" | tail -n 1)
  [ -n "$line" ] || { echo "  FAIL $t.test.js printed no result"; fail=$((fail + 1)); continue; }
  p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line"); f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  pass=$((pass + p)); fail=$((fail + f))
done
echo "browser: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
