#!/usr/bin/env python3
"""Writes a flood capture for resource-bound runs: every packet a new flow.

    python3 Scripts/gen_flood_capture.py --out FILE [--kind syn|udp|mixed] [--packets N] [--seed S]

syn  TCP SYNs to the Access Edge (203.0.113.10:5061) from distinct source
     address/port pairs (a SYN flood).
udp  UDP datagrams to the A/V Edge (203.0.113.20:3478) from distinct source
     address/port pairs (a port scan or spoofed media flood).
mixed  the two alternating, packet by packet (the shape of a scan of an
     internet-facing Edge: issue 17's flood).
stun   STUN Binding requests (RFC 5389 header, no attributes) to the A/V Edge
     (203.0.113.20:3478): every flow is inspected, so this measures the memory
     of inspected flows (up to --max-inspected-flows).
rtp    RTP packets (version 2, PCMU, 160 bytes of payload) to an A/V Edge media
     port (203.0.113.20:50000): every flow is inspected with an RTP state.

One packet per microsecond from 2026-03-02T09:00:00Z, so no flow reaches an idle
timeout and only --max-flows bounds the table. Checksums are left zero (edgeflow
and tshark do not check them). Same arguments give the same bytes.
"""

import argparse
import random
import struct

T0 = 1772442000


def make_frame(eth, kind):
    """A record (header and frame) of one flood packet of `kind`; the source and time are filled in per packet."""
    if kind == "syn":
        l4 = struct.pack("!HHIIBBHHH", 0, 5061, 0, 0, 5 << 4, 0x02, 65535, 0, 0)
        proto, dst = 6, bytes([203, 0, 113, 10])
    elif kind == "udp":
        l4 = struct.pack("!HHHH", 0, 3478, 12, 0) + b"\xde\xad\xbe\xef"
        proto, dst = 17, bytes([203, 0, 113, 20])
    elif kind == "rtp":
        # Version 2, PCMU; sequence number, timestamp and SSRC set per packet.
        l4 = struct.pack("!HHHH", 0, 50000, 8 + 12 + 160, 0) + struct.pack("!BBHII", 0x80, 0, 0, 0, 0) + bytes(160)
        proto, dst = 17, bytes([203, 0, 113, 20])
    else:
        # Binding request, length 0, magic cookie; the transaction id is set per packet.
        l4 = struct.pack("!HHHH", 0, 3478, 28, 0) + struct.pack("!HHI", 0x0001, 0, 0x2112A442) + bytes(12)
        proto, dst = 17, bytes([203, 0, 113, 20])
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0, b"\0\0\0\0", dst)
    frame = bytearray(struct.pack("<IIII", 0, 0, 0, 0) + eth + ip + l4)
    size = len(frame) - 16
    struct.pack_into("<II", frame, 8, size, size)
    return frame


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--kind", choices=("syn", "udp", "mixed", "stun", "rtp"), default="syn")
    ap.add_argument("--packets", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    frames = [make_frame(eth, k) for k in (("syn", "udp") if args.kind == "mixed" else (args.kind,))]
    rtp = args.kind == "rtp"
    src_at, port_at, seq_at, txid_at = 16 + 14 + 12, 16 + 14 + 20, 16 + 14 + 24, 16 + 14 + 28 + 8

    # Source (address, port) pairs walk a permutation of 2^24 addresses x 40,000 ports, so no
    # two packets share a 5-tuple.
    base = rng.randrange(1 << 24)
    with open(args.out, "wb", buffering=1 << 22) as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(args.packets):
            frame = frames[i % len(frames)]
            addr = (base + i // 40_000 * 2_654_435_761) & 0xFFFFFF
            struct.pack_into("<II", frame, 0, T0 + i // 1_000_000, i % 1_000_000)
            struct.pack_into("!I", frame, src_at, 0x0A000000 | addr)
            struct.pack_into("!H", frame, port_at, 1024 + i % 40_000)
            if frame[16 + 14 + 9] == 6:
                struct.pack_into("!I", frame, seq_at, (i * 2_246_822_519) & 0xFFFFFFFF)
            elif rtp:
                struct.pack_into("!HII", frame, txid_at - 6, i & 0xFFFF, i * 160 & 0xFFFFFFFF, i)
            elif len(frame) > 16 + 14 + 28 + 8:
                struct.pack_into("!QI", frame, txid_at, i, 0)
            f.write(frame)

if __name__ == "__main__":
    main()
