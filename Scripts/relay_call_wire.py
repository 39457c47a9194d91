#!/usr/bin/env python3
"""A userspace stand-in for `tc netem` (this kernel has no sch_netem): forwards Ethernet frames
between two interfaces through AF_PACKET sockets, impairing the A -> B direction only.

  relay_call_wire.py IFACE_A IFACE_B LOSS DELAY_MS JITTER_MS SEED

LOSS is either a probability (random loss: every frame is dropped with that probability,
independent draws, like `netem loss 3%`) or `gemodel:P,R,1-H,1-K`, a Gilbert-Elliott loss model
with netem's parameters (`netem loss gemodel P R 1-H 1-K`, all probabilities): two states, Good
and Bad; a frame is dropped with probability 1-K in Good and 1-H in Bad, then the state moves
Good -> Bad with probability P and Bad -> Good with probability R. The mean stay in Bad is 1/R
frames and the mean loss is (P·(1-H) + R·(1-K)) / (P + R), so losses come in bursts. The model
starts in Good and steps on IPv4 frames only (ARP passes, as under a netem filter on IP).

A -> B: a frame not dropped is sent after DELAY_MS + a normal draw of standard deviation
JITTER_MS (clipped at 0), never before the frame ahead of it (no reordering). B -> A: forwarded at
once. Every draw (loss, state, delay) comes from one random.Random(SEED), in that order per frame.
Runs until killed (SIGTERM); on exit prints the frames forwarded and dropped per direction and,
per RTP SSRC (IPv4 UDP payloads of RTP version 2 whose payload type is not RTCP's 72-76), the
sequence numbers it dropped, as `wire: dropped rtp ssrc 0x... seq N N ...`.
"""
import heapq
import random
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


class RandomLoss:
    """Independent drops with probability LOSS."""

    def __init__(self, loss, rng):
        self.loss, self.rng = loss, rng

    def drop(self):
        return self.rng.random() < self.loss


class GilbertElliott:
    """netem's gemodel: drop by the current state's loss probability, then move."""

    def __init__(self, p, r, bad_loss, good_loss, rng):
        self.p, self.r, self.bad_loss, self.good_loss, self.rng = p, r, bad_loss, good_loss, rng
        self.bad = False

    def drop(self):
        lost = self.rng.random() < (self.bad_loss if self.bad else self.good_loss)
        self.bad = self.rng.random() >= self.r if self.bad else self.rng.random() < self.p
        return lost


def loss_model(spec, rng):
    if spec.startswith("gemodel:"):
        values = [float(v) for v in spec[len("gemodel:"):].split(",")]
        if len(values) != 4 or not all(0 <= v <= 1 for v in values):
            sys.exit(f"relay_call_wire.py: LOSS {spec!r} should be gemodel:P,R,1-H,1-K, four probabilities")
        return GilbertElliott(*values, rng), True
    return RandomLoss(float(spec), rng), False


def rtp_of(frame):
    """(ssrc, seq) of an Ethernet/IPv4/UDP frame carrying RTP v2 (not RTCP), else None."""
    if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00" or frame[14 + 9] != 17:
        return None
    udp = 14 + (frame[14] & 0x0F) * 4
    rtp = frame[udp + 8:]
    if len(rtp) < 12 or rtp[0] >> 6 != 2 or 72 <= rtp[1] & 0x7F <= 76:
        return None
    seq, _, ssrc = struct.unpack("!HII", rtp[2:12])
    return ssrc, seq


def main(iface_a, iface_b, loss, delay_ms, jitter_ms, seed):
    delay, jitter = float(delay_ms) / 1000, float(jitter_ms) / 1000
    rng = random.Random(int(seed))
    model, ip_only = loss_model(loss, rng)
    socks = {}
    for name in (iface_a, iface_b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, ETH_P_ALL))
        socks[name] = s
    sock_a, sock_b = socks[iface_a], socks[iface_b]
    counts = {"a>b": 0, "a>b dropped": 0, "b>a": 0}
    dropped_rtp = {}
    pending, order, last_due = [], 0, 0.0
    running = [True]
    signal.signal(signal.SIGTERM, lambda *_: running.__setitem__(0, False))
    print("wire: ready", flush=True)
    while running[0]:
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, frame = heapq.heappop(pending)
            sock_b.send(frame)
            counts["a>b"] += 1
        timeout = max(0.0, pending[0][0] - now) if pending else 0.2
        try:
            ready, _, _ = select.select([sock_a, sock_b], [], [], timeout)
        except InterruptedError:
            continue
        for s in ready:
            frame, addr = s.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue
            if s is sock_b:
                sock_a.send(frame)
                counts["b>a"] += 1
            elif (not ip_only or frame[12:14] == b"\x08\x00") and model.drop():
                counts["a>b dropped"] += 1
                rtp = rtp_of(frame)
                if rtp:
                    dropped_rtp.setdefault(rtp[0], []).append(rtp[1])
            else:
                due = max(time.monotonic() + max(0.0, rng.gauss(delay, jitter)), last_due)
                last_due = due
                order += 1
                heapq.heappush(pending, (due, order, frame))
    print(f"wire: {iface_a}->{iface_b} forwarded {counts['a>b']} dropped {counts['a>b dropped']}, "
          f"{iface_b}->{iface_a} forwarded {counts['b>a']}", flush=True)
    for ssrc, seqs in sorted(dropped_rtp.items()):
        print(f"wire: dropped rtp ssrc 0x{ssrc:08x} seq {' '.join(map(str, seqs))}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    main(*sys.argv[1:])
