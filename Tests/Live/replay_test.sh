#!/usr/bin/env bash
# End-to-end test of `edgeflow live`: in a private network namespace with only loopback
# (unshare -n, so nothing else is on the wire), tcpreplay replays a capture onto lo while
# `edgeflow live lo` captures it, writes NDJSON, serves metrics and exports IPFIX to nfdump's
# nfcapd. The flows it wrote, the scraped metrics and the records nfdump reads back must
# match an offline `edgeflow analyze` of the same capture.
#   Tests/Live/replay_test.sh [EDGEFLOW_BINARY] [CAPTURE]
# Needs root, tcpreplay, nfdump (nfcapd), curl and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=offline.sh
source Tests/Live/offline.sh live "$@"

unshare -n bash -s "$bin" "$capture" "$work" "${topology[@]}" <<'INNER'
set -euo pipefail
bin=$1; capture=$2; work=$3; shift 3
ip link set lo up
mkdir -p "$work/nfcapd"
nfcapd -w "$work/nfcapd" -b 127.0.0.1 -p 4739 -P "$work/nfcapd.pid" >"$work/nfcapd.log" 2>&1 &
nfcapd_pid=$!
# The metrics scrapes and the IPFIX datagrams cross lo too: leave them out of the capture.
"$bin" live lo "$@" --filter 'not port 9478 and not port 4739' --interval 1 --format ndjson \
    --out "$work/live.ndjson" --metrics-listen 127.0.0.1:9478 --metrics-hold 10 --ipfix 127.0.0.1:4739 2>"$work/live.err" &
live_pid=$!
# Ready once the first interval line is out: the capture loop is running (the metrics
# endpoint answers earlier, before the interface is open).
for _ in $(seq 100); do grep -q '"type":"interval"' "$work/live.ndjson" 2>/dev/null && break; sleep 0.1; done
tcpreplay -q -i lo "$capture" >"$work/tcpreplay.log" 2>&1
sleep 2   # two intervals: flows flushed to the writers and exporters
kill -INT "$live_pid"
# After the final report, --metrics-hold keeps the final values up for one last scrape.
for _ in $(seq 50); do grep -q '"type":"summary"' "$work/live.ndjson" 2>/dev/null && break; sleep 0.1; done
curl -sf 127.0.0.1:9478/metrics >"$work/metrics.txt"
kill -INT "$live_pid"
wait "$live_pid"
sleep 0.5
kill -TERM "$nfcapd_pid"
wait "$nfcapd_pid" || true
INNER
nfdump -R "$work/nfcapd" -q -o csv >"$work/ipfix.csv"
python3 Tests/Live/compare_live.py "$work"
