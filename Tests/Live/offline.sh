# Shared by the Tests/Live/*_test.sh scripts that check a live run against an offline one.
# Source it from the repository root with the script's arguments:
#   source Tests/Live/offline.sh TAG [EDGEFLOW_BINARY] [CAPTURE]
# It sets `bin` and `capture` (absolute paths; defaults .build/release/edgeflow and
# Captures/edge-sample.pcap), `work` (a new /tmp/edgeflow-TAG-XXXXXX, removed on exit),
# `topology` (the sample's Edge addresses) and writes the offline report $work/offline.json.
bin=$(realpath "${2:-.build/release/edgeflow}")
capture=$(realpath "${3:-Captures/edge-sample.pcap}")
work=$(mktemp -d "/tmp/edgeflow-$1-XXXXXX")
trap 'rm -rf "$work"' EXIT
topology=(--access-edge 203.0.113.10,2001:db8:10::10 --av-edge 203.0.113.20 --webconf-edge 203.0.113.30)

"$bin" analyze "$capture" "${topology[@]}" --format json --out "$work/offline.json"
