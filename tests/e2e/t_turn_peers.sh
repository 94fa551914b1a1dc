#!/usr/bin/env bash
# The production coturn sample (conf/coturn/turnserver.conf) keeps TURN
# relays off private networks, and still relays to public peers and to an
# allow-listed media server. coturn runs on the sample itself (only the
# secret, addresses, TLS files, log and pid paths swapped) inside a network
# namespace of its own: both ends of one veth pair live in it and it has no
# route out, so nothing this test sends can leave it even if a rule were
# wrong. Every target below is an address of that namespace, with a UDP echo
# server on it that logs what reaches it.
# A stdlib STUN/TURN client allocates with TURN REST credentials made the way
# MRB makes them, then for each target asks CreatePermission, sends a Send
# indication, asks ChannelBind and sends ChannelData:
# - private, CGNAT, link-local (cloud metadata) and loopback hosts, and their
#   IPv6 spellings (::ffff:10.77.0.1, 6to4, NAT64...): 403 Forbidden IP, and
#   nothing reaches their echo servers;
# - a media server on 10.77.1.1 / fd77:1::1 that the test allow-lists as the
#   sample's commented allowed-peer-ip example shows: 200, data comes back;
# - public hosts just outside the denied ranges: 200, data comes back (the
#   rules must not block real peers).
# Needs root (ip netns), coturn, python3, openssl, iproute2 (make deps).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# TURN_SAMPLE: another sample to prove (used to show that the test fails).
SAMPLE=${TURN_SAMPLE:-$ROOT/conf/coturn/turnserver.conf}
NS=mrb-turnpeers-$$
TURN_IP=10.77.2.1 TURN_IP6=fd77::1
MEDIA_IP=10.77.1.1 MEDIA_IP6=fd77:1::1
# Targets that exist inside the namespace (echo servers on each).
DENIED4=(10.77.0.1 10.77.3.1 100.64.0.1 169.254.169.254 172.16.0.1 192.168.0.1 127.0.0.1)
PUBLIC4=(11.0.0.1 100.128.0.1 172.32.0.1)
DENIED6=(fd77::10 ::1)
PUBLIC6=(2001:200::1)
# Refused without any host behind them: unspecified, multicast, documentation,
# and IPv6 encodings of the private 10.77.0.1 and of 127.0.0.1.
NOHOST4=(0.0.0.0 224.0.0.1 203.0.113.5)
NOHOST6=(:: ::ffff:10.77.0.1 ::ffff:127.0.0.1 ::10.77.0.1 2002:a4d:1::1 64:ff9b::a4d:1 fe80::1 ff02::1 2001:db8::1)
ECHO_PORT=5004
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  ip netns del "$NS" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
for c in turnserver python3 openssl ip; do
  command -v "$c" >/dev/null || { not_ok "$c is installed (make deps)"; finish; exit; }
done
[ "$(id -u)" = 0 ] || { not_ok "runs as root (ip netns; CI runs as root)"; finish; exit; }

cat >"$TMP/turn.py" <<'PY'
# Minimal STUN/TURN (RFC 5389/5766/6156) client and UDP echo, stdlib only.
import base64, hashlib, hmac, ipaddress, os, select, socket, struct, sys, time, zlib
COOKIE = 0x2112A442
ALLOCATE, CREATE_PERMISSION, CHANNEL_BIND, SEND, DATA = 0x003, 0x008, 0x009, 0x016, 0x017
A_USERNAME, A_MI, A_ERROR, A_LIFETIME, A_PEER, A_DATA, A_REALM, A_NONCE = 0x6, 0x8, 0x9, 0xD, 0x12, 0x13, 0x14, 0x15
A_RELAYED, A_FAMILY, A_TRANSPORT, A_CHANNEL, A_FINGERPRINT = 0x16, 0x17, 0x19, 0xC, 0x8028

def attr(t, v):
    return struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4)

