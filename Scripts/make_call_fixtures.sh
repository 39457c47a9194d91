#!/usr/bin/env bash
# Writes the tshark fixtures of Captures/calls/relay-call.pcap (client leg over UDP),
# relay-call-tcp.pcap (client leg over TCP), relay-call-bursty.pcap (bursty loss beyond the
# Edge) and relay-call-sip.pcap (opus signalled by plaintext SIP) into
# Tests/EdgeflowKitTests/Fixtures, NAME being the capture's name without .pcap:
#   NAME.rtp-streams.txt  tshark's RTP stream analysis, one stream per SSRC per leg
#   NAME.rtp.tshark.txt   per-frame RTP ("r" lines) and RTCP ("c" lines) fields, with tshark's
#                         RTCP round-trip delay (RFC 3550 §6.4.1)
#   NAME.turn.tshark.txt  the STUN/TURN messages (not the ChannelData)
#   NAME.sip.tshark.txt   (relay-call-sip only) the SIP messages: frame, ends, method or status,
#                         Call-ID and the SDP's c=, m= and a= lines
# Each fixture's header gives the exact command. UDP 3478 is decoded as STUN (TURN; tshark
# does TCP 3478 by itself) and RTP is found by tshark's heuristic, also inside ChannelData;
# RTCP by its own heuristic (on by default). Over TCP one frame may hold several messages:
# then the fields list one value per message, comma-separated.
# Usage: Scripts/make_call_fixtures.sh [NAME...]   (from any directory; needs tshark; default: all four)
set -euo pipefail
root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$root_dir/Tests/EdgeflowKitTests/Fixtures
opt=(-d udp.port==3478,stun -o rtp.heuristic_rtp:TRUE)
rtt=(-o rtcp.show_roundtrip_calculation:TRUE -o rtcp.roundtrip_min_threshhold:0)
version=$(tshark -v 2>/dev/null | head -1)
# Every per-frame command asks for these first; merge_ports folds them into 6 columns.
addr=(frame.number frame.time_epoch ip.src udp.srcport tcp.srcport ip.dst udp.dstport tcp.dstport)
addr_columns="frame.number frame.time_epoch ip.src srcport ip.dst dstport"

# fields NAME...: "-e NAME" for each.
fields() { local f; for f in "$@"; do printf -- '-e\n%s\n' "$f"; done; }

# merge_ports: srcport = udp.srcport or tcp.srcport, whichever the frame has; dstport likewise.
merge_ports() {
    awk -F'\t' -v OFS='\t' '{ out = $1 OFS $2 OFS $3 OFS $4 $5 OFS $6 OFS $7 $8
                              for (i = 9; i <= NF; i++) out = out OFS $i; print out }'
}
merge_note="#   (then columns 4-5 and 7-8 merged: srcport is udp.srcport or tcp.srcport, dstport likewise)"

# fixtures PCAP: the three fixtures of PCAP.
fixtures() {
    local pcap=$1 name base file
    name=$(basename "$pcap")
    base=$out/${name%.pcap}
    file=$base.rtp-streams.txt
    {
        echo "# $version, run on $name"
        echo "# tshark -r $name ${opt[*]} -qz rtp,streams"
        tshark -r "$pcap" "${opt[@]}" -qz rtp,streams 2>/dev/null
    } >"$file"
    echo "wrote $file"

    local rtp_fields=(rtp.ssrc rtp.seq rtp.timestamp rtp.p_type rtp.marker)
    local rtcp_fields=(rtcp.pt rtcp.senderssrc rtcp.ssrc.identifier rtcp.ssrc.fraction rtcp.ssrc.cum_nr
                       rtcp.ssrc.ext_high rtcp.ssrc.jitter rtcp.ssrc.lsr rtcp.ssrc.dlsr rtcp.roundtrip-delay)
    local -a rtp_e rtcp_e turn_e
    mapfile -t rtp_e < <(fields "${addr[@]}" "${rtp_fields[@]}")
    mapfile -t rtcp_e < <(fields "${addr[@]}" "${rtcp_fields[@]}")
    file=$base.rtp.tshark.txt
    {
        echo "# $version, run on $name"
        echo "# r lines: tshark -r $name ${opt[*]} -Y rtp -T fields -E occurrence=a -E aggregator=, ${rtp_e[*]}"
        echo "$merge_note"
        echo "#   columns: $addr_columns ${rtp_fields[*]}"
        echo "# c lines: tshark -r $name ${opt[*]} ${rtt[*]} -Y rtcp -T fields -E occurrence=a -E aggregator=, ${rtcp_e[*]}"
        echo "$merge_note"
        echo "#   columns: $addr_columns ${rtcp_fields[*]}"
        echo "#   (report-block fields list one value per block, in order; rtcp.roundtrip-delay in ms, empty when tshark computed none;"
        echo "#   a TCP frame with several RTP or RTCP messages lists one value per message)"
        tshark -r "$pcap" "${opt[@]}" -Y rtp -T fields -E occurrence=a -E aggregator=, "${rtp_e[@]}" 2>/dev/null | merge_ports | sed 's/^/r\t/'
        tshark -r "$pcap" "${opt[@]}" "${rtt[@]}" -Y rtcp -T fields -E occurrence=a -E aggregator=, "${rtcp_e[@]}" 2>/dev/null | merge_ports | sed 's/^/c\t/'
    } >"$file"
    echo "wrote $file"

    local turn_fields=(stun.type stun.att.type stun.att.ipv4 stun.att.port stun.att.channelnum stun.att.lifetime
                       stun.att.error.class stun.att.error stun.att.realm)
    mapfile -t turn_e < <(fields "${addr[@]}" "${turn_fields[@]}")
    file=$base.turn.tshark.txt
    {
        echo "# $version, run on $name"
        echo "# tshark -r $name -d udp.port==3478,stun -Y stun.type -T fields -E occurrence=a -E aggregator=, ${turn_e[*]}"
        echo "$merge_note"
        echo "#   columns: $addr_columns ${turn_fields[*]}"
        echo "#   (stun.att.type lists every attribute in order; stun.att.ipv4/port the address attributes"
        echo "#   in the same order, XOR already undone: in 0x0103 Allocate success, XOR-RELAYED-ADDRESS (0x0016)"
        echo "#   then XOR-MAPPED-ADDRESS (0x0020); in 0x0008/0x0009 requests, XOR-PEER-ADDRESS (0x0012))"
        tshark -r "$pcap" -d udp.port==3478,stun -Y stun.type -T fields -E occurrence=a -E aggregator=, "${turn_e[@]}" 2>/dev/null | merge_ports
    } >"$file"
    echo "wrote $file"
}

# sip_fixture PCAP: NAME.sip.tshark.txt.
sip_fixture() {
    local pcap=$1 name file
    name=$(basename "$pcap")
    file=$out/${name%.pcap}.sip.tshark.txt
    local sip=(-Y sip -T fields -e frame.number -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e sip.Method -e sip.Status-Code
               -e sip.Call-ID -e sdp.connection_info -e sdp.media -e sdp.media_attr)
    {
        echo "# $version, run on $name"
        echo "# tshark -r $name ${sip[*]}"
        tshark -r "$pcap" "${sip[@]}" 2>/dev/null
    } >"$file"
    echo "wrote $file"
}

names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(relay-call relay-call-tcp relay-call-bursty relay-call-sip)
for name in "${names[@]}"; do
    fixtures "$root_dir/Captures/calls/$name.pcap"
    [[ $name != *-sip ]] || sip_fixture "$root_dir/Captures/calls/$name.pcap"
done
