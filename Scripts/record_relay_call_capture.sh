#!/usr/bin/env bash
# Records Captures/calls/relay-call.pcap: a relayed call through a real TURN server (coturn's
# turnserver as the A/V Edge), in three network namespaces of this script's own making, with
# loss and delay on chosen legs, captured inside the Edge on both of its links.
#
#   ns efrc-client  198.51.100.10  external Skype client (Scripts/relay_call_media.py client)
#        | veth rc-c <-> rc-ec     client egress: iptables statistic DROP, 4 % of UDP (of TCP with --tcp)
#   ns efrc-edge    203.0.113.20   A/V Edge: turnserver, UDP 3478, relay ports 50000-59999,
#        |                         long-term credentials alice/secret, realm contoso.com
#        | veth rc-ei <-> rc-ew    (both in efrc-edge; rc-ei holds 203.0.113.20 toward Office 365)
#        | Scripts/relay_call_wire.py rc-ew -> rc-eo: 3 % loss, 30 ms +- 10 ms delay, seed 16
#        | veth rc-eo <-> rc-o
#   ns efrc-o365    52.112.0.10    Office 365 media relay (relay_call_media.py o365), UDP 50010
#
# This kernel has no sch_netem (CONFIG_NET_SCH_NETEM is off), so tc netem cannot be used:
# iptables' statistic match drops the client's egress, and relay_call_wire.py (a userspace
# forwarder between two AF_PACKET sockets, no reordering) impairs the Edge's egress toward
# Office 365 the way netem on rc-eo's egress would. Nothing is added on the Office 365 -> Edge
# -> client direction. So, by construction:
#   - the client's stream (SSRC 0x0C11E47A) loses ~4 % before the Edge, seen on both legs
#     (client leg in ChannelData 0x4000 on 198.51.100.10:50040 <-> 203.0.113.20:3478, Office 365
#     leg as plain RTP from the relayed address 203.0.113.20:5xxxx to 52.112.0.10:50010), and
#     ~3 % more beyond the Edge's relay, seen on the Office 365 leg only, with the jitter;
#   - the Office 365 stream (SSRC 0x0365A0D1) is clean on both legs.
# tcpdump runs inside efrc-edge on rc-ec and rc-eo, the Edge's two wires (Ethernet): rc-eo
# carries what the impaired link delivered, so a frame dropped there is absent, as with netem
# on egress. The two files are merged by time with mergecap into one classic pcap.
#
# Needs root, iproute2 (ip netns), iptables, ethtool, coturn (turnserver), tcpdump, mergecap
# (wireshark-common), Python 3. It installs nothing; it says what is missing.
# Usage: sudo Scripts/record_relay_call_capture.sh [--tcp | --bursty | --sip] [OUT]
#   default OUT: Captures/calls/relay-call.pcap, with --tcp Captures/calls/relay-call-tcp.pcap,
#   with --bursty Captures/calls/relay-call-bursty.pcap, with --sip Captures/calls/relay-call-sip.pcap.
#   --sip: plaintext SIP signals the call first and both streams are opus on the dynamic payload
#   type 111 (CODEC=opus: "a=rtpmap:111 opus/48000/2", RFC 7587), 250 packets each (5 s). Once
#   allocated, the client sends from 198.51.100.10:5060 an INVITE whose SDP offers its relayed
#   address (c=/m= 203.0.113.20:5xxxx); relay_call_media.py's sip role in efrc-edge on
#   203.0.113.20:5060 (standing for the Access Edge and the far side) answers 200 OK with an SDP
#   naming the Office 365 end 52.112.0.10:50010; ACK, then the media, then BYE / 200 OK. The
#   SIP datagrams go through the client's 4 % egress drop too (the client retransmits).
#   --tcp: the client reaches the Edge over TCP 3478 (RFC 5766 §11.5: STUN messages and
#   ChannelData back to back on the stream, ChannelData padded to 4 bytes); the relay to
#   Office 365 stays UDP. The client's 4 % egress drop then costs TCP retransmissions (delay
#   on the client leg) instead of lost RTP.
# PACKETS=N sets the packets per stream (default 1250: 25 s). iptables' draws are not seeded
# and the timing varies, so the counts differ from run to run; the fixtures are made from the
# recorded file (Scripts/make_call_fixtures.sh).
set -euo pipefail

