#!/usr/bin/env bash
# Writes the tshark fixtures of Captures/calls/relay-call.pcap into Tests/EdgeflowKitTests/Fixtures:
#   relay-call.rtp-streams.txt  tshark's RTP stream analysis, one stream per SSRC per leg
#   relay-call.rtp.tshark.txt   per-frame RTP ("r" lines) and RTCP ("c" lines) fields, with
#                               tshark's RTCP round-trip delay (RFC 3550 §6.4.1)
#   relay-call.turn.tshark.txt  the STUN/TURN messages (not the ChannelData)
# Each fixture's header gives the exact command. UDP 3478 is decoded as STUN (TURN) and RTP is
# found by tshark's heuristic, also inside ChannelData; RTCP by its own heuristic (on by default).
# Usage: Scripts/make_call_fixtures.sh   (from any directory; needs tshark)
set -euo pipefail
root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$root_dir/Tests/EdgeflowKitTests/Fixtures
pcap=$root_dir/Captures/calls/relay-call.pcap
name=$(basename "$pcap")
opt=(-d udp.port==3478,stun -o rtp.heuristic_rtp:TRUE)
rtt=(-o rtcp.show_roundtrip_calculation:TRUE -o rtcp.roundtrip_min_threshhold:0)
version=$(tshark -v 2>/dev/null | head -1)

# fields NAME...: "-e NAME" for each.
fields() { local f; for f in "$@"; do printf -- '-e\n%s\n' "$f"; done; }

file=$out/relay-call.rtp-streams.txt
{
    echo "# $version, run on $name"
    echo "# tshark -r $name ${opt[*]} -qz rtp,streams"
    tshark -r "$pcap" "${opt[@]}" -qz rtp,streams 2>/dev/null
} >"$file"
echo "wrote $file"

rtp_fields=(frame.number frame.time_epoch ip.src udp.srcport ip.dst udp.dstport rtp.ssrc rtp.seq rtp.timestamp rtp.p_type rtp.marker)
rtcp_fields=(frame.number frame.time_epoch ip.src udp.srcport ip.dst udp.dstport rtcp.pt rtcp.senderssrc
             rtcp.ssrc.identifier rtcp.ssrc.fraction rtcp.ssrc.cum_nr rtcp.ssrc.ext_high rtcp.ssrc.jitter
             rtcp.ssrc.lsr rtcp.ssrc.dlsr rtcp.roundtrip-delay)
mapfile -t rtp_e < <(fields "${rtp_fields[@]}")
mapfile -t rtcp_e < <(fields "${rtcp_fields[@]}")
file=$out/relay-call.rtp.tshark.txt
{
    echo "# $version, run on $name"
    echo "# r lines: tshark -r $name ${opt[*]} -Y rtp -T fields -E occurrence=a -E aggregator=, ${rtp_e[*]}"
    echo "#   columns: ${rtp_fields[*]}"
    echo "# c lines: tshark -r $name ${opt[*]} ${rtt[*]} -Y rtcp -T fields -E occurrence=a -E aggregator=, ${rtcp_e[*]}"
    echo "#   columns: ${rtcp_fields[*]}"
    echo "#   (report-block fields list one value per block, in order; rtcp.roundtrip-delay in ms, empty when tshark computed none)"
    tshark -r "$pcap" "${opt[@]}" -Y rtp -T fields -E occurrence=a -E aggregator=, "${rtp_e[@]}" 2>/dev/null | sed 's/^/r\t/'
    tshark -r "$pcap" "${opt[@]}" "${rtt[@]}" -Y rtcp -T fields -E occurrence=a -E aggregator=, "${rtcp_e[@]}" 2>/dev/null | sed 's/^/c\t/'
} >"$file"
echo "wrote $file"

turn_fields=(frame.number frame.time_epoch ip.src udp.srcport ip.dst udp.dstport stun.type stun.att.type
             stun.att.ipv4 stun.att.port stun.att.channelnum stun.att.lifetime stun.att.error.class stun.att.error stun.att.realm)
mapfile -t turn_e < <(fields "${turn_fields[@]}")
file=$out/relay-call.turn.tshark.txt
{
    echo "# $version, run on $name"
    echo "# tshark -r $name -d udp.port==3478,stun -Y stun.type -T fields -E occurrence=a -E aggregator=, ${turn_e[*]}"
    echo "#   columns: ${turn_fields[*]}"
    echo "#   (stun.att.type lists every attribute in order; stun.att.ipv4/port the address attributes"
    echo "#   in the same order, XOR already undone: in 0x0103 Allocate success, XOR-RELAYED-ADDRESS (0x0016)"
    echo "#   then XOR-MAPPED-ADDRESS (0x0020); in 0x0008/0x0009 requests, XOR-PEER-ADDRESS (0x0012))"
    tshark -r "$pcap" -d udp.port==3478,stun -Y stun.type -T fields -E occurrence=a -E aggregator=, "${turn_e[@]}" 2>/dev/null
} >"$file"
echo "wrote $file"
