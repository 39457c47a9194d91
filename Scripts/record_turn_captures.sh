#!/usr/bin/env bash
# Records the captures in Captures/turn/ from real STUN/TURN peers on the loopback interface:
#
#   turn-udp.pcap  coturn's turnserver (long-term credentials) and turnutils_uclient over UDP,
#                  with turnutils_peer as the echoing peer behind the relay
#   turn-tcp.pcap  the same with turnutils_uclient -t (TCP between client and server; the
#                  relay to the peer stays UDP)
#   ice-srtp.pcap  the same with the media protected by SRTP (pylibsrtp).
#   ice.pcap       two aioice Connections doing ICE connectivity checks on 127.0.0.1, then a
#                  short RTP exchange (PCMU, 20 ms) over the nominated pair, with a few
#                  sequence numbers skipped on purpose
#
# Needs root (tcpdump on lo), coturn (turnserver, turnutils_uclient, turnutils_peer), tcpdump,
# tshark (only for the summary at the end) and the Python package aioice. It installs nothing;
# it says what to install when something is missing.
#
# Usage: Scripts/record_turn_captures.sh [OUTDIR]      (default: Captures/turn)
#
# Rerunnable: it overwrites the three files. The message sequence of each scenario is fixed;
# what changes from run to run are the client's ephemeral ports, the relay port coturn picks in
# 49152-49159, nonces, transaction ids and the timing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/Captures/turn}"
WORK="$(mktemp -d /tmp/edgeflow-turn.XXXXXX)"

TURN_PORT=3478
PEER_PORT=3480
RELAY_MIN=49152
RELAY_MAX=49159
ICE_PORT_A=40000      # controlling agent
ICE_PORT_B=40002      # controlled agent
MESSAGES=20           # turnutils_uclient -n
PYTHON="${PYTHON:-python3}"

missing=0
need_cmd() {   # need_cmd COMMAND INSTALL-HINT
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "missing: $1   install with: $2" >&2
        missing=1
    fi
}
need_cmd turnserver "apt-get install -y coturn"
need_cmd turnutils_uclient "apt-get install -y coturn"
need_cmd turnutils_peer "apt-get install -y coturn"
need_cmd tcpdump "apt-get install -y tcpdump"
need_cmd tshark "apt-get install -y tshark"
need_cmd "$PYTHON" "apt-get install -y python3"
if command -v "$PYTHON" >/dev/null 2>&1 && ! "$PYTHON" -c 'import aioice' >/dev/null 2>&1; then
    echo "missing: python package aioice   install with: $PYTHON -m pip install aioice" >&2
    missing=1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "tcpdump on lo needs root: run this script with sudo" >&2
    missing=1
fi
[ "$missing" -eq 0 ] || exit 1

mkdir -p "$OUT"

# Processes started here, stopped by pid on exit.
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null || true
    done
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && wait "$p" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

port_busy() {   # port_busy PROTO PORT
    if [ "$1" = udp ]; then ss -Hlun "sport = :$2" | grep -q .; else ss -Hltn "sport = :$2" | grep -q .; fi
}
for p in $TURN_PORT $PEER_PORT $ICE_PORT_A $ICE_PORT_B; do
    if port_busy udp "$p" || port_busy tcp "$p"; then
        echo "port $p is in use on this machine; stop what listens there first" >&2
        exit 1
    fi
done

wait_for_port() {   # wait_for_port PROTO PORT
    local i
    for i in $(seq 1 50); do
        port_busy "$1" "$2" && return 0
        sleep 0.1
    done
    echo "nothing listens on $1 port $2" >&2
    exit 1
}

# start_capture FILE FILTER: tcpdump on lo, packet-buffered, full frames.
start_capture() {
    tcpdump -i lo --immediate-mode -U -s 0 -w "$1" "$2" >"$WORK/tcpdump.log" 2>&1 &
    CAPTURE_PID=$!
    PIDS+=("$CAPTURE_PID")
    local i
    for i in $(seq 1 50); do
        grep -q "listening on" "$WORK/tcpdump.log" && return 0
        sleep 0.1
    done
    echo "tcpdump did not start:" >&2
    cat "$WORK/tcpdump.log" >&2
    exit 1
}

