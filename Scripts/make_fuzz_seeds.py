#!/usr/bin/env python3
"""Writes seeds for the fuzz targets whose input is not a capture file, from the captures under
Captures/, so that each fuzzer starts from real Edge, TLS, DTLS, STUN/TURN, RTP, SIP, DNS, ICMP and
tunnel traffic rather than from capture files it would read as noise:

- Fuzz/seeds/FuzzPackets/NAME.bin: a capture's first frames (about 8 KiB) in FuzzPackets's format:
  one byte choosing the link type (the index in the target's list), then per frame one byte L and
  L * 4 + 20 bytes of frame, the frame padded with zeros to that size (after the IP packet, where
  Ethernet pads too) or cut at 1,040 bytes (255 * 4 + 20; it then reads as a truncated packet, as
  a short snap length gives). Frames of a link type the target does not take are left out.
- Fuzz/seeds/FuzzSTUN/NAME-N.bin: UDP payloads that RFC 7983's first byte makes STUN, TURN
  ChannelData, RTP or RTCP, and TCP payloads to or from ports 443, 3478 and 50000-59999 (MS-TURN's
  framing), one of each kind (first two bytes, size in 64-byte steps) a capture.
- Fuzz/seeds/FuzzText/NAME-N.bin: DNS (port 53) and SIP (port 5060, or a SIP method or status
  line first) payloads, one of each opening (first eight bytes) a capture.
- Fuzz/seeds/FuzzSDP/NAME-N.bin: the SDP bodies of those SIP messages, and the messages.

Captures that do not parse (Captures/malformed has some) are left out, with a line saying why.

Usage: python3 Scripts/make_fuzz_seeds.py    (from any directory; the standard library only;
Fuzz/run.sh runs it when a target's folder is missing; it rewrites all four folders)
"""
import os
import shutil
import struct
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SEEDS = os.path.join(ROOT, "Fuzz", "seeds")
# FuzzPackets's link types, by their LINKTYPE_ numbers (and the DLT_RAW numbers 12 and 14 some
# systems write): each one's index in the target's list.
LINKS = {1: 0, 113: 1, 276: 2, 101: 3, 12: 3, 14: 3, 228: 4, 229: 5, 0: 6, 108: 7}
SEED_BYTES = 8192


