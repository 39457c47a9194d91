#!/usr/bin/env bash
# Side-by-side CPU time of edgeflow and its peers on one machine, in one run.
#
#   Benchmarks/compare.sh [CAPTURE] [RUNS] [FLOOD]
#
# CAPTURE defaults to a 5-million-packet Edge capture made by Scripts/gen_edge_capture.py
# (seed 7) in /tmp, FLOOD to a 3-million-flow flood made by Scripts/gen_flood_capture.py
# (--kind mixed: every packet a new flow). Each program runs RUNS times (default 5),
# alternating (in another order each round), and the median of user+sys CPU seconds is
# kept. tshark is too slow for the big file: it reads the first 200,000 packets (cut with
# editcap) and its per-packet cost is scaled. Besides the peers, edgeflow's CSV and NDJSON
# output are timed on CAPTURE and its default settings on FLOOD, for issue 17's ratios: a
# flood packet against a normal one, peak memory of the flood, each format against JSON.
# Needs: libpcap-dev, tshark (editcap), libndpi-bin (ndpiReader), python3. EDGEFLOW_BIN=path
# times that edgeflow binary instead of building this tree's release one (to compare two
# commits side by side).
set -euo pipefail
cd "$(dirname "$0")/.."

capture=${1:-/tmp/edgeflow-bench-5m.pcap}
runs=${2:-5}
flood=${3:-/tmp/edgeflow-bench-flood-3m.pcap}
small=/tmp/edgeflow-bench-small.pcap

if [ ! -f "$capture" ]; then
    echo "generating $capture (5,000,000 packets)..." >&2
    python3 Scripts/gen_edge_capture.py --out "$capture" --packets 5000000 --seed 7
fi
if [ ! -f "$flood" ]; then
    echo "generating $flood (3,000,000 flows)..." >&2
    python3 Scripts/gen_flood_capture.py --out "$flood" --kind mixed --packets 3000000
fi
for tool in editcap tshark ndpiReader cc; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y tshark libndpi-bin gcc libpcap-dev" >&2; exit 2; }
done
[ -f "$small" ] || editcap -r "$capture" "$small" 1-200000

if [ -n "${EDGEFLOW_BIN:-}" ]; then
    bin=$EDGEFLOW_BIN
else
    swift build -c release >/dev/null
    bin=$(swift build -c release --show-bin-path)/edgeflow
fi
cc -O2 -o /tmp/edgeflow-pcap-count Benchmarks/pcap_count.c -lpcap

packets() { capinfos -c -M "$1" | awk '/Number of packets/ {print $NF}'; }
big_packets=$(packets "$capture")
small_packets=$(packets "$small")
flood_packets=$(packets "$flood")

declare -A names commands sizes inputs
order=(cloop mmap threads2 libpcap ndpi tshark csv ndjson flood)
names[cloop]="C loop: pcap_dispatch counting packets"
names[mmap]="edgeflow analyze --threads 1 (mmap reader)"
names[threads2]="edgeflow analyze --threads 2"
names[libpcap]="edgeflow analyze --reader libpcap"
names[ndpi]="ndpiReader -q -i"
names[tshark]="tshark -q -z conv,udp -z conv,tcp"
names[csv]="edgeflow analyze --threads 1 --format csv"
names[ndjson]="edgeflow analyze --threads 1 --format ndjson"
names[flood]="edgeflow analyze FLOOD (default settings)"
commands[cloop]="/tmp/edgeflow-pcap-count $capture"
commands[mmap]="$bin analyze $capture --threads 1 --format json --out /dev/null"
commands[threads2]="$bin analyze $capture --threads 2 --format json --out /dev/null"
commands[libpcap]="$bin analyze $capture --reader libpcap --format json --out /dev/null"
commands[ndpi]="ndpiReader -q -i $capture"
commands[tshark]="tshark -n -q -r $small -z conv,udp -z conv,tcp"
commands[csv]="$bin analyze $capture --threads 1 --format csv --out /dev/null"
commands[ndjson]="$bin analyze $capture --threads 1 --format ndjson --out /dev/null"
commands[flood]="$bin analyze $flood --format json --out /dev/null"
# The file each run reads: read through once before its timed run (outside the timing), so that
# no run pays for the pages another capture evicted from the page cache (the 5M runs' 1.1 GB
# evicted the flood's on a machine with little memory to spare: a flood row of 3.26 once).
inputs=([cloop]=$capture [mmap]=$capture [threads2]=$capture [libpcap]=$capture [ndpi]=$capture [tshark]=$small
        [csv]=$capture [ndjson]=$capture [flood]=$flood)
sizes=([cloop]=$big_packets [mmap]=$big_packets [threads2]=$big_packets [libpcap]=$big_packets [ndpi]=$big_packets [tshark]=$small_packets
       [csv]=$big_packets [ndjson]=$big_packets [flood]=$flood_packets)

declare -A samples walls rss
n=${#order[@]}
gcd() { local a=$1 b=$2; while ((b)); do local t=$((a % b)); a=$b; b=$t; done; echo "$a"; }
steps=(); for ((d = 1; d < n; d++)); do [ "$(gcd "$d" "$n")" = 1 ] && steps+=("$d"); done
for ((r = 1; r <= runs; r++)); do
    # Each round visits the programs in another order (from program r, every step-th, the step
    # one of those prime to their number), so that no program always follows the same one: on a
    # virtual machine that hands freed memory back to its host, a run right after one that freed
    # hundreds of MB pays the host's faults for its fresh pages (Benchmarks/README.md).
    step=${steps[(r - 1) % ${#steps[@]}]}
    for ((k = 0; k < n; k++)); do
        key=${order[((r - 1) + k * step) % n]}
        cat "${inputs[$key]}" >/dev/null
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
cf=$(echo "${samples[flood]}" | median); kf=$(echo "${rss[flood]}" | median)
cc=$(echo "${samples[csv]}" | median); cn=$(echo "${samples[ndjson]}" | median)
awk -v c="$c1" -v n="$big_packets" -v f="$cf" -v fn="$flood_packets" -v k="$kf" -v csv="$cc" -v nd="$cn" 'BEGIN {
    printf "CPU per packet, flood / normal (--threads 1): %.2f (target at most 2)\n", (f / fn) / (c / n)
    printf "peak RSS of the flood (%d flows), default settings: %.0f MiB (target at most 1024 for 3M flows)\n", fn, k / 1024
    printf "CPU, CSV / JSON: %.2f; NDJSON / JSON: %.2f (target at most 1)\n", csv / c, nd / c }'
