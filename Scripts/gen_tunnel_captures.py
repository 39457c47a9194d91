#!/usr/bin/env python3
"""Writes Captures/tunnel/tunnels.pcap: Edge traffic mirrored to a monitoring host
inside GRE, ERSPAN and VXLAN, the way a switch or a virtual network delivers it.

    python3 Scripts/gen_tunnel_captures.py [--out Captures/tunnel/tunnels.pcap]

The outer packets go from a switch (192.0.2.1) to the monitoring host
(192.0.2.100); each inner flow is a distinct 5-tuple of the Edge topology of
Captures/README.md, so a flow attributed to the wrong tunnel shows. tshark
decodes all of it natively; the test compares edgeflow with tshark's view
(innermost headers), never with numbers written here. Output is byte-identical
on every run (fixed timestamps, no randomness).
"""

import argparse
import ipaddress
import os
import struct

from inet import checksum

T0 = 1772442000  # 2026-03-02T09:00:00Z

SWITCH_MAC = bytes.fromhex("021b17000101")
MONITOR_MAC = bytes.fromhex("020000000064")
EDGE_MAC = bytes.fromhex("00155d0a0010")
ROUTER_MAC = bytes.fromhex("001b17000101")
SWITCH = "192.0.2.1"
MONITOR = "192.0.2.100"


def addr(a):
    return ipaddress.ip_address(a).packed


def ipv4(src, dst, proto, payload, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0, addr(src), addr(dst))
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:] + payload


def ipv6(src, dst, proto, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), proto, 64, addr(src), addr(dst)) + payload


def ether(payload, ethertype, src=EDGE_MAC, dst=ROUTER_MAC, vlans=()):
    out = dst + src
    for vid in vlans:
        out += struct.pack("!HH", 0x8100, vid)
    return out + struct.pack("!H", ethertype) + payload


def pseudo(src, dst, proto, length):
    a, b = addr(src), addr(dst)
    if len(a) == 4:
        return a + b + struct.pack("!BBH", 0, proto, length)
    return a + b + struct.pack("!IxxxB", length, proto)


def udp(src, sport, dst, dport, payload):
    h = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    c = checksum(pseudo(src, dst, 17, len(h) + len(payload)) + h + payload) or 0xFFFF
    return h[:6] + struct.pack("!H", c) + payload


def tcp(src, sport, dst, dport, seq, ack, flags, payload=b""):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0)
    c = checksum(pseudo(src, dst, 6, len(h) + len(payload)) + h + payload)
    return h[:16] + struct.pack("!H", c) + h[18:] + payload


def stun(txid, response=False):
    return struct.pack("!HHI", 0x0101 if response else 0x0001, 0, 0x2112A442) + txid


def ip_packet(src, dst, proto, payload):
    return (ipv4 if ":" not in src else ipv6)(src, dst, proto, payload)


def udp_packet(src, sport, dst, dport, payload):
    return ip_packet(src, dst, 17, udp(src, sport, dst, dport, payload))


def tcp_packet(src, sport, dst, dport, seq, ack, flags):
    return ip_packet(src, dst, 6, tcp(src, sport, dst, dport, seq, ack, flags))


def inner_frame(packet, vlans=()):
    return ether(packet, 0x0800 if packet[0] >> 4 == 4 else 0x86DD, vlans=vlans)


def gre(proto, payload, key=None, seq=None, csum=False):
    flags = (0x80 if csum else 0) | (0x20 if key is not None else 0) | (0x10 if seq is not None else 0)
    h = struct.pack("!BBH", flags, 0, proto)
    opt = b""
    if csum:
        opt += b"\0\0\0\0"
    if key is not None:
        opt += struct.pack("!I", key)
    if seq is not None:
        opt += struct.pack("!I", seq)
    if csum:
        c = checksum(h + opt + payload)
        opt = struct.pack("!HH", c, 0) + opt[4:]
    return h + opt + payload


def erspan2(frame, session, index):
    # Ver 1, VLAN 0, COS 0, En 0, T 0, session id; reserved, index.
    return struct.pack("!HHI", 0x1000, session & 0x3FF, index & 0xFFFFF) + frame


def erspan3(frame, session, timestamp, platform=None):
    # Ver 2, VLAN 0; COS/BSO/T 0, session id; timestamp; SGT 0; P 0, FT 0 (Ethernet), HW ID 1, D 0, Gra 3, O.
    word = (1 << 4) | (3 << 1) | (1 if platform is not None else 0)
    h = struct.pack("!HHIHH", 0x2000, session & 0x3FF, timestamp, 0, word)
    return h + (platform if platform is not None else b"") + frame


def vxlan(frame, vni):
    return struct.pack("!II", 0x08000000, vni << 8) + frame


def outer_gre(payload, ident):
    return ether(ipv4(SWITCH, MONITOR, 47, payload, ident), 0x0800, src=SWITCH_MAC, dst=MONITOR_MAC)


