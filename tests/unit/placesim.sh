#!/usr/bin/env bash
# make unit: a short synthetic day through the placement code
# (bench/placesim --short, seed 1): counting booked seats must cut the
# arrivals that land on a server over its limit while another server of
# its region had room by at least 10 times, for spread and for pack. The
# issue's goal, none at all, is what bench/placesim --check holds to and
# make bench reports; docs/DESIGN.md says where it stands.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(bench/placesim --short)
printf '%s\n' "$out" | sed -n '1,7p' | sed 's/^/  /'
v() { printf '%s\n' "$out" | awk -v s="$1" -v b="$2" '$1 == s && $2 == b { print $5 }'; }
fail=0
for s in spread pack; do
  no=$(v "$s" no); yes=$(v "$s" yes)
  if [ -z "$no" ] || [ -z "$yes" ]; then echo "placesim: no $s rows in the output"; exit 1; fi
  if [ $((yes * 10)) -le "$no" ] && [ "$no" -gt 0 ]; then
    echo "placesim: $s: $no violations without bookings counted, $yes with: at least 10 times fewer"
  else
    echo "placesim: $s: $no violations without bookings counted, $yes with: NOT 10 times fewer"; fail=1
  fi
done
exit "$fail"
