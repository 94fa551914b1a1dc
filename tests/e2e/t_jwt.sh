#!/usr/bin/env bash
# JWT attacks, end to end, each refused with 401 / 101 and nothing created:
# alg none, an edited payload, exp in the past, nbf in the future (beyond
# [auth] jwt_leeway, 30 s; within it they pass), wrong iss, wrong aud, a
# 100 KB token, and (with RS256 configured) HS256 signed with the RS256
# public key. Tokens are built here with openssl, not with MRB's own code.
. "$(dirname "$0")/lib.sh"

SECRET=$(conf_get "$CONF" auth jwt_secret); ISS=$(conf_get "$CONF" auth jwt_issuer); AUD=$(conf_get "$CONF" auth jwt_audience)
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
hs256() { # hs256 KEY HEADER PAYLOAD
  local h p; h=$(printf '%s' "$2" | b64url); p=$(printf '%s' "$3" | b64url)
  printf '%s.%s.%s' "$h" "$p" "$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -hmac "$1" -binary | b64url)"
}
HDR='{"alg":"HS256","typ":"JWT"}'
NOW=$(date +%s)
claims() { # claims [jq assignments...]: a valid host payload, then edits
  jq -cn --arg iss "$ISS" --arg aud "$AUD" --argjson now "$NOW" \
    "{sub: \"attacker\", role: \"host\", iss: \$iss, aud: \$aud, iat: \$now, exp: (\$now + 600)} ${1:+| $1}"
}
rooms_before=$(sql "SELECT COUNT(*) FROM rooms WHERE created_by = 'attacker'")
try() { # try NAME TOKEN WANT_STATUS
  post create-room '{"roomNm":"jwt attack"}' -H "Authorization: Bearer $2"
  if [ "$3" = 401 ]; then eq "$1 -> 401 / 101" "$STATUS/$(jqr .code)" 401/101; else eq "$1 -> $3" "$STATUS" "$3"; fi
}
try "control: a genuine token built with openssl" "$(hs256 "$SECRET" "$HDR" "$(claims)")" 201
genuine_rooms=$(( $(sql "SELECT COUNT(*) FROM rooms WHERE created_by = 'attacker'") - rooms_before ))
try "alg none" "$(printf '%s' '{"alg":"none","typ":"JWT"}' | b64url).$(claims | b64url)." 401
match "...and the 401 names the scheme (WWW-Authenticate: Bearer)" \
  "$(curl -s -D - -o /dev/null -X POST "$BASE/create-room" -H 'Content-Type: application/json' -d '{}' | tr -d '\r')" \
  'WWW-Authenticate: Bearer realm="mrb"'
good=$(hs256 "$SECRET" "$HDR" "$(claims)")
try "a valid signature on an edited payload (role host -> admin)" "${good%%.*}.$(claims '.role = "admin"' | b64url).${good##*.}" 401
try "exp in the past (beyond the leeway)" "$(hs256 "$SECRET" "$HDR" "$(claims ".exp = ($NOW - 120)")")" 401
try "exp 10 s ago (within the 30 s leeway)" "$(hs256 "$SECRET" "$HDR" "$(claims ".exp = ($NOW - 10)")")" 201
try "nbf in the future (beyond the leeway)" "$(hs256 "$SECRET" "$HDR" "$(claims ".nbf = ($NOW + 120)")")" 401
try "nbf 10 s ahead (within the leeway)" "$(hs256 "$SECRET" "$HDR" "$(claims ".nbf = ($NOW + 10)")")" 201
try "wrong iss" "$(hs256 "$SECRET" "$HDR" "$(claims '.iss = "https://evil.example"')")" 401
try "wrong aud" "$(hs256 "$SECRET" "$HDR" "$(claims '.aud = "someone-else"')")" 401
try "no exp at all" "$(hs256 "$SECRET" "$HDR" "$(claims 'del(.exp)')")" 401
try "signed with another secret" "$(hs256 "not-the-secret" "$HDR" "$(claims)")" 401
# The sub owns the rooms: a host without one, or with one too long to keep
# whole, would share its rooms with other hosts.
try "no sub" "$(hs256 "$SECRET" "$HDR" "$(claims 'del(.sub)')")" 401
try "an empty sub" "$(hs256 "$SECRET" "$HDR" "$(claims '.sub = ""')")" 401
try "a sub that is not a string" "$(hs256 "$SECRET" "$HDR" "$(claims '.sub = 42')")" 401
try "a sub of 128 bytes" "$(hs256 "$SECRET" "$HDR" "$(claims ".sub = \"$(printf 'h%.0s' $(seq 1 128))\"")")" 401
try "a sub of 127 bytes (the limit)" "$(hs256 "$SECRET" "$HDR" "$(claims ".sub = \"$(printf 'h%.0s' $(seq 1 127))\"")")" 201
big=$(hs256 "$SECRET" "$HDR" "$(claims ".pad = \"$(head -c 75000 /dev/zero | tr '\0' 'A')\"")")
check "the big token is over 100 KB (${#big} bytes)" test "${#big}" -gt 100000
post create-room '{"roomNm":"jwt attack"}' -H "Authorization: Bearer $big"
check "a 100 KB token through lighttpd: refused before MRB sees it ($STATUS)" test "$STATUS" -ge 400 -a "$STATUS" -lt 500
eq "the attacks created nothing (only the 3 genuine tokens did)" \
  "$(( $(sql "SELECT COUNT(*) FROM rooms WHERE created_by = 'attacker'") - rooms_before ))" "$((genuine_rooms + 2))"

