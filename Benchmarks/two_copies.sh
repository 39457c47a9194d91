#!/usr/bin/env bash
# What this machine's cores give two copies of a program at once: the ceiling on any split of one
# run over two threads, measured without edgeflow's threading.
#
#   Benchmarks/two_copies.sh ROUNDS CAPTURE BIN
#
# Each round runs, for each program, one copy alone and then two copies at once (their wall time is
# the later one's end): a loop that touches no memory (Benchmarks/spin.c), the C libpcap loop
# (Benchmarks/pcap_count.c) and `BIN analyze CAPTURE --threads 1`; then `BIN ... --threads 2` alone.
# It prints each program's median wall time alone and in pairs and their ratio, the slowdown S: two
# copies do twice one copy's work in S times its wall time, so two threads sharing one run's work
# evenly, with no cost of their own, finish at best 2 / S times faster than one thread.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 ROUNDS CAPTURE BIN" >&2; exit 2; }
rounds=$1; capture=$2; bin=$3
[ -f "$capture" ] || { echo "no such capture: $capture" >&2; exit 2; }
# Both resolved before the cd below, so that they may be given relative to where it is run.
capture=$(realpath "$capture")
case $bin in */*) bin=$(realpath "$bin") ;; esac
cd "$(dirname "$0")/.."
cc -O2 -o /tmp/edgeflow-spin Benchmarks/spin.c
cc -O2 -o /tmp/edgeflow-pcap-count Benchmarks/pcap_count.c -lpcap
declare -A alone pair
two=""  # --threads 2's wall times
now() { date +%s.%N; }
run() {  # run NAME COMMAND...: one copy, then two at once
    local name=$1; shift
    local t0 t1
    t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
    alone[$name]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}') "
    t0=$(now); "$@" >/dev/null 2>&1 & local p=$!; "$@" >/dev/null 2>&1; wait "$p"; t1=$(now)
    pair[$name]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}') "
}
cat "$capture" >/dev/null  # in the page cache before the first round, as for every later one
for ((r = 1; r <= rounds; r++)); do
    run spin /tmp/edgeflow-spin
    run cloop /tmp/edgeflow-pcap-count "$capture"
    run edgeflow "$bin" analyze "$capture" --threads 1 --format json --quiet --out /dev/null
    t0=$(now); "$bin" analyze "$capture" --threads 2 --format json --quiet --out /dev/null >/dev/null 2>&1; t1=$(now)
    two+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}') "
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
for name in spin cloop edgeflow; do
    a=$(median "${alone[$name]}"); p=$(median "${pair[$name]}")
    awk -v n="$name" -v a="$a" -v p="$p" 'BEGIN {printf "%-9s alone %.3f s, two at once %.3f s: slowdown S %.2f, ceiling 2 / S %.2f x\n", n, a, p, p / a, 2 * a / p}'
done
t=$(median "$two")
awk -v a="$(median "${alone[edgeflow]}")" -v t="$t" 'BEGIN {printf "edgeflow --threads 2 %.3f s: %.2f x faster than --threads 1\n", t, a / t}'
