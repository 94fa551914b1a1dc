#!/usr/bin/env bash
# make unit: short synthetic days through the placement code
# (bench/placesim --short). The issue's goal, with the product's defaults
# (bookings counted, [score] rebalance): no arrival lands on a server over
# its limit while another server of its region had room, for spread and
# for pack, on each of three seeds (--check exits 1 otherwise). And each
# part pulls its weight on seed 1: counting bookings cuts those arrivals at
# least tenfold, and the rebalance at arrival takes them from some to none.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail=0
for seed in 1 2 3; do
  if out=$(bench/placesim --short --seed "$seed" --check 2>&1); then
    echo "placesim: seed $seed: no violation with bookings counted and rebalance (spread, pack)"
  else
    printf '%s\n' "$out" | sed 's/^/  /'; echo "placesim: seed $seed: FAILED the goal"; fail=1
  fi
  [ "$seed" = 1 ] && one=$out
done
printf '%s\n' "$one" | sed -n '1,9p' | sed 's/^/  /'
v() { printf '%s\n' "$one" | awk -v s="$1" -v b="$2" '$1 == s && $2 == b { print $5 }'; }
for s in spread pack; do
  no=$(v "$s" no); yes=$(v "$s" yes); rb=$(v "$s" yes+rb)
  if [ -z "$no" ] || [ -z "$yes" ] || [ -z "$rb" ]; then echo "placesim: no $s rows in the output"; exit 1; fi
  if [ $((yes * 10)) -le "$no" ] && [ "$no" -gt 0 ] && [ "$yes" -gt 0 ] && [ "$rb" -eq 0 ]; then
    echo "placesim: $s: violations $no measured only, $yes with bookings, $rb with rebalance too"
  else
    echo "placesim: $s: violations $no measured only, $yes with bookings, $rb with rebalance too: NOT as required"; fail=1
  fi
done
exit "$fail"
