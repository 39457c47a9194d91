#!/usr/bin/env python3
"""Writes the malformed-capture corpus: Captures/malformed/*.pcap[ng].

    python3 Scripts/gen_malformed_captures.py [--out Captures/malformed]

Each file breaks one thing on purpose (a file structure, a header field, an
application length). What edgeflow must report for each one is written by hand
in Captures/malformed/expected.tsv, from how the file was built here and from
what tshark says about it (its expert info is quoted there), not from edgeflow.
Output is byte-identical on every run (fixed timestamps, no randomness).
"""

import argparse
import os
import struct

from inet import checksum

T0 = 1772442000  # 2026-03-02T09:00:00Z

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
EDGE = bytes([203, 0, 113, 10])
O365 = bytes([52, 112, 1, 5])
AV = bytes([203, 0, 113, 20])
RELAY = bytes([52, 114, 50, 7])
RESOLVER = bytes([192, 0, 2, 53])


def ipv4(src, dst, proto, payload, ihl=5, total=None, frag=0):
    total = 20 + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 1, frag, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", checksum(h)) + h[12:]
    return h + payload


def ether(payload, ethertype=0x0800, vlans=()):
    out = MAC_B + MAC_A
    for vid in vlans:
        out += struct.pack("!HH", 0x8100, vid)
    return out + struct.pack("!H", ethertype) + payload


def tcp(sport, dport, seq, ack, flags, payload=b"", offset=5):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, offset << 4, flags, 65535, 0, 0) + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def pcap_header(snaplen=65535, linktype=1, magic=0xA1B2C3D4):
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def record(frame, i, caplen=None, origlen=None):
    caplen = len(frame) if caplen is None else caplen
    origlen = len(frame) if origlen is None else origlen
    return struct.pack("<IIII", T0 + i // 1000, (i % 1000) * 1000, caplen, origlen) + frame


def pcap(frames, snaplen=65535):
    return pcap_header(snaplen) + b"".join(record(f, i) for i, f in enumerate(frames))


def block(btype, body):
    pad = (-len(body)) % 4
    length = 12 + len(body) + pad
    return struct.pack("<II", btype, length) + body + b"\0" * pad + struct.pack("<I", length)


SHB = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
IDB = block(0x00000001, struct.pack("<HHI", 1, 0, 65535))


def epb(frame, i):
    ts = (T0 + i) * 1_000_000
    return block(0x00000006, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame)) + frame)


def udp_frame(src, dst, sport, dport, payload):
    return ether(ipv4(src, dst, 17, udp(sport, dport, payload)))


def stun_binding(length_field, attrs):
    return struct.pack("!HHI12s", 0x0001, length_field, 0x2112A442, b"edgeflow-mal") + attrs


def dns_query_with_loop():
    # Header: id, flags (response), 1 question, 1 answer. The answer's name is a pointer
    # to itself (offset 29), a compression loop.
    header = struct.pack("!HHHHHH", 0x1234, 0x8180, 1, 1, 0, 0)
    question = b"\x04_sip\x04_tls\x03com\x00" + struct.pack("!HH", 33, 1)
    answer_offset = len(header) + len(question)
    answer = struct.pack("!H", 0xC000 | answer_offset) + struct.pack("!HHIH", 33, 1, 300, 0)
    return header + question + answer


def build():
    files = {}
    syn = ether(ipv4(EDGE, O365, 6, tcp(40000, 5061, 1000, 0, 0x02)))
    ok_udp = udp_frame(AV, RELAY, 3478, 3478, stun_binding(0, b""))

    # File structure.
    files["truncated-global-header.pcap"] = pcap_header()[:10]
    files["bad-magic.pcap"] = b"\x0b\xad\xbe\xef" + pcap_header()[4:] + record(syn, 0)
    files["truncated-record-header.pcap"] = pcap([syn]) + record(syn, 1)[:9]
    files["truncated-mid-packet.pcap"] = pcap([syn]) + record(syn, 1)[:16 + 30]
    big = syn + b"\0" * 60
    files["caplen-above-snaplen.pcap"] = pcap_header(snaplen=64) + record(big, 0)
    files["caplen-above-256k.pcap"] = pcap([syn]) + struct.pack("<IIII", T0, 0, 300_000, 300_000) + b"\0" * 64
    files["zero-length-packets.pcap"] = pcap([b"", b"", syn])
    files["pcapng-bad-block-length.pcapng"] = (SHB + IDB + epb(syn, 0)
                                               + struct.pack("<II", 0x00000006, 13) + b"\0" * 16)
    files["pcapng-unknown-block.pcapng"] = (SHB + IDB + epb(syn, 0)
                                            + block(0x0BADBEEF, b"not a known block type")
                                            + epb(syn, 1))
    files["pcapng-packet-before-interface.pcapng"] = SHB + epb(syn, 0) + IDB + epb(syn, 1)

    # Headers.
    files["ipv4-ihl-below-5.pcap"] = pcap([ether(ipv4(EDGE, O365, 6, tcp(40000, 5061, 1, 0, 0x02), ihl=4)), syn])
    files["ipv4-total-length-beyond-capture.pcap"] = pcap([
        ether(ipv4(EDGE, O365, 6, tcp(40000, 5061, 1, 0, 0x02), total=1500))])
    files["tcp-data-offset-below-5.pcap"] = pcap([ether(ipv4(EDGE, O365, 6, tcp(40000, 5061, 1, 0, 0x02, offset=3)))])
    eight = ether(ipv4(AV, RELAY, 17, udp(3478, 3478, stun_binding(0, b""))), vlans=range(1, 9))
    nine = ether(ipv4(AV, RELAY, 17, udp(3478, 3478, stun_binding(0, b""))), vlans=range(1, 10))
    files["vlan-stack-depth.pcap"] = pcap([eight, nine])

    # Application lengths.
    software = struct.pack("!HH", 0x8022, 5) + b"abcde" + b"\0\0\0"
    files["stun-length-not-multiple-of-4.pcap"] = pcap([
        ok_udp, udp_frame(AV, RELAY, 3478, 3478, stun_binding(10, software))])
    files["stun-length-past-packet.pcap"] = pcap([
        ok_udp, udp_frame(AV, RELAY, 3478, 3478, stun_binding(400, software))])
    hello = bytes([0x16, 0x03, 0x01, 0xFF, 0xFF, 0x01, 0x00, 0xFF, 0xFB, 0x03, 0x03]) + b"\x11" * 40
    files["tls-record-length-ffff.pcap"] = pcap([
        ether(ipv4(EDGE, O365, 6, tcp(40000, 5061, 1000, 0, 0x02))),
        ether(ipv4(O365, EDGE, 6, tcp(5061, 40000, 5000, 1001, 0x12))),
        ether(ipv4(EDGE, O365, 6, tcp(40000, 5061, 1001, 5001, 0x10))),
        ether(ipv4(EDGE, O365, 6, tcp(40000, 5061, 1001, 5001, 0x18, hello))),
        ether(ipv4(EDGE, O365, 6, tcp(40000, 5061, 1001 + len(hello), 5001, 0x11))),
    ])
    files["dns-compression-loop.pcap"] = pcap([udp_frame(RESOLVER, EDGE, 53, 33000, dns_query_with_loop())])
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Captures", "malformed"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, data in sorted(build().items()):
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
