#!/usr/bin/env bash
# End-to-end test of the Prometheus rules against a real Prometheus server: in a private
# network namespace with only loopback (unshare -n), `edgeflow live lo` runs as the systemd
# unit runs it (user nobody, only CAP_NET_RAW and CAP_NET_ADMIN, via setpriv) while tcpreplay
# replays a capture onto lo; Debian's prometheus scrapes it every second with
# deploy/prometheus/edgeflow-rules.yml loaded. The values read back through Prometheus's HTTP
# API (metrics, recording rules, firing alerts) must match an offline `edgeflow analyze` of
# the same capture (the sample's RTP streams too: the media metrics by label and leg), and
# SIGTERM must end the run with the final report and exit status 0.
#   Tests/Live/prometheus_test.sh [EDGEFLOW_BINARY] [CAPTURE]
# Needs root, prometheus, tcpreplay, curl, setpriv (util-linux) and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
for tool in prometheus tcpreplay curl setpriv python3; do
    command -v "$tool" >/dev/null || { echo "FAIL  $tool is not installed (apt-get install prometheus tcpreplay curl util-linux; .ci/run does)"; exit 1; }
done
# shellcheck source=offline.sh
source Tests/Live/offline.sh prom "$@"
# The unprivileged account must reach the binary and write its log directory.
chmod 755 "$work"
install -m 755 "$bin" "$work/edgeflow"
install -d -o nobody -m 750 "$work/logs"
cat >"$work/prometheus.yml" <<CONFIG
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $repo/deploy/prometheus/edgeflow-rules.yml
scrape_configs:
  - job_name: edgeflow
    static_configs:
      - targets: ['127.0.0.1:9478']
CONFIG

unshare -n bash -s "$work" "$capture" "$repo" "${topology[@]}" <<'INNER'
set -euo pipefail
work=$1; capture=$2; repo=$3; shift 3
ip link set lo up
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address=127.0.0.1:9090 >"$work/prometheus.log" 2>&1 &
prom_pid=$!
# As deploy/systemd/edgeflow-live.service runs it: an unprivileged user with only the two capabilities.
setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs \
    --inh-caps=-all,+net_raw,+net_admin --ambient-caps=-all,+net_raw,+net_admin --bounding-set=-all,+net_raw,+net_admin \
    "$work/edgeflow" live lo "$@" --filter 'not port 9478 and not port 9090' --interval 1 --format ndjson \
    --out "$work/logs/flows.ndjson" --metrics-listen 127.0.0.1:9478 --metrics-hold 60 2>"$work/live.err" &
live_pid=$!
for _ in $(seq 100); do grep -q '"type":"interval"' "$work/logs/flows.ndjson" 2>/dev/null && break; sleep 0.1; done
for _ in $(seq 100); do curl -sf 127.0.0.1:9090/-/ready >/dev/null && break; sleep 0.2; done
tcpreplay -q -i lo "$capture" >"$work/tcpreplay.log" 2>&1
sleep 2
# systemctl stop sends SIGTERM: final report, then (with --metrics-hold) the final metrics stay up.
kill -TERM "$live_pid"
for _ in $(seq 50); do grep -q '"type":"summary"' "$work/logs/flows.ndjson" 2>/dev/null && break; sleep 0.1; done
python3 "$repo/Tests/Live/check_prometheus.py" "$work" http://127.0.0.1:9090 || status=$?
kill -TERM "$live_pid"   # a second signal ends the hold
live_status=0
wait "$live_pid" || live_status=$?
kill -TERM "$prom_pid"
wait "$prom_pid" || true
if [ "$live_status" -ne 0 ]; then echo "FAIL  edgeflow live exited with status $live_status after SIGTERM"; cat "$work/live.err"; exit 1; fi
echo "ok    edgeflow live (user nobody, CAP_NET_RAW/CAP_NET_ADMIN only) wrote its final report and exited 0 on SIGTERM"
exit "${status:-0}"
INNER
