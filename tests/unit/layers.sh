#!/usr/bin/env bash
# The include rule of lib/, checked against its one source, the layer table
# in docs/DESIGN.md: every module sits in exactly one layer; a module
# includes headers of its own layer or the layers below, never above; and
# the includes between modules have no cycle. Run by `make unit`.
set -uo pipefail
cd "$(dirname "$0")/../.."

design=docs/DESIGN.md
fails=0
fail() { echo "layers: $*" >&2; fails=$((fails + 1)); }

# "| domain | `room` (...), `seat`, ... |": one line per module, "rank name
# layer", rank 0 for the top row. Backticked words that are not plain module
# names (`cgi-bin/*`) are skipped.
table=$(awk '
  /^ *\| *Layer *\| *Modules *\|/ { on = 1; next }
  on && /^ *\|---/ { next }
  on && !/^ *\|/ { exit }
  on {
    split($0, cell, "|"); layer = cell[2]; gsub(/^ +| +$/, "", layer)
    rest = cell[3]
    while (match(rest, /`[^`]+`/)) {
      word = substr(rest, RSTART + 1, RLENGTH - 2); rest = substr(rest, RSTART + RLENGTH)
      if (word ~ /^[a-z_]+$/) print rank, word, layer
    }
    rank++
  }' "$design")
[ -n "$table" ] || { echo "layers: no \"| Layer | Modules |\" table in $design" >&2; exit 1; }

declare -A rank layer
while read -r r m l; do
  [ -n "${rank[$m]:-}" ] && fail "$m is in two layers of $design"
  rank[$m]=$r
  layer[$m]=$l
done <<<"$table"

modules=$(ls lib/*.c lib/*.h | sed 's|lib/||; s|\.[ch]$||' | sort -u)
for m in $modules; do
  [ -n "${rank[$m]:-}" ] || fail "lib/$m is in no layer of $design's table"
done
for m in "${!rank[@]}"; do
  [ -e "lib/$m.c" ] || [ -e "lib/$m.h" ] || fail "$design's table names $m, which is not in lib/"
done

edges=$(for f in lib/*.c lib/*.h; do
  m=$(basename "${f%.*}")
  sed -n 's/^#include "\([a-z_]*\)\.h".*/\1/p' "$f" | while read -r dep; do
    [ "$dep" = "$m" ] || echo "$m $dep $f"
  done
done)

while read -r m dep f; do
  [ -n "$m" ] || continue
  [ -n "${rank[$dep]:-}" ] || { fail "$f includes $dep.h, which is in no layer"; continue; }
  [ -n "${rank[$m]:-}" ] || continue
  if ((rank[$dep] < rank[$m])); then
    fail "$f (${layer[$m]}) includes $dep.h (${layer[$dep]}): a layer above its own"
  fi
done <<<"$edges"

if ! loop=$(awk '{ print $1, $2 }' <<<"$edges" | tsort 2>&1 >/dev/null); [ -n "$loop" ]; then
  fail "the includes between modules have a cycle: $(tr '\n' ' ' <<<"$loop")"
fi

n=$(wc -l <<<"$table")
if ((fails)); then
  echo "layers: $fails problem(s)" >&2
  exit 1
fi
echo "layers: $n modules of lib/ each in one layer of $design; no upward include, no cycle"
