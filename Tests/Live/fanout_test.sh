#!/usr/bin/env bash
# End-to-end test of `edgeflow live --threads N` (one PACKET_FANOUT socket per thread): in a
# network namespace of its own (`unshare -n`, IPv6 off, so nothing but the replay crosses), a
# veth pair; `edgeflow live` captures on one end (--filter '', everything) and tcpreplay
# sends into the other.
#   Tests/Live/fanout_test.sh [EDGEFLOW_BINARY] [PACKETS] [BUFFER_SIZE]
# 1. Top speed: a generated Edge capture of PACKETS packets (default 200000, seed 7)
#    replayed with --topspeed, once with 1 thread and once with 2, each socket with a ring of
#    BUFFER_SIZE (default 64M, live's default; a smaller ring shows drops): packets counted plus kernel
#    drops plus interface drops equal the packets tcpreplay sent, and with 2 threads both
#    sockets counted packets and the sockets' drops sum to the report's.
# 2. Nothing dropped: the bundled sample replayed at 500 packets/s: the 2-thread report's
#    flows, findings and summary counters equal the 1-thread report's, and so do the rules'
#    metrics scraped after the replay, while most flows are still open (compare_fanout.py).
# 3. Shared SDP: Captures/calls/relay-call-sip.pcap at 500 packets/s, its SIP (the first 7
#    frames: the allocation, INVITE, 200 OK, ACK) then, after half a second, the media (a
#    sleep so both sockets' rings have handed on the SIP first), with 2 threads: the SIP flow
#    and the ChannelData flow land on different sockets, and every stream takes the SDP's
#    clock (`clock_source` sdp, codec opus), as with 1 thread.
# 4. A fanout group id held by another program: a socket of another fanout type holds the
#    group numbered by the low 16 bits of the process id that edgeflow is about to take (the
#    id edgeflow used before it asked the kernel for a unique one); `live --threads 2` must
#    still start, in a group of another id.
# Prints the numbers Benchmarks/README.md keeps. Needs root, iproute2, tcpreplay, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-.build/release/edgeflow}")
packets=${2:-200000}
buffer=${3:-64M}
work=$(mktemp -d /tmp/edgeflow-fanout-XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
python3 Scripts/gen_edge_capture.py --out "$work/edge.pcap" --packets "$packets" --seed 7 >/dev/null
cp Captures/edge-sample.pcap "$work/sample.pcap"
# relay-call-sip.pcap split after its 7th frame (classic pcap: a 24-byte header, then records).
python3 - Captures/calls/relay-call-sip.pcap "$work/sip-signal.pcap" "$work/sip-media.pcap" <<'SPLIT'
import struct, sys
data = open(sys.argv[1], "rb").read()
head, pos, records = data[:24], 24, []
while pos < len(data):
    n = struct.unpack("<I", data[pos + 8:pos + 12])[0]
    records.append(data[pos:pos + 16 + n])
    pos += 16 + n
open(sys.argv[2], "wb").write(head + b"".join(records[:7]))
open(sys.argv[3], "wb").write(head + b"".join(records[7:]))
SPLIT

unshare -n bash -s "$bin" "$work" "$buffer" <<'INNER'
set -euo pipefail
bin=$1; work=$2; buffer=$3
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link add name send type veth peer name capture
for l in send capture; do ip link set "$l" mtu 9000 up; done
ip link set lo up
# run NAME THREADS CAPTURE TCPREPLAY_OPTION...: one capture of one replay.
run() {
    local name=$1 threads=$2 capture=$3
    shift 3
    "$bin" live capture --threads "$threads" --filter '' --format json --out "$work/$name.json" \
        --interval 0.5 --buffer-size "$buffer" --metrics-listen 127.0.0.1:9478 "${topology[@]}" 2>"$work/$name.err" &
    local pid=$!
    for _ in $(seq 100); do grep -qs 'capture started' "$work/$name.err" && break; sleep 0.1; done
    sleep 0.5
    # CAPTURE may be FIRST+SECOND: replayed one after the other, half a second apart.
    tcpreplay -i send "$@" "${capture%%+*}" >"$work/$name.tcpreplay" 2>&1
    if [[ $capture == *+* ]]; then sleep 0.5; tcpreplay -i send "$@" "${capture#*+}" >>"$work/$name.tcpreplay" 2>&1; fi
    sleep 3   # the rings drained, and intervals passed
    curl -sf 127.0.0.1:9478/metrics | grep -E '^edgeflow_rule_(packets_total|seen)' | sort >"$work/$name.metrics"
    kill -INT "$pid"
    wait "$pid"
}
topology=(--access-edge 203.0.113.10,2001:db8:10::10 --av-edge 203.0.113.20 --webconf-edge 203.0.113.30)
for threads in 1 2; do run "top$threads" "$threads" "$work/edge.pcap" --topspeed; done
for threads in 1 2; do run "slow$threads" "$threads" "$work/sample.pcap" --pps 500; done
for threads in 1 2; do run "sip$threads" "$threads" "$work/sip-signal.pcap+$work/sip-media.pcap" --pps 500; done

( me=$BASHPID   # the subshell's pid, which exec hands to edgeflow (not the background child's)
  python3 - "$me" "$work/held" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL: a running socket
s.bind(("capture", 0))
s.setsockopt(263, 18, int(sys.argv[1]) & 0xFFFF)  # SOL_PACKET, PACKET_FANOUT, type 0 (hash)
open(sys.argv[2], "w").write(str(int(sys.argv[1]) & 0xFFFF))
time.sleep(30)
PY
  echo $! >"$work/holder.pid"
  for _ in $(seq 100); do [ -s "$work/held" ] && break; sleep 0.1; done
  exec "$bin" live capture --threads 2 --filter '' --format json --out "$work/held.json" --duration 1 "${topology[@]}" 2>"$work/held.err"
) || { echo "FAIL: live --threads 2 did not start beside a socket holding fanout group $(cat "$work/held")"; cat "$work/held.err"; exit 1; }
group=$(grep -o 'fanout_group=[0-9]*' "$work/held.err" | cut -d= -f2)
[ -n "$group" ] && [ "$group" != "$(cat "$work/held")" ] || { echo "FAIL: fanout group '$group' beside held group $(cat "$work/held")"; exit 1; }
echo "held fanout group $(cat "$work/held"): live --threads 2 joined group $group"
kill "$(cat "$work/holder.pid")" 2>/dev/null || true
INNER
python3 Tests/Live/compare_fanout.py "$work"
