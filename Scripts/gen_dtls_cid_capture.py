#!/usr/bin/env python3
"""Writes Captures/dtls/dtls12-cid-synthetic.pcap: a DTLS 1.2 exchange that negotiates
RFC 9146 connection ids, built byte by byte because no program this project can install
(Debian 12's OpenSSL 3.0, GnuTLS, NSS, wolfSSL and mbedTLS builds, pion/dtls 2.2.6,
Bouncy Castle 1.72; PyPI's python-mbedtls) sends connection ids.

    python3 Scripts/gen_dtls_cid_capture.py [--out Captures/dtls/dtls12-cid-synthetic.pcap]

The handshake's shape follows RFC 9146 and RFC 6347; its encrypted parts are random bytes.
The client (192.0.2.10:50000) asks to receive the 4-byte id c0c1c2c3, the server
(203.0.113.20:4433) the 3-byte id 5e5e5e (§3: each hello's connection_id extension, type 54,
names the id its sender wants on the records it receives). After ChangeCipherSpec every
record is a tls12_cid record (content type 25, §4) carrying the receiver's id:

    1  client -> server  ClientHello (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, connection_id c0c1c2c3)
    2  server -> client  ServerHello (that suite, connection_id 5e5e5e), ServerHelloDone
    3  client -> server  ChangeCipherSpec, tls12_cid [5e5e5e] (its encrypted Finished)
    4  server -> client  ChangeCipherSpec, tls12_cid [c0c1c2c3] (its encrypted Finished)
    5  client -> server  tls12_cid [5e5e5e] (data)
    6  server -> client  tls12_cid [c0c1c2c3] (data)

tshark dissects all of it (it learns the id lengths from the hellos); the tests compare
edgeflow with tshark's fields, not with the values above. Output is byte-identical on every
run (fixed timestamps, randomness from a fixed seed).
"""

import argparse
import os
import random
import struct

from inet import checksum

CLIENT = bytes([192, 0, 2, 10])
SERVER = bytes([203, 0, 113, 20])
CLIENT_PORT, SERVER_PORT = 50000, 4433
CLIENT_CID = bytes.fromhex("c0c1c2c3")
SERVER_CID = bytes.fromhex("5e5e5e")
SUITE = 0xC02B  # TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
DTLS12 = 0xFEFD
rng = random.Random(9146)


def noise(n):
    return bytes(rng.randrange(256) for _ in range(n))


def record(content_type, epoch, seq, body, version=DTLS12):
    """DTLSPlaintext (RFC 6347 §4.1)."""
    return struct.pack("!BHH", content_type, version, epoch) + seq.to_bytes(6, "big") + struct.pack("!H", len(body)) + body


def cid_record(epoch, seq, cid, body):
    """tls12_cid record (RFC 9146 §4): the id between the sequence number and the length."""
    return struct.pack("!BHH", 25, DTLS12, epoch) + seq.to_bytes(6, "big") + cid + struct.pack("!H", len(body)) + body


def handshake(msg_type, message_seq, body):
    """One unfragmented handshake message (RFC 6347 §4.2.2)."""
    n = len(body).to_bytes(3, "big")
    return bytes([msg_type]) + n + struct.pack("!H", message_seq) + b"\0\0\0" + n + body


def extension(ext_type, data):
    return struct.pack("!HH", ext_type, len(data)) + data


def extensions(*exts):
    data = b"".join(exts)
    return struct.pack("!H", len(data)) + data


def connection_id(cid):
    return extension(54, bytes([len(cid)]) + cid)


def client_hello():
    suites = struct.pack("!HH", 2, SUITE)
    body = struct.pack("!H", DTLS12) + noise(32) + b"\0" + b"\0" + suites + b"\x01\x00"
    body += extensions(
        extension(10, struct.pack("!HH", 2, 23)),  # supported_groups: secp256r1
        extension(11, b"\x01\x00"),                # ec_point_formats: uncompressed
        extension(13, struct.pack("!HH", 2, 0x0403)),  # signature_algorithms: ecdsa_secp256r1_sha256
        connection_id(CLIENT_CID),
    )
    return handshake(1, 0, body)


def server_hello():
    body = struct.pack("!H", DTLS12) + noise(32) + b"\0" + struct.pack("!H", SUITE) + b"\0"
    body += extensions(extension(11, b"\x01\x00"), connection_id(SERVER_CID))
    return handshake(2, 0, body) + handshake(14, 1, b"")


def ipv4_udp(src, sport, dst, dport, payload, ident):
    udp_len = 8 + len(payload)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    udp = udp[:6] + struct.pack("!H", checksum(pseudo + udp) or 0xFFFF) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, ident, 0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + udp


def frames():
    # The ClientHello/ServerHello random and the encrypted bodies come from the seeded rng.
    c2s = [
        record(22, 0, 0, client_hello()),
        record(20, 0, 1, b"\x01") + cid_record(1, 0, SERVER_CID, noise(40)),
        cid_record(1, 1, SERVER_CID, noise(37)),
    ]
    s2c = [
        record(22, 0, 0, server_hello()),
        record(20, 0, 1, b"\x01") + cid_record(1, 0, CLIENT_CID, noise(40)),
        cid_record(1, 1, CLIENT_CID, noise(45)),
    ]
    out = []
    for i, (c, s) in enumerate(zip(c2s, s2c)):
        out.append(ipv4_udp(CLIENT, CLIENT_PORT, SERVER, SERVER_PORT, c, 2 * i + 1))
        out.append(ipv4_udp(SERVER, SERVER_PORT, CLIENT, CLIENT_PORT, s, 2 * i + 2))
    return out


def pcap(packets):
    """Classic pcap, microseconds, Ethernet; 20 ms between packets from 2026-01-01T00:00:00Z."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    start = 1767225600
    for i, ip in enumerate(packets):
        frame = bytes.fromhex("020000000002" "020000000001" "0800") + ip
        usec = i * 20_000
        out += struct.pack("<IIII", start + usec // 1_000_000, usec % 1_000_000, len(frame), len(frame)) + frame
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Captures", "dtls", "dtls12-cid-synthetic.pcap"))
    args = ap.parse_args()
    with open(args.out, "wb") as f:
        f.write(pcap(frames()))


if __name__ == "__main__":
    main()
