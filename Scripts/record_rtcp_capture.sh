#!/usr/bin/env bash
# Records Captures/rtcp/rtcp-rtt.pcap: a plain RTP/RTCP call between two Scripts/rtcp_peer.py
# processes on 127.0.0.1:40100 <-> 127.0.0.1:40102 (PCMU, RTCP multiplexed on the RTP ports,
# a sender report with LSR/DLSR each second both ways), each peer holding its datagrams 20 ms
# before sending them (a one-way delay made in user space: tc netem needs a kernel module that
# containers often lack), captured with tcpdump on lo. Then writes the tshark reference,
# Tests/EdgeflowKitTests/Fixtures/rtcp-rtt.tshark.txt: one line per RTCP packet (frame number,
# capture time, sender SSRC, reported SSRCs, LSR, DLSR, and for reports whose LSR matches an
# earlier SR tshark's rtcp.roundtrip-delay in ms and that SR's frame), from
#   tshark -r rtcp-rtt.pcap -d udp.port==40100,rtp -o rtcp.show_roundtrip_calculation:TRUE \
#          -o rtcp.roundtrip_min_threshhold:0 -Y rtcp -T fields -e frame.number -e frame.time_epoch \
#          -e rtcp.senderssrc -e rtcp.ssrc.identifier -e rtcp.ssrc.lsr -e rtcp.ssrc.dlsr \
#          -e rtcp.roundtrip-delay -e rtcp.lsr-frame
#
# Needs root (tcpdump on lo), python3, tcpdump and tshark. Usage:
#   Scripts/record_rtcp_capture.sh [SECONDS]     (default 12)
# Rerunnable: the message sequence is fixed; timing and therefore the round trips vary a little.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/Captures/rtcp/rtcp-rtt.pcap"
FIXTURE="$ROOT/Tests/EdgeflowKitTests/Fixtures/rtcp-rtt.tshark.txt"
SECONDS_TO_RUN="${1:-12}"
for c in tcpdump tshark python3; do
    command -v "$c" >/dev/null || { echo "missing: $c (apt-get install -y tcpdump tshark python3)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "tcpdump on lo needs root: run with sudo" >&2; exit 1; }

mkdir -p "$(dirname "$OUT")"
tcpdump -i lo -w "$OUT" -U udp and portrange 40100-40102 2>/dev/null &
DUMP=$!
trap 'kill "$DUMP" 2>/dev/null || true' EXIT
sleep 1
python3 "$ROOT/Scripts/rtcp_peer.py" 40100 40102 0x11111111 "$SECONDS_TO_RUN" 20 &
A=$!
python3 "$ROOT/Scripts/rtcp_peer.py" 40102 40100 0x22222222 "$SECONDS_TO_RUN" 20 &
B=$!
wait "$A" "$B"
sleep 1
kill "$DUMP"; wait "$DUMP" || true

{
    echo "# tshark $(tshark -v 2>/dev/null | head -1 | awk '{print $3}') on Captures/rtcp/rtcp-rtt.pcap (Scripts/record_rtcp_capture.sh):"
    echo "# frame time_epoch sender_ssrc reported_ssrcs lsr dlsr roundtrip_delay_ms lsr_frame"
    tshark -r "$OUT" -d udp.port==40100,rtp -o rtcp.show_roundtrip_calculation:TRUE -o rtcp.roundtrip_min_threshhold:0 \
        -Y rtcp -T fields -e frame.number -e frame.time_epoch -e rtcp.senderssrc -e rtcp.ssrc.identifier \
        -e rtcp.ssrc.lsr -e rtcp.ssrc.dlsr -e rtcp.roundtrip-delay -e rtcp.lsr-frame
} > "$FIXTURE"
echo "wrote $OUT and $FIXTURE ($(awk -F'\t' '!/^#/ && $7 != ""' "$FIXTURE" | wc -l) round trips)"