stop_capture() {
    sleep 1
    kill -INT "$CAPTURE_PID"
    wait "$CAPTURE_PID" || true
    grep -E "packets (captured|dropped by kernel)" "$WORK/tcpdump.log" | sed 's/^/  tcpdump: /'
}

start_turn() {
    turnserver -n --lt-cred-mech --user alice:secret --realm example.org \
        --listening-ip 127.0.0.1 --listening-port "$TURN_PORT" --relay-ip 127.0.0.1 \
        --min-port "$RELAY_MIN" --max-port "$RELAY_MAX" --no-tls --no-dtls --no-cli \
        --allow-loopback-peers --log-file stdout --simple-log \
        --userdb "$WORK/turndb" --pidfile "$WORK/turnserver.pid" >"$WORK/turnserver-$1.log" 2>&1 &
    TURN_PID=$!
    PIDS+=("$TURN_PID")
    turnutils_peer -L 127.0.0.1 -p "$PEER_PORT" >"$WORK/peer-$1.log" 2>&1 &
    PEER_PID=$!
    PIDS+=("$PEER_PID")
    wait_for_port udp "$TURN_PORT"
    wait_for_port udp "$PEER_PORT"
    [ "$1" = tcp ] && wait_for_port tcp "$TURN_PORT"
    return 0
}

stop_turn() {
    kill "$TURN_PID" "$PEER_PID" 2>/dev/null || true
    wait "$TURN_PID" 2>/dev/null || true
    wait "$PEER_PID" 2>/dev/null || true
}

TURN_FILTER="host 127.0.0.1 and (port $TURN_PORT or port $PEER_PORT or portrange $RELAY_MIN-$RELAY_MAX)"

# turn_scenario NAME [UCLIENT FLAGS]: one turnutils_uclient run, -m 1 client, -n messages,
# -c (no RTCP allocation), 20 ms apart, to the peer at 127.0.0.1:PEER_PORT.
turn_scenario() {
    local name="$1"; shift
    echo "== $name.pcap"
    start_turn "$name"
    start_capture "$OUT/$name.pcap" "$TURN_FILTER"
    timeout 60 turnutils_uclient "$@" -u alice -w secret -e 127.0.0.1 -r "$PEER_PORT" \
        -n "$MESSAGES" -m 1 -c -l 100 -z 20 -p "$TURN_PORT" 127.0.0.1 >"$WORK/uclient-$name.log" 2>&1 \
        || { echo "turnutils_uclient failed:" >&2; tail -20 "$WORK/uclient-$name.log" >&2; exit 1; }
    grep -E "tot_send_msgs|Total lost" "$WORK/uclient-$name.log" | sed 's/^/  uclient: /'
    stop_capture
    stop_turn
}

turn_scenario turn-udp
turn_scenario turn-tcp -t

# ICE: two aioice agents on fixed loopback ports, then RTP over the nominated pair.
echo "== ice.pcap"
cat >"$WORK/ice.py" <<'PY'
import asyncio
import struct
import sys

import aioice
import aioice.ice

PORT_A, PORT_B = int(sys.argv[1]), int(sys.argv[2])
# "srtp": protect the media with SRTP (RFC 3711, AES_CM_128_HMAC_SHA1_80, fixed test keys);
# the RTP header stays in clear, the payload is encrypted and a 10-byte tag follows.
SRTP = len(sys.argv) > 3 and sys.argv[3] == "srtp"
protectors = {}


def protect(packet, ssrc):
    if not SRTP:
        return packet
    from pylibsrtp import Policy, Session
    if ssrc not in protectors:
        key = bytes((ssrc + i) & 0xFF for i in range(30))  # 16-byte master key + 14-byte salt
        protectors[ssrc] = Session(policy=Policy(key=key, ssrc_type=Policy.SSRC_ANY_OUTBOUND))
    return protectors[ssrc].protect(packet)

# aioice leaves 127.0.0.1 out of its host candidates; use only loopback here.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


