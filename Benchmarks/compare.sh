#!/usr/bin/env bash
# Side-by-side CPU time of edgeflow and its peers on one machine, in one run.
#
#   Benchmarks/compare.sh [CAPTURE] [RUNS]
#
# CAPTURE defaults to a 5-million-packet Edge capture made by Scripts/gen_edge_capture.py
# (seed 7) in /tmp. Each program runs RUNS times (default 5), alternating, and the median
# of user+sys CPU seconds is kept. tshark is too slow for the big file: it reads the first
# 200,000 packets (cut with editcap) and its per-packet cost is scaled. Needs: libpcap-dev,
# tshark (editcap), libndpi-bin (ndpiReader), python3.
set -euo pipefail
cd "$(dirname "$0")/.."

capture=${1:-/tmp/edgeflow-bench-5m.pcap}
runs=${2:-5}
small=/tmp/edgeflow-bench-small.pcap

if [ ! -f "$capture" ]; then
    echo "generating $capture (5,000,000 packets)..." >&2
    python3 Scripts/gen_edge_capture.py --out "$capture" --packets 5000000 --seed 7
fi
for tool in editcap tshark ndpiReader cc; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y tshark libndpi-bin gcc libpcap-dev" >&2; exit 2; }
done
[ -f "$small" ] || editcap -r "$capture" "$small" 1-200000

swift build -c release >/dev/null
bin=$(swift build -c release --show-bin-path)/edgeflow
cc -O2 -o /tmp/edgeflow-pcap-count Benchmarks/pcap_count.c -lpcap

packets() { capinfos -c -M "$1" | awk '/Number of packets/ {print $NF}'; }
big_packets=$(packets "$capture")
small_packets=$(packets "$small")

declare -A names commands sizes
order=(cloop mmap threads2 libpcap ndpi tshark)
names[cloop]="C loop: pcap_dispatch counting packets"
names[mmap]="edgeflow analyze --threads 1 (mmap reader)"
names[threads2]="edgeflow analyze --threads 2"
names[libpcap]="edgeflow analyze --reader libpcap"
names[ndpi]="ndpiReader -q -i"
names[tshark]="tshark -q -z conv,udp -z conv,tcp"
commands[cloop]="/tmp/edgeflow-pcap-count $capture"
commands[mmap]="$bin analyze $capture --threads 1 --format json --out /dev/null"
commands[threads2]="$bin analyze $capture --threads 2 --format json --out /dev/null"
commands[libpcap]="$bin analyze $capture --reader libpcap --format json --out /dev/null"
commands[ndpi]="ndpiReader -q -i $capture"
commands[tshark]="tshark -n -q -r $small -z conv,udp -z conv,tcp"
sizes=([cloop]=$big_packets [mmap]=$big_packets [threads2]=$big_packets [libpcap]=$big_packets [ndpi]=$big_packets [tshark]=$small_packets)

declare -A samples walls rss
for ((r = 1; r <= runs; r++)); do
    for key in "${order[@]}"; do
        /usr/bin/time -o /tmp/edgeflow-bench-time -f "%U %S %e %M" ${commands[$key]} >/dev/null 2>&1 || true
        t=$(tail -1 /tmp/edgeflow-bench-time | awk '{print $1 + $2}')
        samples[$key]+="$t "
        walls[$key]+="$(tail -1 /tmp/edgeflow-bench-time | awk '{print $3}') "
        rss[$key]+="$(tail -1 /tmp/edgeflow-bench-time | awk '{print $4}') "
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
base=$(echo "${samples[cloop]}" | median)
base_pp=$(awk -v t="$base" -v n="$big_packets" 'BEGIN {print t / n}')
printf "| program | packets | CPU s (median of %d) | wall s | peak RSS MB | Mpps per core | CPU per packet vs C loop |\n|---|---|---|---|---|---|---|\n" "$runs"
for key in "${order[@]}"; do
    m=$(echo "${samples[$key]}" | median)
    w=$(echo "${walls[$key]}" | median)
    k=$(echo "${rss[$key]}" | median)
    awk -v name="${names[$key]}" -v n="${sizes[$key]}" -v t="$m" -v w="$w" -v k="$k" -v b="$base_pp" \
        'BEGIN {printf "| %s | %d | %.2f | %.2f | %.0f | %.3f | %.2f |\n", name, n, t, w, k / 1024, (t > 0 ? n / t / 1e6 : 0), (t / n) / b}'
done
w1=$(echo "${walls[mmap]}" | median); w2=$(echo "${walls[threads2]}" | median)
c1=$(echo "${samples[mmap]}" | median); c2=$(echo "${samples[threads2]}" | median)
awk -v a="$w1" -v b="$w2" -v c="$c1" -v d="$c2" 'BEGIN {printf "\nwall time, --threads 1 / --threads 2: %.2f (target at least 1.7)\nCPU, --threads 2 / --threads 1: %.2f (target at most 1.2)\n", a / b, d / c}'