def xor_addr(ip, port, tid):
    a = ipaddress.ip_address(ip)
    key = struct.pack("!I", COOKIE) + (tid if a.version == 6 else b"")
    raw = bytes(x ^ y for x, y in zip(a.packed, key))
    return struct.pack("!BBH", 0, 1 if a.version == 4 else 2, port ^ (COOKIE >> 16)) + raw

def parse_xor_addr(v, tid):
    fam, port = v[1], struct.unpack("!H", v[2:4])[0] ^ (COOKIE >> 16)
    key = struct.pack("!I", COOKIE) + (tid if fam == 2 else b"")
    return str(ipaddress.ip_address(bytes(x ^ y for x, y in zip(v[4:], key)))), port

def build(mtype, attrs, tid, key=None):
    body = b"".join(attr(t, v) for t, v in attrs)
    if key is not None:
        head = struct.pack("!HHI", mtype, len(body) + 24, COOKIE) + tid
        body += attr(A_MI, hmac.new(key, head + body, hashlib.sha1).digest())
    head = struct.pack("!HHI", mtype, len(body) + 8, COOKIE) + tid
    crc = zlib.crc32(head + body) ^ 0x5354554E
    return head + body + attr(A_FINGERPRINT, struct.pack("!I", crc))

def parse(pkt):
    if len(pkt) < 20 or pkt[0] & 0xC0:
        return None
    mtype, length, _ = struct.unpack("!HHI", pkt[:8])
    tid, attrs, i = pkt[8:20], {}, 20
    while i + 4 <= 20 + length:
        t, n = struct.unpack("!HH", pkt[i:i + 4])
        attrs.setdefault(t, pkt[i + 4:i + 4 + n])
        i += 4 + n + (-n % 4)
    return mtype, tid, attrs

def code_of(mtype, attrs):
    if mtype & 0x0110 == 0x0100:
        return 200, ""
    e = attrs.get(A_ERROR, b"\0\0\0\0")
    return e[2] * 100 + e[3], e[4:].decode(errors="replace")

