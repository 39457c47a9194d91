#!/usr/bin/env python3
"""The two media endpoints of Scripts/record_relay_call_capture.sh (Python 3 standard library only).

  relay_call_media.py client udp|tcp SERVER PORT PEER PEER_PORT LOCAL LOCAL_PORT
      The external Skype client, over UDP or TCP to the server: allocates on the A/V Edge's TURN server (RFC 5766: Allocate,
      answered 401 with REALM/NONCE, then again with long-term credentials), creates a permission
      and binds channel 0x4000 for the Office 365 peer, sends its PCMU stream (SSRC 0x0C11E47A)
      and RTCP in ChannelData, refreshes the allocation mid-call, deallocates at the end.
  relay_call_media.py o365 LOCAL LOCAL_PORT
      The Office 365 media relay: waits for the first RTP packet, answers to its source (the
      relayed address: symmetric RTP) with its own PCMU stream (SSRC 0x0365A0D1) and RTCP.
  relay_call_media.py sip LOCAL PEER PEER_PORT
      With SIP=...: the signalling's far end on LOCAL:5060 (UDP), standing for the Access Edge and
      the Office 365 side: answers the client's INVITE with 200 OK whose SDP (RFC 8866) names
      PEER:PEER_PORT and the client's payload type and rtpmap, and its BYE with 200 OK.

With CODEC=opus both streams are payload type 111, "opus/48000/2" (RFC 7587 §7: a 48 kHz RTP
clock, 960 ticks per 20 ms); the default CODEC=pcmu is PT 0 at 8000 Hz. With SIP=IP (the sip
role's LOCAL), the client, once allocated, sends from LOCAL:5060 a plaintext INVITE whose SDP
offers its relayed address (c=, m=) and the payload type, retransmitted every 500 ms (doubling)
until answered, then ACK; after the media a BYE likewise.

Both streams: RTP version 2, PT 0 (PCMU, 8000 Hz; see CODEC), 20 ms packets, 160 bytes of
payload, PACKETS packets (default 1250, 25 s), the first with the marker bit. RTCP is multiplexed
on the RTP port (RFC 5761): every 1-2 s a compound SR (with one report block about the received
stream: loss, jitter, LSR and DLSR as RFC 3550 §6.4.1 and appendix A.3/A.8 define them) + SDES
CNAME; at the end an RR + SDES + BYE. TURN credentials: user alice, password secret.
"""
import hashlib
import hmac
import os
import random
import select
import socket
import struct
import sys
import time
import zlib

PACKETS = int(os.environ.get("PACKETS", "1250"))
PTIME = 0.020
CODEC = os.environ.get("CODEC", "pcmu")
if CODEC not in ("pcmu", "opus"):
    sys.exit("relay_call_media: CODEC is pcmu or opus")
PT, CLOCK = (111, 48000) if CODEC == "opus" else (0, 8000)
TICKS = int(CLOCK * PTIME)
RTPMAP = "opus/48000/2" if CODEC == "opus" else "PCMU/8000"
SIP_PORT = 5060
USER, PASSWORD = b"alice", b"secret"
CHANNEL = 0x4000
MAGIC = 0x2112A442
NTP_EPOCH_OFFSET = 2208988800

# STUN/TURN (RFC 5389, RFC 5766) methods, classes and attributes used here.
ALLOCATE, REFRESH, CREATE_PERMISSION, CHANNEL_BIND = 0x003, 0x004, 0x008, 0x009
SUCCESS, ERROR = 0x0100, 0x0110
A_USERNAME, A_MI, A_ERROR, A_REALM, A_NONCE = 0x0006, 0x0008, 0x0009, 0x0014, 0x0015
A_LIFETIME, A_CHANNEL, A_PEER, A_RELAYED, A_TRANSPORT = 0x000D, 0x000C, 0x0012, 0x0016, 0x0019
A_MAPPED, A_SOFTWARE, A_FINGERPRINT = 0x0020, 0x8022, 0x8028


def log(*args):
    print(*args, flush=True)


def attr(kind, value):
    pad = (4 - len(value) % 4) % 4
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * pad


