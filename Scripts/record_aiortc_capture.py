#!/usr/bin/env python3
"""Records Captures/dtls/aiortc-dtls-srtp.pcap: DTLS-SRTP from a real WebRTC stack.

Two aiortc (https://github.com/aiortc/aiortc, `pip install aiortc`) peer connections in
one process exchange offer and answer directly (no signalling server), then the offerer
sends a short generated audio track (aiortc's AudioStreamTrack: 20 ms frames of silence,
Opus). ICE runs over the host's own addresses, which Linux routes through `lo`; tcpdump
records UDP there, except DNS. The capture holds the STUN connectivity checks, the DTLS
handshake (aiortc's DTLS 1.2 over pyOpenSSL, self-signed ECDSA certificates, use_srtp)
and the first SRTP/SRTCP packets; it is cut to its first `--packets` frames.

Needs root (tcpdump on lo), tcpdump, editcap and aiortc. Usage:
    sudo python3 Scripts/record_aiortc_capture.py [--out Captures/dtls/aiortc-dtls-srtp.pcap]
Prints the a=fingerprint lines of both SDPs (SHA-256 of each side's certificate), which the
tests compare with the certificate digests read from the capture.
"""
import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time


async def call(seconds: float) -> list[str]:
    from aiortc import RTCPeerConnection
    from aiortc.mediastreams import AudioStreamTrack

    offerer, answerer = RTCPeerConnection(), RTCPeerConnection()
    offerer.addTrack(AudioStreamTrack())
    answerer.addTransceiver("audio", direction="recvonly")
    await offerer.setLocalDescription(await offerer.createOffer())
    await answerer.setRemoteDescription(offerer.localDescription)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await offerer.setRemoteDescription(answerer.localDescription)
    await asyncio.sleep(seconds)
    fingerprints = [line for pc in (offerer, answerer) for line in pc.localDescription.sdp.splitlines()
                    if line.startswith("a=fingerprint:sha-256")]
    await offerer.close()
    await answerer.close()
    return fingerprints


def main() -> int:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(root, "Captures/dtls/aiortc-dtls-srtp.pcap"))
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--packets", type=int, default=60)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("record_aiortc_capture: tcpdump on lo needs root", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="edgeflow-aiortc.") as work:
        raw = os.path.join(work, "raw.pcap")
        dump = subprocess.Popen(["tcpdump", "-i", "lo", "--immediate-mode", "-U", "-s", "0", "-w", raw,
                                 "udp and not port 53"], stderr=subprocess.PIPE)
        time.sleep(1.0)
        try:
            fingerprints = asyncio.run(call(args.seconds))
        finally:
            time.sleep(0.5)
            dump.terminate()  # the tcpdump this script started, by its id
            dump.wait()
        subprocess.run(["editcap", "-r", raw, args.out, f"1-{args.packets}"], check=True)
    for line in fingerprints:
        print(line)
    print(f"capture written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