def pcap_frames(data):
    """(link type, frame) of a classic pcap file, either byte order."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError("not a pcap file")
    link = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF  # the link type, without the FCS bits
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        if off + 16 + caplen > len(data):
            break
        yield link, data[off + 16:off + 16 + caplen]
        off += 16 + caplen


def pcapng_frames(data):
    """(link type, frame) of a pcapng file's enhanced and simple packet blocks."""
    e, off, links = "<", 0, []
    while off + 12 <= len(data):
        btype = struct.unpack(e + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        length = struct.unpack(e + "I", data[off + 4:off + 8])[0]
        if length < 12 or off + length > len(data):
            break
        body = data[off + 8:off + length - 4]
        if btype == 1:
            links.append(struct.unpack(e + "H", body[0:2])[0])
        elif btype == 6 and len(body) >= 20:
            iface, caplen = struct.unpack(e + "I", body[0:4])[0], struct.unpack(e + "I", body[12:16])[0]
            if iface < len(links):
                yield links[iface], body[20:20 + caplen]
        elif btype == 3 and links:
            yield links[0], body[4:4 + struct.unpack(e + "I", body[0:4])[0]]  # without the block's padding
        off += length


def frames_of(path):
    """(link type, frame) of a pcap or pcapng file."""
    data = open(path, "rb").read()
    return list(pcapng_frames(data) if data[:4] == b"\x0a\x0d\x0d\x0a" else pcap_frames(data))


def packets_seed(frames):
    """FuzzPackets's seed of a capture's frames, or None when it has none the target takes."""
    out, link = bytearray(), None
    for lt, frame in frames:
        if lt not in LINKS or len(frame) < 1:
            continue
        if link is None:
            link = lt
            out.append(LINKS[lt])
        if lt != link:
            continue  # one link type a seed, as the target reads it
        units = min(255, max(0, (len(frame) - 20 + 3) // 4))
        size = units * 4 + 20
        out.append(units)
        out += frame[:size].ljust(size, b"\x00")
        if len(out) >= SEED_BYTES:
            break
    return bytes(out) if link is not None else None


def ip_of(link, frame):
    """The IP packet of a frame (Ethernet with VLAN tags, Linux cooked v1 and v2, raw, BSD
    loopback), or None."""
    if link == 1:
        off, etype = 14, frame[12:14]
        while etype in (b"\x81\x00", b"\x88\xa8", b"\x91\x00") and len(frame) >= off + 4:
            etype, off = frame[off + 2:off + 4], off + 4
        return frame[off:] if etype in (b"\x08\x00", b"\x86\xdd") else None
    if link == 113:
        return frame[16:] if frame[14:16] in (b"\x08\x00", b"\x86\xdd") else None
    if link == 276:
        return frame[20:] if frame[0:2] in (b"\x08\x00", b"\x86\xdd") else None
    if link in (101, 12, 14, 228, 229):
        return frame
    if link in (0, 108):
        return frame[4:]
    return None


def transport_of(ip):
    """(protocol, source port, destination port, payload) of a UDP or TCP packet, or None."""
    if len(ip) < 20:
        return None
    if ip[0] >> 4 == 4:
        ihl, proto = (ip[0] & 15) * 4, ip[9]
        if struct.unpack(">H", ip[6:8])[0] & 0x3FFF:
            return None  # a fragment
        total = struct.unpack(">H", ip[2:4])[0]
        body = ip[ihl:max(ihl, min(total, len(ip)))]
    elif ip[0] >> 4 == 6 and len(ip) >= 40:
        proto, body = ip[6], ip[40:40 + struct.unpack(">H", ip[4:6])[0]]
    else:
        return None
    if proto == 17 and len(body) >= 8:
        return proto, struct.unpack(">H", body[0:2])[0], struct.unpack(">H", body[2:4])[0], body[8:]
    if proto == 6 and len(body) >= 20:
        return proto, struct.unpack(">H", body[0:2])[0], struct.unpack(">H", body[2:4])[0], body[(body[12] >> 4) * 4:]
    return None


SIP_OPENINGS = (b"SIP/2.0 ", b"INVITE ", b"ACK ", b"BYE ", b"CANCEL ", b"OPTIONS ", b"REGISTER ", b"SUBSCRIBE ",
                b"NOTIFY ", b"MESSAGE ", b"INFO ", b"UPDATE ", b"PRACK ", b"REFER ", b"SERVICE ", b"BENOTIFY ")


def payload_seeds(frames):
    """The payload seeds of a capture's frames: {target: [payload, ...]}, one of each kind."""
    seeds, kinds = {"FuzzSTUN": [], "FuzzText": [], "FuzzSDP": []}, set()

    def add(target, kind, payload):
        if (target, kind) not in kinds:
            kinds.add((target, kind))
            seeds[target].append(payload)

    for link, frame in frames:
        ip = ip_of(link, frame)
        t = ip and transport_of(ip)
        if not t or not t[3]:
            continue
        proto, sport, dport, payload = t
        ports = (sport, dport)
        media_ports = any(p in (443, 3478) or 50000 <= p <= 59999 for p in ports)
        if (proto == 17 and (payload[0] < 4 or 64 <= payload[0] < 80 or 128 <= payload[0] < 192)) or (proto == 6 and media_ports):
            add("FuzzSTUN", (proto, payload[:2], len(payload) // 64), payload)
        if 53 in ports:
            add("FuzzText", payload[:8], payload)
        elif 5060 in ports or payload.startswith(SIP_OPENINGS):
            add("FuzzText", payload[:8], payload)
            head, _, body = payload.partition(b"\r\n\r\n")
            if body and b"application/sdp" in head.lower():
                add("FuzzSDP", ("body", body[:16]), body)
                add("FuzzSDP", ("message", payload[:8]), payload)
    return seeds


def main():
    targets = ["FuzzPackets", "FuzzSTUN", "FuzzText", "FuzzSDP"]
    # Written into new folders, which replace the old ones only once all are written: a run that
    # fails part-way leaves the old seeds (or none), never a part.
    new = {t: os.path.join(SEEDS, ".new-" + t) for t in targets}
    for folder in new.values():
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
    written = dict.fromkeys(targets, 0)
    for folder, _, files in sorted(os.walk(os.path.join(ROOT, "Captures"))):
        for name in sorted(files):
            if not (name.endswith(".pcap") or name.endswith(".pcapng")):
                continue
            path = os.path.join(folder, name)
            try:
                frames = frames_of(path)
            except (ValueError, struct.error) as err:
                print("left out %s: %s" % (os.path.relpath(path, ROOT), err), file=sys.stderr)
                continue
            stem = os.path.relpath(path, os.path.join(ROOT, "Captures")).replace(os.sep, "-")
            packets = packets_seed(frames)
            if packets is not None:
                with open(os.path.join(new["FuzzPackets"], stem + ".bin"), "wb") as f:
                    f.write(packets)
                written["FuzzPackets"] += 1
            for target, payloads in payload_seeds(frames).items():
                for n, payload in enumerate(payloads):
                    with open(os.path.join(new[target], "%s-%d.bin" % (stem, n)), "wb") as f:
                        f.write(payload)
                    written[target] += 1
    for t in targets:
        shutil.rmtree(os.path.join(SEEDS, t), ignore_errors=True)
        os.rename(new[t], os.path.join(SEEDS, t))
    print(", ".join("%s %d" % (t, written[t]) for t in targets) + " seeds written to Fuzz/seeds")


if __name__ == "__main__":
    main()