def outer_vxlan(frame, vni, sport, ident):
    return ether(ipv4(SWITCH, MONITOR, 17, udp(SWITCH, sport, MONITOR, 4789, vxlan(frame, vni)), ident),
                 0x0800, src=SWITCH_MAC, dst=MONITOR_MAC)


def frames():
    tx = lambda n: bytes([n]) * 12
    out = []
    # 1. GRE, IPv4 payload (RFC 2784, no options): STUN 3478 <-> 3478.
    out.append(outer_gre(gre(0x0800, udp_packet("203.0.113.20", 3478, "52.114.50.7", 3478, stun(tx(1)))), 1))
    out.append(outer_gre(gre(0x0800, udp_packet("52.114.50.7", 3478, "203.0.113.20", 3478, stun(tx(1), True))), 2))
    # 2. GRE with checksum, key and sequence number (RFC 2890), IPv6 payload.
    out.append(outer_gre(gre(0x86DD, udp_packet("2001:db8:10::10", 50000, "2603:1063::5", 3478, stun(tx(2))),
                             key=7, seq=1, csum=True), 3))
    out.append(outer_gre(gre(0x86DD, udp_packet("2603:1063::5", 3478, "2001:db8:10::10", 50000, stun(tx(2), True)),
                             key=7, seq=2, csum=True), 4))
    # 3. GRE transparent Ethernet bridging (0x6558) with a key, the inner frame in VLAN 100: a TCP handshake.
    a, b = ("203.0.113.10", 50123), ("52.112.1.5", 5061)
    for i, (s, d, seq, ack, fl) in enumerate([(a, b, 1000, 0, 0x02), (b, a, 5000, 1001, 0x12), (a, b, 1001, 5001, 0x10)]):
        out.append(outer_gre(gre(0x6558, inner_frame(tcp_packet(s[0], s[1], d[0], d[1], seq, ack, fl), vlans=(100,)), key=42), 5 + i))
    # 4. ERSPAN type I (GRE 0x88BE without sequence number, no ERSPAN header).
    out.append(outer_gre(gre(0x88BE, inner_frame(udp_packet("203.0.113.20", 50010, "52.114.50.8", 3478, stun(tx(4))))), 8))
    out.append(outer_gre(gre(0x88BE, inner_frame(udp_packet("52.114.50.8", 3478, "203.0.113.20", 50010, stun(tx(4), True)))), 9))
    # 5. ERSPAN type II (GRE 0x88BE with sequence number, 8-byte header): a TCP handshake toward 443.
    a, b = ("203.0.113.20", 50020), ("52.113.10.20", 443)
    for i, (s, d, seq, ack, fl) in enumerate([(a, b, 7000, 0, 0x02), (b, a, 9000, 7001, 0x12)]):
        out.append(outer_gre(gre(0x88BE, erspan2(inner_frame(tcp_packet(s[0], s[1], d[0], d[1], seq, ack, fl)), 5, i), seq=i + 1), 10 + i))
    # 6. ERSPAN type III (GRE 0x22EB, 12-byte header), without and with the platform sub-header.
    out.append(outer_gre(gre(0x22EB, erspan3(inner_frame(udp_packet("198.51.100.21", 50030, "203.0.113.20", 3478, stun(tx(6)))), 6, 100),
                             seq=1), 12))
    out.append(outer_gre(gre(0x22EB, erspan3(inner_frame(udp_packet("203.0.113.20", 3478, "198.51.100.21", 50030, stun(tx(6), True))), 6, 101,
                                             platform=struct.pack("!II", 0x0C000000, 0x00000001)), seq=2), 13))
    # 7. VXLAN (RFC 7348), VNI 5000.
    out.append(outer_vxlan(inner_frame(udp_packet("198.51.100.30", 50040, "203.0.113.20", 3478, stun(tx(7)))), 5000, 49152, 14))
    out.append(outer_vxlan(inner_frame(udp_packet("203.0.113.20", 3478, "198.51.100.30", 50040, stun(tx(7), True))), 5000, 49153, 15))
    # 8. VXLAN inside GRE (two tunnels): the outermost, GRE, is the one counted.
    inner = inner_frame(udp_packet("198.51.100.60", 50050, "203.0.113.20", 3478, stun(tx(8))))
    out.append(outer_gre(gre(0x0800, ipv4("10.1.0.1", "10.1.0.2", 17, udp("10.1.0.1", 49154, "10.1.0.2", 4789, vxlan(inner, 6000)))), 16))
    # 9. Not tunnelled: the monitoring host's own DNS query.
    out.append(ether(udp_packet(MONITOR, 53000, "192.0.2.53", 53, b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                                + b"\x06sipfed\x06online\x04lync\x03com\x00\x00\x21\x00\x01"), 0x0800, src=MONITOR_MAC, dst=SWITCH_MAC))
    return out


def pcap(frames):
    head = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    return head + b"".join(struct.pack("<IIII", T0, i * 1000, len(f), len(f)) + f for i, f in enumerate(frames))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Captures", "tunnel", "tunnels.pcap"))
    args = ap.parse_args()
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(pcap(frames()))


if __name__ == "__main__":
    main()