def fixed_ports(loop, ports):
    """Binds the agents' sockets to fixed ports (aioice asks for port 0)."""
    original = loop.create_datagram_endpoint

    async def create(factory, local_addr=None, **kw):
        if local_addr is not None and local_addr[1] == 0 and ports:
            local_addr = (local_addr[0], ports.pop(0))
        return await original(factory, local_addr=local_addr, **kw)

    loop.create_datagram_endpoint = create


def rtp(seq, ts, ssrc, marker):
    """RTP (RFC 3550) version 2, PT 0 (PCMU), 160 bytes of PCMU silence."""
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | 0, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + b"\xff" * 160


async def send_stream(conn, first_seq, first_ts, ssrc, count, skip):
    sent = 0
    for i in range(count):
        seq = first_seq + i
        if seq not in skip:
            await conn.sendto(protect(rtp(seq, first_ts + 160 * i, ssrc, i == 0), ssrc), 1)
            sent += 1
        await asyncio.sleep(0.02)
    return sent


async def drain(conn, out):
    while True:
        data, _ = await conn.recvfrom()
        out.append(data)


async def main():
    fixed_ports(asyncio.get_running_loop(), [PORT_A, PORT_B])
    a = aioice.Connection(ice_controlling=True, components=1, use_ipv6=False,
                          local_username="edgA", local_password="edgeflowpasswordA012345")
    b = aioice.Connection(ice_controlling=False, components=1, use_ipv6=False,
                          local_username="edgB", local_password="edgeflowpasswordB012345")
    await a.gather_candidates()
    await b.gather_candidates()
    for src, dst in ((a, b), (b, a)):
        for c in src.local_candidates:
            await dst.add_remote_candidate(c)
        await dst.add_remote_candidate(None)
        dst.remote_username = src.local_username
        dst.remote_password = src.local_password
    await asyncio.gather(a.connect(), b.connect())
    got_a, got_b = [], []
    readers = [asyncio.ensure_future(drain(a, got_a)), asyncio.ensure_future(drain(b, got_b))]
    # A → B: seq 1000-1029 without 1007 and 1019; B → A: seq 5000-5029 without 5013.
    sent = await asyncio.gather(
        send_stream(a, 1000, 16000, 0x11223344, 30, {1007, 1019}),
        send_stream(b, 5000, 80000, 0x55667788, 30, {5013}))
    await asyncio.sleep(0.2)
    pair = a._nominated[1]
    for r in readers:
        r.cancel()
    await a.close()
    await b.close()
    print(f"ice: nominated {pair!r}; rtp sent {sent[0]} / {sent[1]}, received {len(got_b)} / {len(got_a)}")


asyncio.run(main())
PY
start_capture "$OUT/ice.pcap" "udp and host 127.0.0.1 and (port $ICE_PORT_A or port $ICE_PORT_B)"
timeout 60 "$PYTHON" "$WORK/ice.py" "$ICE_PORT_A" "$ICE_PORT_B" | sed 's/^/  /'
stop_capture

# The same with SRTP media (needs `pip install pylibsrtp`), on the next two ports.
echo "== ice-srtp.pcap"
start_capture "$OUT/ice-srtp.pcap" "udp and host 127.0.0.1 and (port $((ICE_PORT_A + 4)) or port $((ICE_PORT_B + 4)))"
timeout 60 "$PYTHON" "$WORK/ice.py" "$((ICE_PORT_A + 4))" "$((ICE_PORT_B + 4))" srtp | sed 's/^/  /'
stop_capture

echo
for f in turn-udp turn-tcp ice ice-srtp; do
    file="$OUT/$f.pcap"
    stun=$(tshark -r "$file" -Y stun -T fields -e stun.type 2>/dev/null | tr ',' '\n' | grep -c . || true)
    chan=$(tshark -r "$file" -Y stun.channel -T fields -e stun.channel 2>/dev/null | tr ',' '\n' | grep -c . || true)
    printf '%-14s %6d bytes %4d packets  %3d STUN messages  %3d ChannelData\n' "$f.pcap" "$(stat -c %s "$file")" \
        "$(tshark -r "$file" 2>/dev/null | wc -l)" "$stun" "$chan"
done