def xor_address(ip, port):
    raw = struct.unpack("!I", socket.inet_aton(ip))[0] ^ MAGIC
    return struct.pack("!BBHI", 0, 1, port ^ (MAGIC >> 16), raw)


def parse_xor_address(value):
    port = struct.unpack("!H", value[2:4])[0] ^ (MAGIC >> 16)
    ip = socket.inet_ntoa(struct.pack("!I", struct.unpack("!I", value[4:8])[0] ^ MAGIC))
    return ip, port


def stun_message(method, attrs, key=None):
    """A STUN request; with KEY, MESSAGE-INTEGRITY (HMAC-SHA1 over the message so far, the header
    length already counting it) and FINGERPRINT (CRC-32 XOR 0x5354554E) follow."""
    tid = os.urandom(12)
    body = b"".join(attrs) + attr(A_SOFTWARE, b"edgeflow relay-call client")
    if key is not None:
        head = struct.pack("!HHI", method, len(body) + 24, MAGIC) + tid
        body += attr(A_MI, hmac.new(key, head + body, hashlib.sha1).digest())
    head = struct.pack("!HHI", method, len(body) + 8, MAGIC) + tid
    crc = (zlib.crc32(head + body) ^ 0x5354554E) & 0xFFFFFFFF
    return tid, head + body + attr(A_FINGERPRINT, struct.pack("!I", crc))


def parse_stun(data):
    if len(data) < 20 or data[0] & 0xC0:
        return None
    kind, length, magic = struct.unpack("!HHI", data[:8])
    if magic != MAGIC:
        return None
    attrs, pos = {}, 20
    while pos + 4 <= min(len(data), 20 + length):
        t, n = struct.unpack("!HH", data[pos:pos + 4])
        attrs.setdefault(t, data[pos + 4:pos + 4 + n])
        pos += 4 + n + (4 - n % 4) % 4
    return kind, data[8:20], attrs


def ntp_now(now):
    secs = now + NTP_EPOCH_OFFSET
    return int(secs), int((secs % 1) * (1 << 32)) & 0xFFFFFFFF


