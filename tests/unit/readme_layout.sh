#!/usr/bin/env bash
# README.md's "Layout" section against the tree. It must name, as a path
# (lib/room, cgi-bin/join-room, tests/e2e/), every module of lib/, every
# program of cgi-bin/, cron/ and tools/, every top-level directory and
# everything directly under tests/ that git tracks; and every path it names
# under a tracked top-level directory must exist: a tracked file or
# directory, FILE.c or FILE.h for a program or module, a target of the
# Makefile for what the build makes (lib/libmrb.a), or a glob that matches a
# tracked file (tests/e2e/t_*.sh). Run by `make unit`.
set -uo pipefail
cd "$(dirname "$0")/../.."

readme=README.md
fails=0
fail() { echo "readme_layout: $*" >&2; fails=$((fails + 1)); }

layout=$(awk '/^## Layout[[:space:]]*$/ { on = 1; next } on && /^## / { exit } on' "$readme")
[ -n "$layout" ] || { echo "readme_layout: no \"## Layout\" section in $readme" >&2; exit 1; }

# What git tracks, and new files it does not ignore (so that a file is
# checked before its first commit, as make deb packs it); outside a git
# checkout, the files on disk less what git ignores wholesale (the dev
# stack's run/, build/, npm's node_modules).
if ! files=$(git ls-files -co --exclude-standard 2>/dev/null) || [ -z "$files" ]; then
  files=$(find . -type f ! -path './.git/*' ! -path './run/*' ! -path './build/*' ! -path '*/node_modules/*' \
    | sed 's|^\./||')
fi
top=$(sed -n 's|^\([^/]*\)/.*|\1|p' <<<"$files" | sort -u)

# Every path the section names under a top-level directory: raw (for the
# existence check) and normalised (no trailing / or .c/.h: what it names).
dirs_re=$(sed 's/\./\\./g' <<<"$top" | paste -sd'|')
raw=$(grep -oE "(^|[^A-Za-z0-9_./-])($dirs_re)/[A-Za-z0-9_.*/-]*" <<<"$layout" \
  | sed -E 's/^[^A-Za-z.]//; s/\.+$//' | sort -u)
named=$(sed -E 's|/+$||; s/\.[ch]$//' <<<"$raw" | sort -u)

is_named() { grep -qxF -- "$1" <<<"$named"; }
tracked_prefix() { awk -v p="$1" 'index($0, p) == 1 { found = 1; exit } END { exit !found }' <<<"$files"; }
make_target() { awk -v t="$1:" 'index($0, t) == 1 { found = 1; exit } END { exit !found }' Makefile; }

exists() {
  local p=${1%/} f
  if [[ $p == *'*'* ]]; then
    while read -r f; do
      # shellcheck disable=SC2053 # $p is a glob on purpose
      [[ $f == $p || $f == $p/* ]] && return 0
    done <<<"$files"
    return 1
  fi
  grep -qxF -e "$p" -e "$p.c" -e "$p.h" <<<"$files" || tracked_prefix "$p/" || make_target "$p"
}

n_mod=0 n_prog=0 n_dir=0
for m in $(sed -n 's|^lib/\([^/]*\)\.[ch]$|\1|p' <<<"$files" | sort -u); do
  n_mod=$((n_mod + 1))
  is_named "lib/$m" || fail "lib/$m (a module) is not in $readme's Layout"
done
for p in $(grep -E '^(cgi-bin|cron|tools)/[^/]*\.c$' <<<"$files" | sed 's/\.c$//'); do
  n_prog=$((n_prog + 1))
  is_named "$p" || fail "$p (a program) is not in $readme's Layout"
done
for d in $top $(sed -n 's|^\(tests/[^/]*\).*|\1|p' <<<"$files" | sort -u); do
  n_dir=$((n_dir + 1))
  is_named "$d" || fail "$d is not in $readme's Layout"
done
while read -r p; do
  [ -n "$p" ] || continue
  exists "$p" || fail "$readme's Layout names $p, which does not exist"
done <<<"$raw"

if ((fails)); then
  echo "readme_layout: $fails problem(s)" >&2
  exit 1
fi
echo "readme_layout: $n_mod modules, $n_prog programs, $n_dir top-level directories and entries of tests/ named in $readme's Layout; every path it names exists"
