#!/usr/bin/env bash
# Webhook throughput on the dev stack (make up first): batches of 100 mixed
# events, 4 connections, 10 s, twice. Prints events/s, p50 and p99.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${BENCH_DURATION:-10s}
scripts/stack.sh up >/dev/null   # harmless when already up
for run in 1 2; do
  echo "run $run:"
  wrk -t2 -c4 -d"$DUR" -s bench/webhook.lua http://127.0.0.1:8080/mrb/event-webhook | grep RESULT \
    | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^rps=/) { split($i, a, "="); printf "%s events/s=%.0f\n", $0, a[2] * 100 } }'
done
echo "nproc=$(nproc) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') date=$(date -u +%F)"
