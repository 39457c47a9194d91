#!/usr/bin/env bash
# Writes Fuzz/seeds/FuzzDTLS/NAME.bin for each DTLS capture: its DTLS datagrams (as tshark's
# `-Y dtls` picks them) in FuzzDTLS's input format, a 2-byte big-endian prefix per datagram
# (top bit set: sent by the responder, i.e. not by the first datagram's sender; low 15 bits:
# the length) followed by the UDP payload.
# Usage: Scripts/make_dtls_fuzz_seeds.sh   (from any directory; needs tshark and python3)
set -euo pipefail
root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$root_dir/Fuzz/seeds/FuzzDTLS
mkdir -p "$out"
for pcap in "$root_dir"/Captures/dtls/*.pcap "$root_dir"/Captures/public/zeek-dtls1_2.pcap; do
    name=$(basename "$pcap" .pcap)
    tshark -r "$pcap" -Y dtls -T fields -e ip.src -e udp.srcport -e udp.payload 2>/dev/null |
    python3 -c '
import sys
out, first = bytearray(), None
for line in sys.stdin:
    src, port, payload = line.rstrip("\n").split("\t")
    data = bytes.fromhex(payload.replace(":", ""))
    first = first or (src, port)
    out += ((0 if (src, port) == first else 0x8000) | len(data)).to_bytes(2, "big") + data
sys.stdout.buffer.write(out)' >"$out/$name.bin"
    echo "wrote $out/$name.bin ($(stat -c %s "$out/$name.bin") bytes)"
done
