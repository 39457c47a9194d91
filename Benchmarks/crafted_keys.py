#!/usr/bin/env python3
"""TCP SYNs whose flow keys crowd the flow table's probe chains (Benchmarks/README.md,
"Sixteenth session: start-up and crafted keys"). Three kinds:

    python3 Benchmarks/crafted_keys.py search COUNT FIRST_SLOTS OUT.pcap   (e.g. 100000 4096)
    python3 Benchmarks/crafted_keys.py v4 COUNT OUT.pcap                   (e.g. 104000)
    python3 Benchmarks/crafted_keys.py v6 COUNT OUT.pcap                   (e.g. 30000)

search: random sources to 52.112.0.10:5061, kept when 37b2102's hash (a fixed seed) starts
their probe in the first FIRST_SLOTS of 262,144 slots. v4 and v6: families shaped against the
hash's form, whatever its seed: IPv4 sources that differ above bit 18 (13 ports each) to
126.209.160.180:10459, whose word cancelled the constant operand of the IPv4 hash between
0d696e0 and 4e8a733; IPv6 sources whose low word is 0x9E3779B97F4A7C15, which zeroed their
fold before 27b8528. A build whose hash mixes secret words into every operand spreads them all.
"""
import random, struct, sys

M = (1 << 64) - 1
ETH4 = b'\x00\x15\x5d\x01\x02\x03\x00\x15\x5d\x04\x05\x06\x08\x00'
ETH6 = b'\x00\x15\x5d\x01\x02\x03\x00\x15\x5d\x04\x05\x06\x86\xdd'


def fold(x, y):
    p = (x & M) * (y & M)
    return ((p >> 64) ^ p) & M


def checksum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return (~s) & 0xffff


def syn4(k, src, sport, dst, dport):
    ip = struct.pack('!BBHHHBBHII', 0x45, 0, 40, k & 0xffff, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    return ETH4 + ip + struct.pack('!HHIIBBHHH', sport, dport, k, 0, 0x50, 0x02, 65535, 0, 0)


def syn6(k, src_hi, src_lo, dst_hi, dst_lo, sport, dport):
    ip = struct.pack('!IHBB', 0x60000000, 20, 6, 64) + struct.pack('!QQ', src_hi, src_lo) + struct.pack('!QQ', dst_hi, dst_lo)
    return ETH6 + ip + struct.pack('!HHIIBBHHH', sport, dport, k, 0, 0x50, 0x02, 65535, 0, 0)


def searched(n, first_slots):
    """37b2102's hash of an IPv4 key under its fixed seed, searched for keys starting low."""
    seed, c1, c2, c3, c4 = 0x5EED_F10E_ED6E_F10F, 0x9E37_79B9_7F4A_7C15, 0xD6E8_FEB8_6659_FD93, 0xA076_1D64_78BD_642F, 0xE703_7ED1_A0B4_28DB
    server, dport = 0x3470000A, 5061
    y = fold(0 ^ c2, (0x0000FFFF00000000 | server) ^ seed)
    rnd, got = random.Random(7), 0
    while got < n:
        src, sport = rnd.randrange(0x01000000, 0x34000000), rnd.randrange(1024, 65536)
        x = fold(0 ^ seed, (0x0000FFFF00000000 | src) ^ c1)
        rest = ((sport << 16 | dport) << 16) | (6 << 8 | 4)
        if (fold(x ^ rest ^ c3, y ^ c4) ^ x ^ y) & ((1 << 18) - 1) < first_slots:
            got += 1
            yield syn4(got, src, sport, server, dport)


def family4(n):
    for k in range(n):
        yield syn4(k, (k // 13) << 18 | 1, 40000 + k % 13, 0x7ED1A0B4, 10459)


def family6(n):
    for k in range(n):
        yield syn6(k, 0x20010DB800000000 | k, 0x9E3779B97F4A7C15, 0xFFFF000000000000, 1, 40000, 443)


kind = sys.argv[1]
if kind == 'search':
    frames, path = searched(int(sys.argv[2]), int(sys.argv[3])), sys.argv[4]
else:
    frames, path = (family4 if kind == 'v4' else family6)(int(sys.argv[2])), sys.argv[3]
with open(path, 'wb') as out:
    out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for k, frame in enumerate(frames):
        out.write(struct.pack('<IIII', 1700000000 + k // 1000, (k % 1000) * 1000, len(frame), len(frame)) + frame)