root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
transport=udp suffix="" client_loss=0.04 wire_loss=0.03
case ${1:-} in
    --tcp) transport=tcp suffix=-tcp; shift ;;
    --bursty) suffix=-bursty client_loss=0.01 wire_loss=gemodel:0.02,0.25,0.7,0.002; shift
              export PACKETS=${PACKETS:-1000} ;;
    --sip) suffix=-sip; shift
           export PACKETS=${PACKETS:-250} CODEC=opus SIP=203.0.113.20 ;;
esac
out="${1:-$root_dir/Captures/calls/relay-call$suffix.pcap}"
python="${PYTHON:-python3}"

missing=0
for tool in ip iptables ethtool turnserver tcpdump mergecap "$python"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed (apt-get install -y iproute2 iptables ethtool coturn tcpdump wireshark-common python3)" >&2; missing=1; }
done
[[ $(id -u) -eq 0 ]] || { echo "$0: network namespaces and tcpdump need root: run with sudo" >&2; missing=1; }
[[ $missing -eq 0 ]] || exit 2

NS_C=efrc-client NS_E=efrc-edge NS_O=efrc-o365
CLIENT_IP=198.51.100.10 CLIENT_PORT=50040
EDGE_IP=203.0.113.20 TURN_PORT=3478
O365_IP=52.112.0.10 O365_PORT=50010

for ns in $NS_C $NS_E $NS_O; do
    if ip netns list | grep -qw "$ns"; then
        echo "$0: network namespace $ns exists (another run, or a leftover: ip netns delete $ns)" >&2
        exit 1
    fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/edgeflow-relaycall.XXXXXX")
pids=()
cleanup() {
    local p ns
    for p in "${pids[@]:-}"; do [[ -n $p ]] && kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]:-}"; do [[ -n $p ]] && wait "$p" 2>/dev/null || true; done
    for ns in $NS_C $NS_E $NS_O; do ip netns delete "$ns" 2>/dev/null || true; done
    [[ -n ${KEEP_WORK:-} ]] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

# The namespaces and links. Each side holds its address as a /32 with a host route over its
# veth: no subnet, nothing else reachable.
for ns in $NS_C $NS_E $NS_O; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add rc-c netns $NS_C type veth peer name rc-ec netns $NS_E
ip link add rc-ei netns $NS_E type veth peer name rc-ew netns $NS_E
ip link add rc-eo netns $NS_E type veth peer name rc-o netns $NS_O
ip -n $NS_C addr add $CLIENT_IP/32 dev rc-c
ip -n $NS_E addr add $EDGE_IP/32 dev rc-ec
ip -n $NS_E addr add $EDGE_IP/32 dev rc-ei
ip -n $NS_O addr add $O365_IP/32 dev rc-o
for pair in "$NS_C rc-c" "$NS_E rc-ec" "$NS_E rc-ei" "$NS_E rc-ew" "$NS_E rc-eo" "$NS_O rc-o"; do
    set -- $pair
    ip -n "$1" link set "$2" up
    ip netns exec "$1" ethtool -K "$2" tx off rx off >/dev/null   # checksums computed in software
done
# rc-ew and rc-eo are the forwarder's: the Edge's own stack neither answers ARP nor takes IP there.
for dev in rc-ew rc-eo; do
    ip -n $NS_E link set $dev arp off
    ip netns exec $NS_E iptables -A INPUT -i $dev -j DROP
done
ip -n $NS_C route add $EDGE_IP/32 dev rc-c src $CLIENT_IP
ip -n $NS_E route add $CLIENT_IP/32 dev rc-ec src $EDGE_IP
ip -n $NS_E route add $O365_IP/32 dev rc-ei src $EDGE_IP
ip -n $NS_O route add $EDGE_IP/32 dev rc-o src $O365_IP

# The impairments.
ip netns exec $NS_C iptables -A OUTPUT -o rc-c -p $transport -m statistic --mode random --probability $client_loss -j DROP
ip netns exec $NS_E "$python" "$root_dir/Scripts/relay_call_wire.py" rc-ew rc-eo $wire_loss 30 10 16 >"$work/wire.log" 2>&1 &
wire_pid=$!
pids+=($wire_pid)
for _ in $(seq 1 50); do grep -q ready "$work/wire.log" && break; sleep 0.1; done