# RS256 configured: HS256 signed with the RS256 public key must not pass.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/k.pem" 2>/dev/null
openssl pkey -in "$TMP/k.pem" -pubout -out "$TMP/pub.pem" 2>/dev/null
sed -e 's/^jwt_alg *=.*/jwt_alg = RS256/' -e "s|^jwt_secret *=.*|jwt_public_key = $TMP/pub.pem|" "$CONF" >"$TMP/rs.conf"
chmod 600 "$TMP/rs.conf"
spawn-fcgi -s "$TMP/rs.sock" -P "$TMP/rs.pid" -- /usr/bin/env MRB_CONFIG="$TMP/rs.conf" "$ROOT/cgi-bin/create-room" >/dev/null 2>&1
spawn-fcgi -s "$TMP/hs.sock" -P "$TMP/hs.pid" -- /usr/bin/env MRB_CONFIG="$CONF" "$ROOT/cgi-bin/create-room" >/dev/null 2>&1
fcgi() { # fcgi TOKEN [SOCKET]: one create-room request straight to a worker, no web server; prints its status
  local body='{"roomNm":"rs256"}'
  printf '%s' "$body" | env -i REQUEST_METHOD=POST CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} \
    HTTP_AUTHORIZATION="Bearer $1" SCRIPT_NAME=/mrb/create-room cgi-fcgi -bind -connect "${2:-$TMP/rs.sock}" 2>/dev/null \
    | sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -1
}
eq "the 100 KB token straight to the FastCGI program -> 401 (refused unread)" "$(fcgi "$big" "$TMP/hs.sock")" 401
RHDR='{"alg":"RS256","typ":"JWT"}'
h=$(printf '%s' "$RHDR" | b64url); p=$(claims | b64url)
rs=$(printf '%s.%s.%s' "$h" "$p" "$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -sign "$TMP/k.pem" -binary | b64url)")
eq "RS256 control: a genuine RS256 token -> 201" "$(fcgi "$rs")" 201
eq "HS256 signed with the RS256 public key -> 401" "$(fcgi "$(hs256 "$(cat "$TMP/pub.pem")" "$HDR" "$(claims)")")" 401
eq "...and with the key's DER bytes as the secret -> 401" \
  "$(fcgi "$(h2=$(printf '%s' "$HDR" | b64url); p2=$(claims | b64url); printf '%s.%s.%s' "$h2" "$p2" "$(printf '%s.%s' "$h2" "$p2" | openssl dgst -sha256 -mac HMAC -macopt hexkey:"$(openssl pkey -pubin -in "$TMP/pub.pem" -outform DER | xxd -p | tr -d '\n')" -binary | b64url)")")" 401
kill "$(cat "$TMP/rs.pid")" "$(cat "$TMP/hs.pid")" 2>/dev/null
finish
