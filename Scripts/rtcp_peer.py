#!/usr/bin/env python3
"""One end of a plain RTP/RTCP call (RFC 3550), for Scripts/record_rtcp_capture.sh.

Sends PCMU (payload type 0, 160 samples every 20 ms) and, every second, a compound RTCP packet
on the same socket (RTCP multiplexed with RTP, RFC 5761): a sender report whose report block
about the peer's stream carries LSR (the middle 32 bits of the NTP timestamp of the peer's last
sender report) and DLSR (the time since it arrived, in 1/65536 s), then an SDES CNAME. The
clock is the host's (time.time), so the peer's round trip is arrival - LSR - DLSR.

Each datagram leaves DELAY_MS after it was made (a user-space queue standing in for a link's
one-way delay, as tc netem would, where the kernel has no netem), so a round trip between two
peers is about twice DELAY_MS.

Usage: rtcp_peer.py LOCAL_PORT PEER_PORT SSRC SECONDS DELAY_MS
"""
import collections
import socket
import struct
import sys
import time

NTP_OFFSET = 2208988800  # seconds from 1900-01-01 to 1970-01-01


def ntp64(t):
    secs = int(t) + NTP_OFFSET
    frac = int((t - int(t)) * (1 << 32)) & 0xFFFFFFFF
    return secs, frac


def main():
    local, peer, ssrc, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3], 0), float(sys.argv[4])
    delay = float(sys.argv[5]) / 1000
    queue = collections.deque()  # (departure time, datagram)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", local))
    sock.setblocking(False)
    dest = ("127.0.0.1", peer)
    seq, ts, sent_packets, sent_octets = 1000, 0, 0, 0
    peer_ssrc, peer_highest, peer_received = 0, 0, 0
    last_sr_mid, last_sr_arrival = 0, 0.0
    start = time.time()
    next_rtp, next_rtcp = start, start + 1.0
    payload = bytes([0xFF]) * 160
    while time.time() - start < seconds:
        now = time.time()
        if now >= next_rtp:
            queue.append((now + delay, struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload))
            seq, ts, sent_packets, sent_octets = seq + 1, ts + 160, sent_packets + 1, sent_octets + 160
            next_rtp += 0.020
        if now >= next_rtcp:
            secs, frac = ntp64(now)
            blocks = b""
            if peer_ssrc:
                dlsr = int((now - last_sr_arrival) * 65536) if last_sr_mid else 0
                blocks = struct.pack("!IIIIII", peer_ssrc, 0, peer_highest, 0, last_sr_mid, dlsr)
            count = 1 if blocks else 0
            sr = struct.pack("!BBHIIIIII", 0x80 | count, 200, 6 + 6 * count, ssrc, secs, frac,
                             ts & 0xFFFFFFFF, sent_packets, sent_octets) + blocks
            cname = b"peer-%d" % local
            item = struct.pack("!BB", 1, len(cname)) + cname + b"\x00"
            item += b"\x00" * (-(4 + len(item)) % 4)
            sdes = struct.pack("!BBHI", 0x81, 202, len(item) // 4 + 1, ssrc) + item
            queue.append((now + delay, sr + sdes))
            next_rtcp += 1.0
        while queue and queue[0][0] <= time.time():
            sock.sendto(queue.popleft()[1], dest)
        try:
            while True:
                data, _ = sock.recvfrom(2048)
                arrival = time.time()
                if len(data) >= 28 and data[1] == 200:
                    _, _, _, _, msw, lsw = struct.unpack("!BBHIII", data[:16])
                    last_sr_mid = ((msw & 0xFFFF) << 16) | (lsw >> 16)
                    last_sr_arrival = arrival
                elif len(data) >= 12 and data[1] & 0x7F == 0:
                    peer_ssrc = struct.unpack("!I", data[8:12])[0]
                    peer_highest = struct.unpack("!H", data[2:4])[0]
                    peer_received += 1
        except BlockingIOError:
            pass
        time.sleep(0.001)


if __name__ == "__main__":
    main()
