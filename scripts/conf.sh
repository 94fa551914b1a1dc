# shellcheck shell=bash
# Config lookups for the scripts (sourced, not run). They go through
# `mrbctl config`, that is through the same parser (inih) and the same rules
# as the C programs, so a script can never read a file differently from
# them. Needs tools/mrbctl built (make).
MRBCTL_BIN=${MRBCTL_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/mrbctl}

# conf_get FILE SECTION KEY: print the value; status 1 when the key is absent.
conf_get() {
  [[ -x $MRBCTL_BIN ]] || { echo "error: $MRBCTL_BIN is not built (run make)" >&2; return 2; }
  "$MRBCTL_BIN" -c "$1" config get "$2" "$3"
}

# conf_req FILE SECTION KEY: like conf_get but exits when missing or empty.
conf_req() {
  local v
  if ! v=$(conf_get "$1" "$2" "$3") || [[ -z $v ]]; then
    echo "error: $1: [$2] $3 is missing or empty" >&2
    exit 1
  fi
  printf '%s\n' "$v"
}

# conf_servers FILE: print the NAME of every "[server NAME]" section, in file order.
conf_servers() {
  [[ -x $MRBCTL_BIN ]] || { echo "error: $MRBCTL_BIN is not built (run make)" >&2; return 2; }
  "$MRBCTL_BIN" -c "$1" config servers
}
