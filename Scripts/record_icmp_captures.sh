#!/usr/bin/env bash
# Records Captures/icmp/rejected.pcap: a firewall between the A/V Edge and Office 365 that
# rejects the hybrid ports with ICMP errors, with the Linux kernel's own ICMP, in three
# network namespaces made for it (nothing outside them is touched or reached):
#
#   ef-edge  A/V Edge      203.0.113.20/24, 2001:db8:20::20/64   (tcpdump runs here)
#   ef-fw    firewall      203.0.113.1 / 52.114.50.1, 2001:db8:20::1 / 2603:1063::1; forwards,
#                          and an nftables rule rejects UDP 3478 with ICMP administratively
#                          prohibited (type 3 code 13; ICMPv6 type 1 code 1) and TCP 5061
#                          with ICMP host unreachable (type 3 code 1)
#   ef-o365  Office 365    52.114.50.7/24, 2603:1063::5/64; a socat TCP listener on 443
#
# Traffic, in order: socat sends one STUN Binding request (20 bytes) over UDP from the Edge
# :3478 to 52.114.50.7:3478 and to [2603:1063::5]:3478 (both rejected by the firewall), one
# to 52.114.50.7:3480, where nothing listens (the Office 365 host answers port unreachable,
# type 3 code 3), a TCP connection to :5061 (rejected) and one to :443 (answered, a control).
#
# Needs root, ip (iproute2), nft, socat and tcpdump. Usage:
#   sudo Scripts/record_icmp_captures.sh [OUTPUT_FILE]     # default: Captures/icmp/rejected.pcap
set -euo pipefail

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root_dir/Captures/icmp/rejected.pcap}
# shellcheck source=lib/record_common.sh
source "$root_dir/Scripts/lib/record_common.sh"
need_tools record_icmp_captures ip nft socat tcpdump
need_root record_icmp_captures "network namespaces need root"

dump_pid=""
listen_pid=""
cleanup() {
    [[ -n $listen_pid ]] && kill "$listen_pid" 2>/dev/null || true
    [[ -n $dump_pid ]] && kill "$dump_pid" 2>/dev/null || true
    for ns in ef-edge ef-fw ef-o365; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT

for ns in ef-edge ef-fw ef-o365; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add ef-edge0 netns ef-edge type veth peer name ef-fw0 netns ef-fw
ip link add ef-fw1 netns ef-fw type veth peer name ef-o3650 netns ef-o365
# Fixed MAC addresses, so the capture's Ethernet headers are the same on every run.
ip -n ef-edge link set ef-edge0 address 00:15:5d:0a:00:20 up
ip -n ef-fw link set ef-fw0 address 00:1b:17:00:01:01 up
ip -n ef-fw link set ef-fw1 address 00:1b:17:00:02:01 up
ip -n ef-o365 link set ef-o3650 address 02:00:34:72:32:07 up
ip -n ef-edge addr add 203.0.113.20/24 dev ef-edge0
ip -n ef-edge addr add 2001:db8:20::20/64 dev ef-edge0 nodad
ip -n ef-fw addr add 203.0.113.1/24 dev ef-fw0
ip -n ef-fw addr add 2001:db8:20::1/64 dev ef-fw0 nodad
ip -n ef-fw addr add 52.114.50.1/24 dev ef-fw1
ip -n ef-fw addr add 2603:1063::1/64 dev ef-fw1 nodad
ip -n ef-o365 addr add 52.114.50.7/24 dev ef-o3650
ip -n ef-o365 addr add 2603:1063::5/64 dev ef-o3650 nodad
ip -n ef-edge route add default via 203.0.113.1
ip -n ef-edge -6 route add default via 2001:db8:20::1
ip -n ef-o365 route add default via 52.114.50.1
ip -n ef-o365 -6 route add default via 2603:1063::1
ip netns exec ef-fw sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip netns exec ef-fw nft -f - <<'NFT'
table inet edgeflow {
    chain forward {
        type filter hook forward priority 0; policy accept;
        meta nfproto ipv4 udp dport 3478 reject with icmp type admin-prohibited
        meta nfproto ipv6 udp dport 3478 reject with icmpv6 type admin-prohibited
        tcp dport 5061 reject with icmp type host-unreachable
    }
}
NFT

ip netns exec ef-o365 socat TCP4-LISTEN:443,bind=52.114.50.7,reuseaddr,fork SYSTEM:'cat >/dev/null' &
listen_pid=$!
sleep 0.5

mkdir -p "$(dirname "$out")"
# ARP, IPv6 neighbour discovery and multicast (MLD reports) are left out of the capture.
ip netns exec ef-edge tcpdump -Z root -i ef-edge0 -U -w "$out" 'not arp and not (ip6 and dst net ff00::/8) and not (icmp6 and ip6[40] >= 133 and ip6[40] <= 137)' 2>/dev/null &
dump_pid=$!
sleep 1

# A STUN Binding request: type 0x0001, length 0, magic cookie, transaction id.
stun() { printf '\x00\x01\x00\x00\x21\x12\xa4\x42%s' "$1"; }
stun 'rejected-v4!' | ip netns exec ef-edge socat -u - UDP4-SENDTO:52.114.50.7:3478,sourceport=3478
sleep 0.2
stun 'rejected-v6!' | ip netns exec ef-edge socat -u - UDP6-SENDTO:[2603:1063::5]:3478,sourceport=3478
sleep 0.2
stun 'no-listener!' | ip netns exec ef-edge socat -u - UDP4-SENDTO:52.114.50.7:3480,sourceport=3478
sleep 0.2
ip netns exec ef-edge socat -u /dev/null TCP4:52.114.50.7:5061,sourceport=50001,connect-timeout=1 2>/dev/null || true
sleep 0.2
echo 'hello' | ip netns exec ef-edge socat -u - TCP4:52.114.50.7:443,sourceport=50002
sleep 1

kill "$dump_pid"; wait "$dump_pid" 2>/dev/null || true
dump_pid=""
echo "wrote $out"
