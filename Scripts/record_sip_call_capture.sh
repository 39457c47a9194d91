#!/usr/bin/env bash
# Records Captures/calls/sip-call.pcap: a direct SIP call (no registrar) between two baresip
# instances, alice in network namespace ef-sip-a (10.77.0.1) and bob in ef-sip-b (10.77.0.2),
# joined by a veth pair this script makes. Plaintext SIP on UDP 5060 with SDP, opus on its
# dynamic payload type, ICE (baresip's ice module) so that the connectivity checks carry
# USERNAME ufrag pairs; alice sends a 440 Hz tone (ausine), bob answers automatically and
# sends his own tone; the call lasts SECONDS (default 8) and alice hangs up. Captured with
# tcpdump on alice's veth. Then Scripts/make_sip_call_fixtures.sh writes the tshark fixtures.
#
# Needs root (namespaces, veth, tcpdump); installs baresip with apt-get when it is missing.
# Usage: Scripts/record_sip_call_capture.sh [SECONDS]
# Rerunnable: it removes its namespaces first; ufrags, Call-ID, ports and SSRCs change each run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/Captures/calls/sip-call.pcap"
CALL_SECONDS="${1:-8}"
[ "$(id -u)" -eq 0 ] || { echo "namespaces and tcpdump need root: run with sudo" >&2; exit 1; }
command -v baresip >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y baresip-core
for c in ip tcpdump baresip; do command -v "$c" >/dev/null || { echo "missing: $c" >&2; exit 1; }; done
MODULES=$(dirname "$(find /usr/lib -path '*baresip/modules/opus.so' | head -1)")
[ -f "$MODULES/opus.so" ] || { echo "baresip's opus module is missing (apt-get install -y baresip-core)" >&2; exit 1; }

WORK=$(mktemp -d)
cleanup() {
    [ -n "${DUMP:-}" ] && kill "$DUMP" 2>/dev/null || true
    ip netns del ef-sip-a 2>/dev/null || true
    ip netns del ef-sip-b 2>/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
ip netns del ef-sip-a 2>/dev/null || true
ip netns del ef-sip-b 2>/dev/null || true
ip netns add ef-sip-a
ip netns add ef-sip-b
ip link add ef-sip-va netns ef-sip-a type veth peer name ef-sip-vb netns ef-sip-b
ip -n ef-sip-a addr add 10.77.0.1/24 dev ef-sip-va
ip -n ef-sip-b addr add 10.77.0.2/24 dev ef-sip-vb
for n in a b; do
    ip -n ef-sip-$n link set lo up
    ip -n ef-sip-$n link set ef-sip-v$n up
done

# conf NAME ADDRESS: a baresip config directory for one user, UDP 5060, opus only, ICE.
conf() {
    local dir=$WORK/$1
    mkdir -p "$dir"
    cat >"$dir/config" <<EOF
poll_method		epoll
sip_listen		$2:5060
audio_source		ausine,$3
audio_player		aufile,$dir/heard.wav
audio_alert		aufile,$dir/alert.wav
module_path		$MODULES
module			opus.so
module			ausine.so
module			aufile.so
module			ice.so
module_app		account.so
module_app		menu.so
opus_bitrate		32000
EOF
    echo "<sip:$1@$2>;regint=0;audio_codecs=opus;medianat=ice;answermode=auto" >"$dir/accounts"
    echo "$dir"
}
A=$(conf alice 10.77.0.1 440)
B=$(conf bob 10.77.0.2 660)

ip netns exec ef-sip-a tcpdump -i ef-sip-va -w "$OUT.tmp" -U udp 2>/dev/null &
DUMP=$!
sleep 1
ip netns exec ef-sip-b baresip -f "$B" -t $((CALL_SECONDS + 6)) >"$WORK/bob.log" 2>&1 &
BOB=$!
sleep 1
ip netns exec ef-sip-a baresip -f "$A" -e "/dial sip:bob@10.77.0.2" -t $((CALL_SECONDS + 2)) >"$WORK/alice.log" 2>&1 || true
wait "$BOB" || true
sleep 1
kill "$DUMP"; wait "$DUMP" || true
DUMP=
mkdir -p "$(dirname "$OUT")"
mv "$OUT.tmp" "$OUT"
grep -iE "call|established|terminated" "$WORK/alice.log" | head -5 || true
echo "wrote $OUT ($(tcpdump -r "$OUT" 2>/dev/null | wc -l) packets)"
"$ROOT/Scripts/make_sip_call_fixtures.sh"