class Client:
    def __init__(self, server, port):
        self.server = (server, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.key = self.realm = self.nonce = self.user = None
        self.inbox = []

    def request(self, method, attrs, auth=True, deadline=6.0):
        end = time.time() + deadline
        for _ in range(3):  # a 438 stale nonce or the first 401 is retried
            tid = os.urandom(12)
            a = list(attrs(tid) if callable(attrs) else attrs)
            if auth and self.key:
                a += [(A_USERNAME, self.user.encode()), (A_REALM, self.realm), (A_NONCE, self.nonce)]
            msg = build(method, a, tid, self.key if auth else None)
            reply, wait = None, 0.25
            while reply is None and time.time() < end:
                self.sock.sendto(msg, self.server)
                t_end = min(end, time.time() + wait)
                while reply is None and time.time() < t_end:
                    r, _, _ = select.select([self.sock], [], [], max(0, t_end - time.time()))
                    if not r:
                        break
                    p = parse(self.sock.recv(65535))
                    if p and p[1] == tid:
                        reply = p
                    elif p:
                        self.inbox.append(p)
                wait = min(wait * 2, 1.0)
            if reply is None:
                return 0, "timeout", {}, tid
            code, reason = code_of(reply[0], reply[2])
            if code in (401, 438) and A_NONCE in reply[2] and auth and self.user:
                first = self.key is None or code == 438
                self.realm, self.nonce = reply[2].get(A_REALM, self.realm), reply[2][A_NONCE]
                self.key = hashlib.md5(b":".join([self.user.encode(), self.realm, self.pw.encode()])).digest()
                if first:
                    continue
            return code, reason, reply[2], tid
        return code, reason, reply[2], tid

    def allocate(self, user, pw, family):
        self.user, self.pw, self.key = user, pw, None
        a = [(A_TRANSPORT, bytes([17, 0, 0, 0])), (A_LIFETIME, struct.pack("!I", 120))]
        if family == 6:
            a.append((A_FAMILY, bytes([2, 0, 0, 0])))
        code, reason, attrs, tid = self.request(ALLOCATE, a)
        relay = parse_xor_addr(attrs[A_RELAYED], tid) if code == 200 and A_RELAYED in attrs else None
        return code, reason, relay

    def send_data(self, ip, port, payload, wait):
        tid = os.urandom(12)
        self.sock.sendto(build(SEND, [(A_PEER, xor_addr(ip, port, tid)), (A_DATA, payload)], tid), self.server)
        end = time.time() + wait
        while time.time() < end:
            for p in self.inbox:
                if p[0] == DATA and p[2].get(A_DATA) == payload:
                    return True
            self.inbox.clear()
            r, _, _ = select.select([self.sock], [], [], max(0, end - time.time()))
            if r:
                p = parse(self.sock.recv(65535))
                if p:
                    self.inbox.append(p)
        return False

    def channel_data(self, chan, payload, wait):
        self.sock.sendto(struct.pack("!HH", chan, len(payload)) + payload + b"\0" * (-len(payload) % 4), self.server)
        end = time.time() + wait
        while time.time() < end:
            r, _, _ = select.select([self.sock], [], [], max(0, end - time.time()))
            if r:
                pkt = self.sock.recv(65535)
                if len(pkt) >= 4 and 0x40 <= pkt[0] <= 0x7F:
                    c, n = struct.unpack("!HH", pkt[:4])
                    if c == chan and pkt[4:4 + n] == payload:
                        return True
        return False

def rest_credential(secret, user_id, ttl):
    user = "%d:%s" % (int(time.time()) + ttl, user_id)
    return user, base64.b64encode(hmac.new(secret.encode(), user.encode(), hashlib.sha1).digest()).decode()

def client(server, port, secret, family, peer_port, peers):
    """One allocation, then for each peer one line:
    peer IP perm=CODE[(REASON)] chan=CODE send=yes|no chanecho=yes|no|-"""
    family, peer_port = int(family), int(peer_port)
    if family == 4:  # credentials first: a refusal below must not be an auth failure
        u, p = rest_credential(secret, "peers-test", 600)
        print("alloc-wrong-credential", Client(server, int(port)).allocate(u, p[:-2] + "AA", 4)[0])
        u, p = rest_credential(secret, "peers-test", -60)
        print("alloc-expired-credential", Client(server, int(port)).allocate(u, p, 4)[0])
    c = Client(server, int(port))
    u, p = rest_credential(secret, "peers-test", 600)
    code, reason, relay = c.allocate(u, p, family)
    print("alloc", code, "%s,%d" % relay if relay else reason)
    if code != 200:
        return
    for n, ip in enumerate(peers):
        chan = 0x4000 + n
        # The peer address is XORed with the request's transaction id (IPv6).
        perm = c.request(CREATE_PERMISSION, lambda tid: [(A_PEER, xor_addr(ip, peer_port, tid))])
        # Data as a Send indication even when refused: coturn must drop it (the
        # echo logs are checked at the end). Before any channel exists, or
        # coturn would answer as ChannelData.
        sent = c.send_data(ip, peer_port, b"send-%d-%s" % (n, os.urandom(4).hex().encode()),
                           1.0 if perm[0] == 200 else 0.05)
        cb = c.request(CHANNEL_BIND, lambda tid: [(A_CHANNEL, struct.pack("!HH", chan, 0)),
                                                  (A_PEER, xor_addr(ip, peer_port, tid))])[0]
        ch = "-"
        if cb == 200:
            ch = "yes" if c.channel_data(chan, b"chan-%d-%s" % (n, os.urandom(4).hex().encode()), 1.0) else "no"
        print("peer %s perm=%d%s chan=%d send=%s chanecho=%s" % (
            ip, perm[0], "(%s)" % perm[1] if perm[1] else "", cb, "yes" if sent else "no", ch))

def echo(log, ready, specs):
    socks = {}
    for spec in specs:
        ip, port = spec.rsplit(",", 1)
        s = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((ip, int(port)))
        socks[s] = ip
    open(ready, "w").close()
    with open(log, "a", buffering=1) as f:
        while True:
            for s in select.select(list(socks), [], [])[0]:
                data, src = s.recvfrom(65535)
                f.write("rx %s from %s\n" % (socks[s], src[0]))
                s.sendto(data, src)

if __name__ == "__main__":
    if sys.argv[1] == "client":
        client(*sys.argv[2:7], sys.argv[7:])
    else:
        echo(sys.argv[2], sys.argv[3], sys.argv[4:])
PY

# The sample's coverage: every special-purpose range lies inside one of its
# denied-peer-ip ranges; none is CIDR (coturn ignores those); no range starts
# at :: and no rule is a lone 0.0.0.0 or :: (coturn 4.6.1 would deny every
# IPv4 peer, or every peer). :: itself is refused by coturn (checked live).
cover=$(python3 - "$SAMPLE" <<'PY'
import ipaddress, sys
rules = []
for line in open(sys.argv[1]):
    if line.startswith("denied-peer-ip="):
        v = line.strip().split("=", 1)[1]
        if "/" in v:
            print("cidr:" + v)
            continue
        lo, _, hi = v.partition("-")
        lo, hi = ipaddress.ip_address(lo), ipaddress.ip_address(hi or lo)
        if int(lo) == 0 and (lo.version == 6 or hi == lo):
            print("starts-at-unspecified:" + v)
        rules.append((lo, hi))
want = """0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12
192.0.0.0/24 192.0.2.0/24 192.88.99.0/24 192.168.0.0/16 198.18.0.0/15 198.51.100.0/24
203.0.113.0/24 224.0.0.0/4 240.0.0.0/4 255.255.255.255/32 ::1/128 ::/96 ::ffff:0:0/96
64:ff9b::/96 64:ff9b:1::/48 100::/64 2001::/23 2001:db8::/32 2002::/16 3fff::/20
fc00::/7 fe80::/10 fec0::/10 ff00::/8""".split()
for w in want:
    n = ipaddress.ip_network(w)
    first = n[1] if w == "::/96" else n[0]
    if not any(lo.version == n.version and lo <= first and n[-1] <= hi for lo, hi in rules):
        print("uncovered:" + w)
PY
)
eq "the sample denies every private, loopback, link-local, CGNAT, documentation, multicast and reserved range (IPv4, IPv6), in a form coturn 4.6.1 applies" "$cover" ""
eq "the sample has no-multicast-peers, no-tcp-relay, no-cli and a commented allowed-peer-ip example" \
  "$(for k in no-multicast-peers no-tcp-relay no-cli '#allowed-peer-ip='; do grep -q "^$k" "$SAMPLE" || echo "missing $k"; done)" ""
eq "the sample never allows loopback peers" "$(grep '^allow-loopback-peers' "$SAMPLE")" ""

# The namespace: both veth ends inside it, no route out.
ip netns add "$NS" || { not_ok "create network namespace $NS"; finish; exit; }
ip -n "$NS" link set lo up
ip -n "$NS" link add va type veth peer name vb
ip -n "$NS" addr add $TURN_IP/24 dev va
for a in "${DENIED4[@]}"; do [ "$a" = 127.0.0.1 ] || ip -n "$NS" addr add "$a/32" dev va; done
ip -n "$NS" addr add $MEDIA_IP/32 dev vb
for a in "${PUBLIC4[@]}"; do ip -n "$NS" addr add "$a/32" dev vb; done
HAVE6=1
{ ip -n "$NS" addr add $TURN_IP6/64 dev va nodad && ip -n "$NS" addr add fd77::10/128 dev va nodad &&
  ip -n "$NS" addr add $MEDIA_IP6/128 dev vb nodad && ip -n "$NS" addr add 2001:200::1/128 dev vb nodad; } 2>/dev/null || HAVE6=0
ip -n "$NS" link set va up
ip -n "$NS" link set vb up
in_ns() { ip netns exec "$NS" "$@"; }

# coturn's config: the sample, with only the secret, TLS files, log and pid
# paths replaced, plus this namespace's addresses and the operator's
# allow-list entries for the media server.
SECRET=$(openssl rand -hex 24)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=turn.test -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1
CONF=$TMP/turnserver.conf
ALLOW=("$MEDIA_IP")
[ $HAVE6 = 1 ] && ALLOW+=("$MEDIA_IP6")
{
  sed -e "s|^static-auth-secret=.*|static-auth-secret=$SECRET|" \
      -e "s|^cert=.*|cert=$TMP/cert.pem|" -e "s|^pkey=.*|pkey=$TMP/key.pem|" \
      -e "s|^pidfile=.*|pidfile=$TMP/turn.pid|" -e "/^syslog\$/d" "$SAMPLE"
  printf '%s\n' "log-file=$TMP/turn.log" simple-log no-stdout-log "userdb=$TMP/turndb" \
    "listening-ip=$TURN_IP" "relay-ip=$TURN_IP"
  [ $HAVE6 = 1 ] && echo "relay-ip=$TURN_IP6"
  printf 'allowed-peer-ip=%s\n' "${ALLOW[@]}"
} >"$CONF"
chmod 600 "$CONF"
rules() { grep -E '^(denied-peer-ip|allowed-peer-ip|no-multicast-peers|no-tcp-relay|allow-loopback-peers)' "$1"; }
eq "coturn runs the sample's peer rules verbatim (plus the media server allow-list)" \
  "$(rules "$CONF")" "$(rules "$SAMPLE"; printf 'allowed-peer-ip=%s\n' "${ALLOW[@]}")"

ECHO=("${DENIED4[@]}" "$MEDIA_IP" "${PUBLIC4[@]}")
[ $HAVE6 = 1 ] && ECHO+=("${DENIED6[@]}" "$MEDIA_IP6" "${PUBLIC6[@]}")
# Started with ip netns exec itself (it execs the command), so $! is the
# process: cleanup kills exactly these two.
ip netns exec "$NS" python3 "$TMP/turn.py" echo "$TMP/echo.log" "$TMP/echo.ready" \
  "${ECHO[@]/%/,$ECHO_PORT}" >/dev/null 2>"$TMP/echo.err" &
PIDS+=($!)
ip netns exec "$NS" turnserver -c "$CONF" >/dev/null 2>&1 &
PIDS+=($!)
wait_for 5 grep -q 'turn server id=.* created' "$TMP/turn.log" 2>/dev/null
wait_for 5 test -e "$TMP/echo.ready" || not_ok "echo servers started" "$(cat "$TMP/echo.err")"

log=$(cat "$TMP/turn.log" 2>/dev/null)
ndeny=$(grep -c '^denied-peer-ip=' "$CONF"); nallow=$(grep -c '^allowed-peer-ip=' "$CONF")
eq "coturn loaded every denied-peer-ip rule ($ndeny)" "$(grep -c 'Black listing: ' <<<"$log")" "$ndeny"
eq "coturn loaded every allowed-peer-ip rule ($nallow)" "$(grep -c 'White listing: ' <<<"$log")" "$nallow"
eq "coturn logged no address format or configuration errors" \
  "$(grep -i 'wrong address\|bad configuration' <<<"$log")" ""

# client FAMILY TARGETS...: one allocation, every target; prints the lines.
client() {
  local fam=$1; shift
  out=$(in_ns timeout 30 python3 "$TMP/turn.py" client $TURN_IP 3478 "$SECRET" "$fam" $ECHO_PORT "$@" 2>&1)
  printf '%s\n' "$out" | sed 's/^/       /'
}
# refused IP / relays IP: the line for that peer.
peer() { grep -m1 "^peer $1 " <<<"$out"; }
refused() { eq "refused: $1" "$(peer "$1")" "peer $1 perm=403(Forbidden IP) chan=403 send=no chanecho=-"; }
relays() { eq "relayed both ways: $1" "$(peer "$1")" "peer $1 perm=200 chan=200 send=yes chanecho=yes"; }

client 4 "${DENIED4[@]}" "${NOHOST4[@]}" "$MEDIA_IP" "${PUBLIC4[@]}"
eq "a wrong credential is refused" "$(grep -m1 '^alloc-wrong' <<<"$out")" "alloc-wrong-credential 401"
eq "an expired credential is refused" "$(grep -m1 '^alloc-expired' <<<"$out")" "alloc-expired-credential 401"
match "allocation with MRB-style TURN REST credentials" "$(grep -m1 '^alloc ' <<<"$out")" "^alloc 200 $TURN_IP,[0-9]+$"
for a in "${DENIED4[@]}" "${NOHOST4[@]}"; do refused "$a"; done
for a in "$MEDIA_IP" "${PUBLIC4[@]}"; do relays "$a"; done

if [ $HAVE6 = 1 ]; then
  client 6 "${DENIED6[@]}" "${NOHOST6[@]}" "$MEDIA_IP6" "${PUBLIC6[@]}"
  match "IPv6 allocation" "$(grep -m1 '^alloc ' <<<"$out")" "^alloc 200 $TURN_IP6,[0-9]+$"
  for a in "${DENIED6[@]}" "${NOHOST6[@]}"; do refused "$a"; done
  for a in "$MEDIA_IP6" "${PUBLIC6[@]}"; do relays "$a"; done
else
  echo "  note IPv6 is unavailable here: IPv6 peer checks skipped"
fi

# What reached the echo servers: the media server and the public hosts only.
sleep 0.2
elog=$(cat "$TMP/echo.log" 2>/dev/null)
check "the media server received relayed UDP from the relay address" grep -q "^rx $MEDIA_IP from $TURN_IP\$" <<<"$elog"
ok_hosts=" $MEDIA_IP $MEDIA_IP6 ${PUBLIC4[*]} ${PUBLIC6[*]} "
eq "no refused target received anything" \
  "$(while read -r _ to _; do [[ $ok_hosts == *" $to "* ]] || echo "$to"; done <<<"$elog" | sort -u | xargs)" ""
log=$(cat "$TMP/turn.log")
denied_by() { grep -m1 -o "A peer IP $1 denied in the range: [^ ]*" <<<"$log"; }
eq "coturn logs the rule that refused 10.77.0.1" "$(denied_by 10.77.0.1)" \
  "A peer IP 10.77.0.1 denied in the range: 10.0.0.0-10.255.255.255"
[ $HAVE6 = 1 ] && eq "coturn logs the rule that refused ::ffff:127.0.0.1" "$(denied_by ::ffff:127.0.0.1)" \
  "A peer IP ::ffff:127.0.0.1 denied in the range: ::ffff:0.0.0.0-::ffff:255.255.255.255"

# turns: on 5349 with the sample's TLS settings (coturn 4.6.1 has no TLS 1.3).
tls() { in_ns timeout 2 openssl s_client -connect $TURN_IP:5349 -servername turn.test "$@" </dev/null 2>&1 | grep -m1 -oE 'Cipher is [^ ]+'; }
match "TLS 1.2 on 5349 negotiates an ECDHE AEAD suite" "$(tls -tls1_2)" '^Cipher is ECDHE-(ECDSA|RSA)-(AES128-GCM|AES256-GCM|CHACHA20)'
eq "a CBC suite is refused (cipher-list)" "$(tls -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA)" "Cipher is (NONE)"
# coturn keeps a refused TLS 1.1 connection open without a word: no cipher,
# then the 2 s timeout.
match "TLS 1.1 is refused (no-tlsv1_1; Debian's OpenSSL refuses it too)" "$(tls -tls1_1 -cipher DEFAULT:@SECLEVEL=0)" '^(Cipher is \(NONE\))?$'

finish
