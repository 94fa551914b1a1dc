# shellcheck shell=bash
# INI helpers shared by stack.sh and db-migrate.sh (sourced, not run).
# Follows what inih accepts by default, so the scripts read the same values
# as the C code: "[section]", "key = value", full-line comments starting
# with '#' or ';', inline comments only as whitespace followed by ';'.
# Section names are compared with inner whitespace squeezed to one space,
# e.g. "[server janus-a]" is section "server janus-a". Last duplicate wins.

# ini_get FILE SECTION KEY: print the value; status 1 when the key is absent.
ini_get() {
  awk -v want_sec="$2" -v want_key="$3" '
    function trim(s) { sub(/^[ \t\r]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }
    /^[ \t]*[#;]/ { next }
    /^[ \t]*\[/ {
      line = trim($0)
      if (match(line, /^\[[^]]*\]/)) {
        sec = trim(substr(line, 2, RLENGTH - 2)); gsub(/[ \t]+/, " ", sec)
      }
      next
    }
    sec == want_sec {
      eq = index($0, "="); if (eq == 0) next
      if (trim(substr($0, 1, eq - 1)) != want_key) next
      v = substr($0, eq + 1); sub(/[ \t]+;.*$/, "", v)
      val = trim(v); found = 1
    }
    END { if (!found) exit 1; print val }
  ' "$1"
}

# ini_req FILE SECTION KEY: like ini_get but dies when missing or empty.
ini_req() {
  local v
  if ! v=$(ini_get "$1" "$2" "$3") || [[ -z $v ]]; then
    echo "error: $1: [$2] $3 is missing or empty" >&2
    exit 1
  fi
  printf '%s\n' "$v"
}

# ini_servers FILE: print the NAME of every "[server NAME]" section, in file order.
ini_servers() {
  awk '
    /^[ \t]*\[[ \t]*server[ \t]+[^]]*\]/ {
      s = $0; sub(/^[ \t]*\[[ \t]*server[ \t]+/, "", s); sub(/[ \t]*\].*$/, "", s)
      if (!(s in seen)) { seen[s] = 1; print s }
    }
  ' "$1"
}
