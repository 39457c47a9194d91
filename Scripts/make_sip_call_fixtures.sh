#!/usr/bin/env bash
# Writes the tshark fixtures of Captures/calls/sip-call.pcap (Scripts/record_sip_call_capture.sh)
# into Tests/EdgeflowKitTests/Fixtures; each fixture's header gives the exact command:
#   sip-call.sip.tshark.txt      the SIP messages: frame, ends, Call-ID and the SDP lines
#                                (c=, m=, a= attributes, which hold rtpmap and the ICE candidates)
#   sip-call.rtp-streams.txt     tshark's RTP stream analysis (RTP found by its heuristic, so
#                                both directions are listed, not only the one the SDP set up)
#   sip-call.stun.tshark.txt     the ICE connectivity checks: ends and USERNAME
#   sip-call.rtp.tshark.txt      each RTP packet: capture time, ends, SSRC, payload type and
#                                RTP timestamp (for RFC 3550 jitter at the SDP's clock)
# Usage: Scripts/make_sip_call_fixtures.sh   (from any directory; needs tshark)
set -euo pipefail
root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pcap=$root_dir/Captures/calls/sip-call.pcap
out=$root_dir/Tests/EdgeflowKitTests/Fixtures
version=$(tshark -v 2>/dev/null | head -1)

sip=(-Y sip -T fields -e frame.number -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e sip.Call-ID
     -e sdp.connection_info -e sdp.media -e sdp.media_attr)
{
    echo "# $version, run on sip-call.pcap"
    echo "# tshark -r sip-call.pcap ${sip[*]}"
    tshark -r "$pcap" "${sip[@]}" 2>/dev/null
} >"$out/sip-call.sip.tshark.txt"

streams=(-o rtp.heuristic_rtp:TRUE -qz rtp,streams)
{
    echo "# $version, run on sip-call.pcap"
    echo "# tshark -r sip-call.pcap ${streams[*]}"
    tshark -r "$pcap" "${streams[@]}" 2>/dev/null
} >"$out/sip-call.rtp-streams.txt"

stun=(-Y stun.att.username -T fields -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e stun.att.username)
{
    echo "# $version, run on sip-call.pcap"
    echo "# tshark -r sip-call.pcap ${stun[*]}"
    tshark -r "$pcap" "${stun[@]}" 2>/dev/null
} >"$out/sip-call.stun.tshark.txt"
rtp=(-o rtp.heuristic_rtp:TRUE -Y rtp -T fields -e frame.time_epoch -e ip.src -e udp.srcport -e ip.dst -e udp.dstport
     -e rtp.ssrc -e rtp.p_type -e rtp.timestamp)
{
    echo "# $version, run on sip-call.pcap"
    echo "# tshark -r sip-call.pcap ${rtp[*]}"
    tshark -r "$pcap" "${rtp[@]}" 2>/dev/null
} >"$out/sip-call.rtp.tshark.txt"
echo "wrote $out/sip-call.{sip,stun,rtp}.tshark.txt and sip-call.rtp-streams.txt"
