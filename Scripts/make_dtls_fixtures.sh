#!/usr/bin/env bash
# Writes Tests/EdgeflowKitTests/Fixtures/NAME.dtls.tshark.txt for each DTLS capture the
# tests read: tshark's per-frame DTLS fields ("f" lines) and, for every certificate tshark
# reassembled, its SHA-256, subject and issuer as OpenSSL prints them from the DER bytes
# tshark extracted ("c" lines). Each fixture's header gives the exact commands.
# Usage: Scripts/make_dtls_fixtures.sh   (from any directory; needs tshark and openssl)
set -euo pipefail
root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
public=${PUBLIC_CAPTURES:-/work/shared/captures/public}
out=$root_dir/Tests/EdgeflowKitTests/Fixtures
fields=(frame.number ip.src udp.srcport dtls.record.content_type dtls.record.version dtls.handshake.type
        dtls.handshake.version dtls.handshake.ciphersuite dtls.use_srtp.protection_profile
        dtls.alert_message.level dtls.alert_message.desc dtls.handshake.extensions.supported_version
        dtls.record.special_type dtls.record.connection_id dtls.connection_id)

# fixture PCAP NAME [TSHARK_OPTION...]: the options (decode-as) go to every tshark call.
fixture() {
    local pcap=$1 name=$2 file=$out/$2.dtls.tshark.txt
    shift 2
    local -a opt=("$@")
    local -a e=()
    for f in "${fields[@]}"; do e+=(-e "$f"); done
    {
        echo "# $(tshark -v 2>/dev/null | head -1), default preferences, run on $(basename "$pcap")"
        echo "# f lines: tshark -r $(basename "$pcap")${opt[*]:+ ${opt[*]}} -Y dtls -T fields -E occurrence=a -E aggregator=, ${e[*]}"
        echo "#   columns: ${fields[*]}"
        echo "# c lines: tshark -r $(basename "$pcap")${opt[*]:+ ${opt[*]}} -Y dtls.handshake.certificate -T fields -E occurrence=a -E aggregator=, -e frame.number -e ip.src -e dtls.handshake.certificate"
        echo "#   then per DER: openssl x509 -inform DER -noout -fingerprint -sha256 -subject -issuer -nameopt RFC2253"
        echo "#   columns: frame ip.src sha256 <TAB> subject <TAB> issuer"
        tshark -r "$pcap" "${opt[@]}" -Y dtls -T fields -E occurrence=a -E aggregator=, "${e[@]}" 2>/dev/null | sed 's/^/f\t/'
        tshark -r "$pcap" "${opt[@]}" -Y dtls.handshake.certificate -T fields -E occurrence=a -E aggregator=, \
            -e frame.number -e ip.src -e dtls.handshake.certificate 2>/dev/null |
        while IFS=$'\t' read -r frame src ders; do
            IFS=, read -ra list <<<"$ders"
            for der in "${list[@]}"; do
                info=$(echo "$der" | xxd -r -p | openssl x509 -inform DER -noout -fingerprint -sha256 -subject -issuer -nameopt RFC2253)
                sha=$(echo "$info" | sed -n 's/^sha256 Fingerprint=//Ip' | tr -d : | tr 'A-F' 'a-f')
                subject=$(echo "$info" | sed -n 's/^subject=//p')
                issuer=$(echo "$info" | sed -n 's/^issuer=//p')
                printf 'c\t%s\t%s\t%s\t%s\t%s\n' "$frame" "$src" "$sha" "$subject" "$issuer"
            done
        done
    } >"$file"
    echo "wrote $file"
}

fixture "$public/zeek-dtls1_2.pcap" zeek-dtls1_2
fixture "$public/ndpi-stun_dtls_rtp.pcapng" ndpi-stun_dtls_rtp
# The recorded captures use UDP 4433; tshark 4.0 finds DTLS there by heuristics except in
# DTLS 1.3 datagrams that start with a unified header, hence the decode-as.
for f in "$root_dir"/Captures/dtls/*.pcap; do fixture "$f" "dtls-$(basename "${f%.pcap}")" -d udp.port==4433,dtls; done
# The nDPI capture (LGPL-3.0) is not in the repository: its DTLS datagrams are kept instead,
# as "frame hex-payload" lines (Fixtures.datagrams).
tshark -r "$public/ndpi-stun_dtls_rtp.pcapng" -Y dtls -T fields -e frame.number -e udp.payload 2>/dev/null \
    | tr '\t' ' ' >"$out/ndpi-stun_dtls_rtp.dtls.udp.txt"
echo "wrote $out/ndpi-stun_dtls_rtp.dtls.udp.txt"
