#!/usr/bin/env python3
"""Writes Captures/not-media.pcap: traffic that looks like media or SRV lookups but is not.

    python3 Scripts/gen_not_media_capture.py [--out Captures/not-media.pcap]

Hand-built (issue #14) because none of the public captures holds it; tshark names every
frame as expected (Captures/README.md lists what each frame is). Byte-identical on every run.

  1-3    LLMNR queries for "wpad" (RFC 4795, UDP 5355): 192.168.1.10 -> 224.0.0.252 with
         transaction ids 0x8b3c and 0x80c9, and fe80::10 -> ff02::1:3 with id 0x9e01. Their first
         bytes are RTP's (0x8b 0x3c, 0x9e 0x01: version 2) and RTCP's (0x80 0xc9: PT 201).
  4-6    mDNS (RFC 6762, UDP 5353) service discovery: 192.168.1.10 -> 224.0.0.251 asks SRV
         "phone._sip._tcp.local"; 192.168.1.20 answers (no question, as mDNS does) with SRV
         0 0 5060 phone.local; fe80::10 -> ff02::fb asks the same.
  7      a unicast DNS SRV query for _sip._tls.contoso.com (192.168.1.10 -> 192.0.2.53:53),
         never answered.
  8-15   192.168.1.10:40000 -> 198.51.100.7:50000: 8 datagrams of 172 bytes that look like RTP
         (first byte 0x80-0xbf, second below 192) with 8 different SSRCs (encrypted traffic).
  16-25  the same 5-tuple: a real RTP stream, SSRC 0x11223344, PT 0, sequence 1000-1009,
         timestamp +160 and 20 ms apart.
  26     192.168.1.10:40002 -> 198.51.100.7:50002: one such encrypted datagram alone.
"""

import argparse
import hashlib
import os
import struct

from inet import checksum

T0 = 1772442000  # 2026-03-02T09:00:00Z

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
HOST = bytes([192, 168, 1, 10])
PHONE = bytes([192, 168, 1, 20])
RESOLVER = bytes([192, 0, 2, 53])
PEER = bytes([198, 51, 100, 7])
LLMNR4 = bytes([224, 0, 0, 252])
MDNS4 = bytes([224, 0, 0, 251])
HOST6 = bytes.fromhex("fe800000000000000000000000000010")
LLMNR6 = bytes.fromhex("ff020000000000000000000000010003")
MDNS6 = bytes.fromhex("ff0200000000000000000000000000fb")


def ipv4(src, dst, payload, proto=17):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 255 if dst[0] == 224 else 64,
                    proto, 0, src, dst)
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:] + payload


def ipv6(src, dst, payload, proto=17):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), proto, 255, src, dst) + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def udp6(src, dst, sport, dport, payload):
    """UDP over IPv6, whose checksum is mandatory (RFC 8200 §8.1)."""
    segment = udp(sport, dport, payload)
    pseudo = src + dst + struct.pack("!IxxxB", len(segment), 17)
    return segment[:6] + struct.pack("!H", checksum(pseudo + segment) or 0xFFFF) + segment[8:]


def ether(payload, ethertype=0x0800):
    return MAC_B + MAC_A + struct.pack("!H", ethertype) + payload


def name(text):
    return b"".join(bytes([len(label)]) + label.encode() for label in text.split(".")) + b"\0"


def dns_query(ident, qname, qtype, qclass=1):
    return struct.pack("!HHHHHH", ident, 0, 1, 0, 0, 0) + name(qname) + struct.pack("!HH", qtype, qclass)


def mdns_srv_answer(owner, target, port):
    rdata = struct.pack("!HHH", 0, 0, port) + name(target)
    return (struct.pack("!HHHHHH", 0, 0x8400, 0, 1, 0, 0) + name(owner)
            + struct.pack("!HHIH", 33, 0x8001, 120, len(rdata)) + rdata)


def noise(i):
    """172 bytes that look like RTP: version 2 without padding, extension or CSRCs, PT below
    128, marker clear; sequence number, SSRC and the rest random (an encrypted payload)."""
    b = bytearray(hashlib.sha256(b"edgeflow-noise-%d" % i).digest() * 6)[:172]
    b[0] = 0x80
    b[1] &= 0x7F
    return bytes(b)


def rtp(seq, ts, ssrc):
    return struct.pack("!BBHII", 0x80, 0, seq, ts, ssrc) + bytes([0xD5]) * 160


def frames():
    out = []  # (microseconds after T0, frame)
    t = 0

    def add(frame, step=1000):
        nonlocal t
        out.append((t, frame))
        t += step

    add(ether(ipv4(HOST, LLMNR4, udp(51000, 5355, dns_query(0x8B3C, "wpad", 1)))))
    add(ether(ipv4(HOST, LLMNR4, udp(51001, 5355, dns_query(0x80C9, "wpad", 1)))))
    add(ether(ipv6(HOST6, LLMNR6, udp6(HOST6, LLMNR6, 51002, 5355, dns_query(0x9E01, "wpad", 28))), 0x86DD))
    add(ether(ipv4(HOST, MDNS4, udp(5353, 5353, dns_query(0, "phone._sip._tcp.local", 33)))))
    add(ether(ipv4(PHONE, MDNS4, udp(5353, 5353, mdns_srv_answer("phone._sip._tcp.local", "phone.local", 5060)))))
    add(ether(ipv6(HOST6, MDNS6, udp6(HOST6, MDNS6, 5353, 5353, dns_query(0, "phone._sip._tcp.local", 33))), 0x86DD))
    add(ether(ipv4(HOST, RESOLVER, udp(53000, 53, dns_query(0x1234, "_sip._tls.contoso.com", 33)))))
    for i in range(8):
        add(ether(ipv4(HOST, PEER, udp(40000, 50000, noise(i)))))
    for k in range(10):
        add(ether(ipv4(HOST, PEER, udp(40000, 50000, rtp(1000 + k, 8000 + 160 * k, 0x11223344)))), 20000)
    add(ether(ipv4(HOST, PEER, udp(40002, 50002, noise(8)))))
    return out


def pcap(records):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for us, f in records:
        out += struct.pack("<IIII", T0 + us // 1_000_000, us % 1_000_000, len(f), len(f)) + f
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "Captures", "not-media.pcap"))
    args = ap.parse_args()
    with open(args.out, "wb") as f:
        f.write(pcap(frames()))


if __name__ == "__main__":
    main()
