#!/usr/bin/env bash
# Install the Debian packages MRB needs. Fast no-op when everything is
# present; apt-get runs only for what is missing.
#   scripts/deps.sh run    what building and running the dev stack needs
#                          (make run, make up): a newcomer's first command
#   scripts/deps.sh        that, plus every test's tools (make test)
set -euo pipefail

RUN_PACKAGES=(
  build-essential pkg-config
  libfcgi-dev libjansson-dev libcurl4-openssl-dev libmariadb-dev libjwt-dev
  libssl-dev libinih-dev zlib1g-dev
  mariadb-server mariadb-client lighttpd janus coturn prometheus-node-exporter
  libjs-janus-gateway libjs-webrtc-adapter
  curl procps openssl iproute2
)
TEST_PACKAGES=(
  libcmocka-dev jq wrk prometheus
  chromium nodejs
  apache2 libapache2-mod-fcgid nginx spawn-fcgi netcat-openbsd libfcgi-bin
  python3 debhelper lintian fakeroot
  janus-tools ffmpeg nftables
)
case "${1:-test}" in
  run) PACKAGES=("${RUN_PACKAGES[@]}") ;;
  test) PACKAGES=("${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
  *) echo "usage: scripts/deps.sh [run|test]" >&2; exit 2 ;;
esac
POLICY=/usr/sbin/policy-rc.d

# One dpkg-query call for all packages; unknown ones just don't show up
# (it exits 1 then, hence `|| true`).
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null \
  | awk '$2 == "install" && $3 == "ok" && $4 == "installed" { print $1 }' || true)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! grep -qxF -- "$p" <<<"$installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "deps: not root and sudo not found" >&2; exit 1; }
  SUDO=(sudo)
fi

echo "deps: installing: ${missing[*]}"

# mariadb-server, lighttpd, coturn and prometheus-node-exporter start system
# services from their postinst; a policy-rc.d that exits 101 forbids that.
# Only add (and later remove) one if none exists: containers often ship their
# own. (The dev stack runs its own node exporter on 127.0.0.1 only.)
if [[ ! -e $POLICY ]]; then
  "${SUDO[@]}" sh -c "printf '#!/bin/sh\nexit 101\n' > '$POLICY' && chmod 755 '$POLICY'"
  trap '"${SUDO[@]}" rm -f "$POLICY"' EXIT
fi

"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
echo "deps: done"
