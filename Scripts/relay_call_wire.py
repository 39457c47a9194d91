#!/usr/bin/env python3
"""A userspace stand-in for `tc netem` (this kernel has no sch_netem): forwards Ethernet frames
between two interfaces through AF_PACKET sockets, impairing the A -> B direction only.

  relay_call_wire.py IFACE_A IFACE_B LOSS DELAY_MS JITTER_MS SEED

A -> B: each frame is dropped with probability LOSS (independent draws), otherwise sent after
DELAY_MS + a normal draw of standard deviation JITTER_MS (clipped at 0), never before the frame
ahead of it (no reordering). B -> A: forwarded at once. The draws come from random.Random(SEED).
Runs until killed (SIGTERM); on exit prints the frames forwarded and dropped per direction.
"""
import heapq
import random
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main(iface_a, iface_b, loss, delay_ms, jitter_ms, seed):
    loss, delay, jitter = float(loss), float(delay_ms) / 1000, float(jitter_ms) / 1000
    rng = random.Random(int(seed))
    socks = {}
    for name in (iface_a, iface_b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, ETH_P_ALL))
        socks[name] = s
    sock_a, sock_b = socks[iface_a], socks[iface_b]
    counts = {"a>b": 0, "a>b dropped": 0, "b>a": 0}
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
            elif rng.random() < loss:
                counts["a>b dropped"] += 1
            else:
                due = max(time.monotonic() + max(0.0, rng.gauss(delay, jitter)), last_due)
                last_due = due
                order += 1
                heapq.heappush(pending, (due, order, frame))
    print(f"wire: {iface_a}->{iface_b} forwarded {counts['a>b']} dropped {counts['a>b dropped']}, "
          f"{iface_b}->{iface_a} forwarded {counts['b>a']}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    main(*sys.argv[1:])
