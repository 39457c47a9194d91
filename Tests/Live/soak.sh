#!/usr/bin/env bash
# Soak run of `edgeflow live` (by hand, not in CI): in a private network namespace, tcpreplay
# loops a generated Edge capture onto lo with new addresses every loop (--unique-ip, so flows
# keep starting and expiring) while edgeflow captures, writes rotating NDJSON and serves
# metrics. Resident memory is sampled every 30 s.
#   Tests/Live/soak.sh [MINUTES] [PPS] [EDGEFLOW_BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes=${1:-30}
pps=${2:-5000}
bin=$(realpath "${3:-.build/release/edgeflow}")
work=${SOAK_DIR:-$(mktemp -d /tmp/edgeflow-soak-XXXXXX)}
mkdir -p "$work"
[ -f "$work/edge.pcap" ] || python3 Scripts/gen_edge_capture.py --out "$work/edge.pcap" --packets 200000 --seed 3
echo "soak: $minutes min at $pps packets/s, output in $work"
unshare -n bash -s "$bin" "$work" "$minutes" "$pps" <<'INNER'
set -euo pipefail
bin=$1; work=$2; minutes=$3; pps=$4
ip link set lo up
"$bin" live lo --filter 'not port 9478' --interval 10 --format ndjson --out "$work/live.ndjson" --rotate 50M \
    --metrics-listen 127.0.0.1:9478 --duration $((minutes * 60)) 2>"$work/live.err" &
pid=$!
sleep 1
tcpreplay -q --unique-ip --loop 0 --pps "$pps" -i lo "$work/edge.pcap" >"$work/tcpreplay.log" 2>&1 &
replay=$!
echo "elapsed_s rss_kb live_flows packets_total" | tee "$work/rss.txt"
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
    m=$(curl -sf 127.0.0.1:9478/metrics || true)
    live=$(echo "$m" | awk '/^edgeflow_live_flows / {print $2}')
    pk=$(echo "$m" | awk '/^edgeflow_capture_packets_total / {print $2}')
    echo "$(( $(date +%s) - start )) $rss ${live:-0} ${pk:-0}" | tee -a "$work/rss.txt"
    sleep 30
done
kill "$replay" 2>/dev/null || true
wait "$pid" || true
INNER