# The A/V Edge.
ip netns exec $NS_E turnserver -n --lt-cred-mech --user alice:secret --realm contoso.com \
    --listening-ip $EDGE_IP --listening-port $TURN_PORT --relay-ip $EDGE_IP \
    --min-port 50000 --max-port 59999 --no-tls --no-dtls $([[ $transport == tcp ]] || echo --no-tcp) --no-cli --no-tcp-relay \
    --log-file stdout --simple-log --userdb "$work/turndb" --pidfile "$work/turnserver.pid" \
    >"$work/turnserver.log" 2>&1 &
pids+=($!)
listening() { ip netns exec $NS_E ss -Hl$([[ $transport == tcp ]] && echo t || echo u)n "sport = :$TURN_PORT" | grep -q .; }
for _ in $(seq 1 50); do listening && break; sleep 0.1; done
listening || { echo "$0: turnserver did not start:" >&2; tail "$work/turnserver.log" >&2; exit 1; }

# The captures, one per Edge link.
for dev in rc-ec rc-eo; do
    ip netns exec $NS_E tcpdump -i $dev --immediate-mode -U -s 0 -w "$work/$dev.pcap" "udp or tcp" >"$work/$dev.log" 2>&1 &
    pids+=($!)
done
for dev in rc-ec rc-eo; do
    for _ in $(seq 1 50); do grep -q "listening on" "$work/$dev.log" && break; sleep 0.1; done
    grep -q "listening on" "$work/$dev.log" || { echo "$0: tcpdump on $dev did not start:" >&2; cat "$work/$dev.log" >&2; exit 1; }
done
dump_pids=("${pids[@]:2}")

# The call.
if [[ $suffix == -sip ]]; then
    ip netns exec $NS_E "$python" "$root_dir/Scripts/relay_call_media.py" sip $EDGE_IP $O365_IP $O365_PORT >"$work/sip.log" 2>&1 &
    sip_pid=$!
    pids+=($sip_pid)
    for _ in $(seq 1 50); do grep -q listening "$work/sip.log" && break; sleep 0.1; done
fi
ip netns exec $NS_O "$python" "$root_dir/Scripts/relay_call_media.py" o365 $O365_IP $O365_PORT >"$work/o365.log" 2>&1 &
o365_pid=$!
pids+=($o365_pid)
sleep 0.5
timeout 120 ip netns exec $NS_C "$python" "$root_dir/Scripts/relay_call_media.py" client $transport \
    $EDGE_IP $TURN_PORT $O365_IP $O365_PORT $CLIENT_IP $CLIENT_PORT | sed 's/^/  /'
wait $o365_pid || { echo "$0: the o365 side failed:" >&2; cat "$work/o365.log" >&2; exit 1; }
sed 's/^/  /' "$work/o365.log"
if [[ $suffix == -sip ]]; then
    wait $sip_pid || { echo "$0: the sip side failed:" >&2; cat "$work/sip.log" >&2; exit 1; }
    sed 's/^/  /' "$work/sip.log"
fi

sleep 0.5
kill -INT "${dump_pids[@]}"
for p in "${dump_pids[@]}"; do wait "$p" || true; done
grep -hE "packets (captured|dropped by kernel)" "$work"/rc-e?.log | sed 's/^/  tcpdump: /'
kill "$wire_pid"; wait "$wire_pid" || true
sed 's/^/  /' "$work/wire.log"
echo "  client egress: $(ip netns exec $NS_C iptables -L OUTPUT -v -n -x | awk '/statistic/ {print $1}') packets dropped by iptables"

mkdir -p "$(dirname "$out")"
mergecap -F pcap -w "$out" "$work/rc-ec.pcap" "$work/rc-eo.pcap"
echo "wrote $out: $(stat -c %s "$out") bytes"
if [[ $suffix == -bursty ]]; then
    cp "$work/wire.log" "${out%.pcap}.wire.txt"
    echo "wrote ${out%.pcap}.wire.txt"
fi
