#!/usr/bin/env bash
# CPU and wall time of edgeflow builds side by side with the C libpcap loop, in alternating rounds
# (on a shared, noisy machine only many alternating rounds compare binaries fairly):
#
#   Benchmarks/rounds.sh ROUNDS CAPTURE THREADS BIN...
#
# Each round runs the C loop (Benchmarks/pcap_count.c), then every BIN as
# `analyze CAPTURE --threads THREADS --format json --quiet --out /dev/null`. Prints per program the
# median CPU (user + sys) and wall time, the CPU ratio to the C loop, and every round's CPU.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 ROUNDS CAPTURE THREADS BIN..." >&2; exit 2; }
rounds=$1; capture=$2; threads=$3; shift 3
[ -f "$capture" ] || { echo "no such capture: $capture" >&2; exit 2; }
# Resolved before the cd below, so that they may be given relative to where it is run.
capture=$(realpath "$capture")
bins=()
for bin in "$@"; do case $bin in */*) bins+=("$(realpath "$bin")") ;; *) bins+=("$bin") ;; esac; done
set -- "${bins[@]}"
cd "$(dirname "$0")/.."
cc -O2 -o /tmp/edgeflow-pcap-count Benchmarks/pcap_count.c -lpcap
declare -A cpu wall
timed() {  # timed KEY COMMAND...
    local key=$1; shift
    /usr/bin/time -o /tmp/edgeflow-rounds-time -f "%U %S %e" "$@" >/dev/null 2>&1
    cpu[$key]+="$(awk '{print $1 + $2}' /tmp/edgeflow-rounds-time) "
    wall[$key]+="$(awk '{print $3}' /tmp/edgeflow-rounds-time) "
}
for ((r = 1; r <= rounds; r++)); do
    timed cloop /tmp/edgeflow-pcap-count "$capture"
    for bin in "$@"; do timed "$bin" "$bin" analyze "$capture" --threads "$threads" --format json --quiet --out /dev/null; done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
base=$(median "${cpu[cloop]}")
echo "C loop: CPU $base s, wall $(median "${wall[cloop]}") s"
for bin in "$@"; do
    c=$(median "${cpu[$bin]}")
    echo "$bin --threads $threads: CPU $c s, wall $(median "${wall[$bin]}") s, CPU / C loop $(awk -v a="$c" -v b="$base" 'BEGIN {printf "%.2f", a / b}'); rounds: ${cpu[$bin]}"
done