def rtp_packet(seq, ts, ssrc, marker):
    return struct.pack("!BBHII", 0x80, PT | (0x80 if marker else 0), seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + b"\xff" * 160


class Receiver:
    """What one side knows of the stream it receives (RFC 3550 A.1, A.3, A.8) and of the
    other side's last SR (for LSR/DLSR)."""

    def __init__(self):
        self.ssrc = None
        self.base = self.max_ext = None
        self.received = 0
        self.expected_prior = self.received_prior = 0
        self.transit = None
        self.jitter = 0.0
        self.lsr = 0
        self.sr_arrival = None

    def rtp(self, data, now):
        if len(data) < 12:
            return
        seq, ts, ssrc = struct.unpack("!HII", data[2:12])
        if self.ssrc is None:
            self.ssrc, self.base, self.max_ext = ssrc, seq, seq
        ext = (self.max_ext & ~0xFFFF) | seq
        if ext < self.max_ext - 0x8000:
            ext += 0x10000
        elif ext > self.max_ext + 0x8000:
            ext -= 0x10000
        self.max_ext = max(self.max_ext, ext)
        self.received += 1
        transit = int(now * CLOCK) - ts
        if self.transit is not None:
            d = abs(transit - self.transit)
            self.jitter += (d - self.jitter) / 16.0
        self.transit = transit

    def sender_report(self, data, now):
        if len(data) >= 20:
            msw, lsw = struct.unpack("!II", data[8:16])
            self.lsr = ((msw & 0xFFFF) << 16) | (lsw >> 16)
            self.sr_arrival = now

    def report_block(self, now):
        if self.ssrc is None:
            return b""
        expected = self.max_ext - self.base + 1
        lost = expected - self.received
        interval_expected = expected - self.expected_prior
        interval_lost = interval_expected - (self.received - self.received_prior)
        self.expected_prior, self.received_prior = expected, self.received
        fraction = (interval_lost << 8) // interval_expected if interval_expected > 0 and interval_lost > 0 else 0
        lost = max(-0x800000, min(0x7FFFFF, lost)) & 0xFFFFFF
        dlsr = int((now - self.sr_arrival) * 65536) if self.sr_arrival is not None else 0
        return struct.pack("!IIIIII", self.ssrc, (fraction << 24) | lost, self.max_ext & 0xFFFFFFFF,
                           int(self.jitter), self.lsr, dlsr)


def sdes(ssrc, cname):
    item = bytes([1, len(cname)]) + cname + b"\0"
    item += b"\0" * ((4 - (4 + len(item)) % 4) % 4)
    return struct.pack("!BBHI", 0x81, 202, (4 + len(item)) // 4, ssrc) + item


def rtcp_compound(ssrc, cname, receiver, sender, now, final):
    block = receiver.report_block(now)
    count = 1 if block else 0
    if final:
        first = struct.pack("!BBHI", 0x80 | count, 201, 1 + len(block) // 4, ssrc) + block
    else:
        msw, lsw = ntp_now(now)
        info = struct.pack("!IIIII", msw, lsw, sender.rtp_ts_at(now) & 0xFFFFFFFF, sender.sent, 160 * sender.sent)
        first = struct.pack("!BBHI", 0x80 | count, 200, 6 + len(block) // 4, ssrc) + info + block
    packet = first + sdes(ssrc, cname)
    if final:
        packet += struct.pack("!BBHI", 0x81, 203, 1, ssrc)
    return packet


class Sender:
    """One stream (CODEC) on a 20 ms schedule from START (absolute times, no drift)."""

    def __init__(self, ssrc, first_seq, first_ts, start):
        self.ssrc, self.first_seq, self.first_ts, self.start = ssrc, first_seq, first_ts, start
        self.sent = 0

    def due(self):
        return self.start + self.sent * PTIME if self.sent < PACKETS else None

    def next_packet(self):
        packet = rtp_packet(self.first_seq + self.sent, self.first_ts + TICKS * self.sent, self.ssrc, self.sent == 0)
        self.sent += 1
        return packet

    def rtp_ts_at(self, now):
        return self.first_ts + int((now - self.start) * CLOCK)


def media_loop(fd, send, receive, unwrap, ssrc, cname, rng, stop_after, on_other=None, first=None):
    """Sends the stream and RTCP, receives the other side's (RECEIVE: what is readable on FD, as
    (data, source) pairs; FIRST: an RTP packet already received); returns once both streams
    ended (the other side's BYE, or STOP_AFTER seconds after our last packet)."""
    receiver = Receiver()
    if first is not None:
        receiver.rtp(first, time.time())
    sender = Sender(ssrc, rng.randrange(0x10000), rng.randrange(1 << 32), time.time())
    next_rtcp = sender.start + 0.5 + rng.random()
    got_bye = False
    done_at = None
    while True:
        now = time.time()
        due = sender.due()
        if due is not None and now >= due:
            send(sender.next_packet())
            continue
        if due is None and done_at is None:
            send(rtcp_compound(ssrc, cname, receiver, sender, now, True))
            done_at = now
        if due is not None and now >= next_rtcp:
            send(rtcp_compound(ssrc, cname, receiver, sender, now, False))
            next_rtcp = now + 1.0 + rng.random()
            continue
        if done_at is not None and (got_bye or now - done_at > stop_after):
            return sender, receiver
        wake = min(t for t in (due, next_rtcp if due is not None else None, (done_at or now) + stop_after) if t is not None)
        ready, _, _ = select.select([fd], [], [], max(0.0, wake - now))
        if ready:
            now = time.time()
            for data, source in receive():
                got_bye |= handle(unwrap(data, source), data, receiver, now, on_other)


def handle(payload, data, receiver, now, on_other):
    """Feeds one received RTP or RTCP packet to RECEIVER; True on an RTCP BYE."""
    got_bye = False
    if payload is None:
        if on_other is not None:
            on_other(data)
    elif len(payload) >= 8 and payload[0] >> 6 == 2 and 200 <= payload[1] <= 204:
        pos = 0
        while pos + 4 <= len(payload):
            pt = payload[pos + 1]
            length = 4 * (struct.unpack("!H", payload[pos + 2:pos + 4])[0] + 1)
            if pt == 200:
                receiver.sender_report(payload[pos:pos + length], now)
            elif pt == 203:
                got_bye = True
            pos += length
    elif len(payload) >= 12 and payload[0] >> 6 == 2:
        receiver.rtp(payload, now)
    return got_bye


class ServerLink:
    """The client's path to the TURN server: UDP, or TCP with RFC 5766 §11.5 framing (STUN
    messages and ChannelData back to back, ChannelData padded to 4 bytes)."""

    def __init__(self, transport, local, server):
        self.tcp = transport == "tcp"
        self.server = server
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM if self.tcp else socket.SOCK_DGRAM)
        self.sock.bind(local)
        if self.tcp:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock.connect(server)
        self.buffer = b""

    def fileno(self):
        return self.sock.fileno()

    def send(self, data):
        """Sends one message; on UDP, EPERM (the script's iptables DROP on the client's egress)
        is a lost packet (on TCP the kernel retransmits)."""
        if self.tcp:
            self.sock.sendall(data)
            return
        try:
            self.sock.sendto(data, self.server)
        except PermissionError:
            pass

    def receive(self):
        """The complete messages readable now, as (data, server) pairs."""
        if not self.tcp:
            data, source = self.sock.recvfrom(4096)
            return [(data, source)] if source == self.server else []
        chunk = self.sock.recv(65536)
        if not chunk:
            sys.exit("relay_call_media: the TURN server closed the TCP connection")
        self.buffer += chunk
        out = []
        while len(self.buffer) >= 4:
            length = struct.unpack("!H", self.buffer[2:4])[0]
            size = 20 + length if self.buffer[0] & 0xC0 == 0 else 4 + length + (4 - length % 4) % 4
            if len(self.buffer) < size:
                break
            out.append((self.buffer[:size], self.server))
            self.buffer = self.buffer[size:]
        return out


def transaction(link, method, attrs, key=None):
    """One request; on UDP with RFC 5389 retransmissions (500 ms RTO, doubled, 7 tries)."""
    tid, message = stun_message(method, attrs, key)
    rto = 0.5 if not link.tcp else 39.5
    for _ in range(7 if not link.tcp else 1):
        link.send(message)
        deadline = time.time() + rto
        while time.time() < deadline:
            ready, _, _ = select.select([link], [], [], deadline - time.time())
            if not ready:
                break
            for data, _ in link.receive():
                parsed = parse_stun(data)
                if parsed and parsed[1] == tid:
                    return parsed
        rto *= 2
    sys.exit(f"relay_call_media: no answer from {link.server} to STUN method {method:#x}")


def client(transport, server_ip, server_port, peer_ip, peer_port, local_ip, local_port):
    rng = random.Random(16)
    link = ServerLink(transport, (local_ip, int(local_port)), (server_ip, int(server_port)))
    peer = xor_address(peer_ip, int(peer_port))
    udp = attr(A_TRANSPORT, bytes([17, 0, 0, 0]))  # the relay to the peer is UDP either way
    kind, _, attrs = transaction(link, ALLOCATE, [udp])
    if kind != ALLOCATE | ERROR or A_NONCE not in attrs:
        sys.exit(f"relay_call_media: expected 401 to the first Allocate, got {kind:#x}")
    realm, nonce = attrs[A_REALM], attrs[A_NONCE]
    key = hashlib.md5(USER + b":" + realm + b":" + PASSWORD).digest()

    def auth():
        return [attr(A_USERNAME, USER), attr(A_REALM, realm), attr(A_NONCE, nonce)]

    def checked(method, extra):
        kind, _, attrs = transaction(link, method, extra + auth(), key)
        if kind != method | SUCCESS:
            code = attrs.get(A_ERROR, b"\0\0\0\0")
            sys.exit(f"relay_call_media: TURN method {method:#x} failed: {code[2] * 100 + code[3]} {code[4:].decode(errors='replace')}")
        return attrs

    attrs = checked(ALLOCATE, [udp, attr(A_LIFETIME, struct.pack("!I", 600))])
    relayed = parse_xor_address(attrs[A_RELAYED])
    log(f"client: allocated {relayed[0]}:{relayed[1]} (mapped {parse_xor_address(attrs[A_MAPPED])})")
    sip = SIPCall(os.environ["SIP"], local_ip, relayed) if os.environ.get("SIP") else None
    if sip:
        sip.invite()
    checked(CREATE_PERMISSION, [attr(A_PEER, peer)])
    checked(CHANNEL_BIND, [attr(A_CHANNEL, struct.pack("!HH", CHANNEL, 0)), attr(A_PEER, peer)])
    log(f"client: permission and channel {CHANNEL:#06x} for {peer_ip}:{peer_port}")

    refresh = {"sent": False}

    def send(payload):
        link.send(struct.pack("!HH", CHANNEL, len(payload)) + payload + b"\0" * ((4 - len(payload) % 4) % 4))
        # Mid-call Refresh (its answer arrives in the media loop, through on_other).
        if not refresh["sent"] and time.time() - start > PACKETS * PTIME / 2:
            refresh["sent"] = True
            _, message = stun_message(REFRESH, [attr(A_LIFETIME, struct.pack("!I", 600))] + auth(), key)
            link.send(message)

    def unwrap(data, source):
        if len(data) < 4 or data[0] & 0xC0 != 0x40:
            return None
        channel, length = struct.unpack("!HH", data[:4])
        return data[4:4 + length] if channel == CHANNEL else None

    def other(data):
        parsed = parse_stun(data)
        if parsed:
            log(f"client: Refresh answered {parsed[0]:#06x}")

    start = time.time()
    sender, receiver = media_loop(link, send, link.receive, unwrap, 0x0C11E47A, b"client@contoso.com", rng, 3.0, other)
    log(f"client: sent {sender.sent} RTP, received {receiver.received} from SSRC {receiver.ssrc:#010x}")
    checked(REFRESH, [attr(A_LIFETIME, struct.pack("!I", 0))])
    log("client: deallocated (Refresh lifetime 0)")
    if sip:
        sip.bye()


def sdp(address, port, session):
    return (f"v=0\r\no=- {session} 1 IN IP4 {address}\r\ns=-\r\nc=IN IP4 {address}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP {PT}\r\na=rtpmap:{PT} {RTPMAP}\r\na=sendrecv\r\n")


def sip_message(start, headers, body=""):
    kind = "Content-Type: application/sdp\r\n" if body else ""
    return (start + "\r\n" + "".join(h + "\r\n" for h in headers) + kind
            + f"Content-Length: {len(body.encode())}\r\n\r\n" + body).encode()


class SIPCall:
    """The client's dialog over UDP 5060 (RFC 3261, no proxy, no authentication): INVITE with
    the relayed address in its SDP offer (RFC 3264), ACK, and BYE at the end."""

    def __init__(self, server_ip, local_ip, relayed):
        self.server, self.local, self.relayed = (server_ip, SIP_PORT), local_ip, relayed
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((local_ip, SIP_PORT))
        self.call_id = f"relay-call-sip-{os.getpid()}@{local_ip}"
        self.to_tag = ""

    def headers(self, method, seq, branch):
        return [f"Via: SIP/2.0/UDP {self.local}:{SIP_PORT};branch=z9hG4bK{branch}",
                "Max-Forwards: 70", f"From: <sip:client@contoso.com>;tag=c16",
                f"To: <sip:relay@media.online.lync.com>{self.to_tag}", f"Call-ID: {self.call_id}",
                f"CSeq: {seq} {method}", f"Contact: <sip:client@{self.local}:{SIP_PORT}>"]

    def request(self, method, seq, body=""):
        """Sends METHOD until a final response (RFC 3261 §17.1.2.2 timer E: 500 ms, doubling); returns it."""
        message = sip_message(f"{method} sip:relay@{self.server[0]} SIP/2.0", self.headers(method, seq, f"{method.lower()}{seq}"), body)
        rto = 0.5
        for _ in range(7):
            try:
                self.sock.sendto(message, self.server)
            except PermissionError:   # the script's iptables DROP on the client's egress
                pass
            deadline = time.time() + rto
            while time.time() < deadline:
                ready, _, _ = select.select([self.sock], [], [], deadline - time.time())
                if not ready:
                    break
                answer = self.sock.recv(4096).decode(errors="replace")
                if answer.startswith("SIP/2.0 2") and f"CSeq: {seq} {method}" in answer:
                    return answer
            rto = min(rto * 2, 4)
        sys.exit(f"relay_call_media: no 200 OK to the {method}")

    def invite(self):
        answer = self.request("INVITE", 1, sdp(self.relayed[0], self.relayed[1], 16))
        for line in answer.split("\r\n"):
            if line.lower().startswith("to:") and ";tag=" in line:
                self.to_tag = line[line.index(";tag="):]
        ack = sip_message(f"ACK sip:relay@{self.server[0]} SIP/2.0", self.headers("ACK", 1, "ack1"))
        try:
            self.sock.sendto(ack, self.server)
        except PermissionError:
            pass
        log(f"client: INVITE answered, SDP offered {self.relayed[0]}:{self.relayed[1]} {PT} {RTPMAP}")

    def bye(self):
        self.request("BYE", 2)
        log("client: BYE answered")


def sip_server(local_ip, peer_ip, peer_port):
    """Answers INVITEs (each retransmission again) with the peer's SDP answer and BYEs with 200 OK."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((local_ip, SIP_PORT))
    log(f"sip: listening on {local_ip}:{SIP_PORT}")
    done_at = None
    while done_at is None or time.time() - done_at < 2:
        ready, _, _ = select.select([sock], [], [], 1 if done_at else 120)
        if not ready:
            if done_at is None:
                sys.exit("relay_call_media: sip got no BYE within 120 s")
            continue
        data, source = sock.recvfrom(4096)
        text = data.decode(errors="replace")
        method = text.split(" ", 1)[0]
        if method not in ("INVITE", "BYE"):
            continue
        head = [line for line in text.split("\r\n\r\n", 1)[0].split("\r\n")[1:]
                if line.split(":", 1)[0].lower() in ("via", "from", "call-id", "cseq")]
        to = next(line for line in text.split("\r\n") if line.lower().startswith("to:"))
        if ";tag=" not in to:
            to += ";tag=o365"
        body = sdp(peer_ip, int(peer_port), 365) if method == "INVITE" else ""
        sock.sendto(sip_message("SIP/2.0 200 OK", head + [to, f"Contact: <sip:relay@{local_ip}:{SIP_PORT}>"], body), source)
        log(f"sip: 200 OK to {method}" + (f", SDP answer {peer_ip}:{peer_port} {PT} {RTPMAP}" if body else ""))
        if method == "BYE" and done_at is None:
            done_at = time.time()


def o365(local_ip, local_port):
    rng = random.Random(365)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((local_ip, int(local_port)))
    log(f"o365: listening on {local_ip}:{local_port}")
    ready, _, _ = select.select([sock], [], [], 30)
    if not ready:
        sys.exit("relay_call_media: o365 got no media within 30 s")
    first, relayed = sock.recvfrom(4096)
    log(f"o365: first packet from {relayed[0]}:{relayed[1]}, answering there")

    def unwrap(data, source):
        return data if source == relayed else None

    sender, receiver = media_loop(sock, lambda p: sock.sendto(p, relayed), lambda: [sock.recvfrom(4096)], unwrap, 0x0365A0D1,
                                  b"relay@media.online.lync.com", rng, 3.0, first=first)
    log(f"o365: sent {sender.sent} RTP, received {receiver.received} from SSRC {receiver.ssrc:#010x}")


if __name__ == "__main__":
    role = sys.argv[1] if len(sys.argv) > 1 else ""
    if role == "client" and len(sys.argv) == 9 and sys.argv[2] in ("udp", "tcp"):
        client(*sys.argv[2:])
    elif role == "o365" and len(sys.argv) == 4:
        o365(*sys.argv[2:])
    elif role == "sip" and len(sys.argv) == 5:
        sip_server(*sys.argv[2:])
    else:
        sys.exit(__doc__)
