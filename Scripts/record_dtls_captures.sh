#!/usr/bin/env bash
# Records the DTLS captures of Captures/dtls/ (issue #15) with real OpenSSL endpoints on the
# loopback interface (UDP 4433, server 127.0.0.20, client 127.0.0.10):
#
#   dtls10.pcap              DTLS 1.0 (-dtls1), one line of data, close_notify
#   dtls12-srtp.pcap         DTLS 1.2 with use_srtp, SRTP_AES128_CM_SHA1_80 chosen
#   dtls12-fragmented.pcap   DTLS 1.2, -mtu 300: leaf + intermediate certificates cut into
#                            handshake fragments over several datagrams; use_srtp offering
#                            SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80 (GCM chosen)
#   dtls12-expired.pcap      DTLS 1.2, the server's certificate expired on 2025-01-01; the
#                            verifying client refuses it with a fatal certificate_expired alert
#
# Each run makes a throw-away PKI (new keys, so new fingerprints and bytes) with fixed names,
# serial numbers and dates, so the facts the tests check stay the same when recorded again
# except the certificate SHA-256 values, which the tests take from tshark's fixture.
#
# Needs root (tcpdump on lo), openssl 3.x and tcpdump. Usage:
#   sudo Scripts/record_dtls_captures.sh [OUTPUT_DIR]     # default: Captures/dtls
# KEEP_WORK=1 keeps the temporary directory (PKI and logs) and prints its path.
set -euo pipefail

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out_dir=${1:-$root_dir/Captures/dtls}
server_ip=127.0.0.20
client_ip=127.0.0.10
port=4433

# shellcheck source=lib/record_common.sh
source "$root_dir/Scripts/lib/record_common.sh"
begin_openssl_recording record_dtls_captures dtls

# ---------------------------------------------------------------------------------------
# PKI: ECDSA P-256 root -> ECDSA P-256 intermediate -> RSA-2048 media leaves, all through
# `openssl ca` so that the validity dates are fixed.
# serial 2000: root, 2001: intermediate, 2002: leaf, 2003: expired leaf.
# ---------------------------------------------------------------------------------------
pki_init 2000 media_leaf="DNS:av.contoso.com, DNS:media.contoso.com"
media_dn="/C=US/O=Contoso Ltd/CN=av.contoso.com"
pki_issue root self ec "/C=US/O=Edgeflow Test PKI/CN=Edgeflow DTLS Root CA" root_ca 20200101000000Z 20400101000000Z
pki_issue inter root ec "/C=US/O=Edgeflow Test PKI/CN=Edgeflow DTLS Media CA" root_ca 20200101000000Z 20400101000000Z
pki_issue media inter rsa "$media_dn" media_leaf 20250101000000Z 20351231235959Z
pki_issue media-expired inter rsa "$media_dn" media_leaf 20240101000000Z 20250101000000Z

srtp_chosen='SRTP Extension negotiated, profile=[A-Z0-9_]+'

# record FILE "SERVER ARGS" "CLIENT ARGS"
record() {
    local file=$1 server_args=$2 client_args=$3
    local pcap=$work/$file log=$work/${file%.pcap}
    start_capture "$pcap" "udp port $port and host $server_ip"
    start_server "$server_ip:$port" "$log.server" "$server_args"

    # One line of data, then EOF: s_client sends it, then close_notify, and exits.
    # shellcheck disable=SC2086
    { printf 'hello media\n'; sleep 1; } | timeout 10 openssl s_client -connect "$server_ip:$port" -bind "$client_ip:0" \
        -CAfile "$pki/root.pem" $client_args >"$log.client" 2>&1 || true

    finish_scenario "$pcap" "$out_dir" 40 24 "$srtp_chosen"
}

media="-cert $pki/media.pem -key $pki/media.key -cert_chain $pki/inter.pem"
expired="-cert $pki/media-expired.pem -key $pki/media-expired.key -cert_chain $pki/inter.pem"

# DTLS 1.0 is TLS 1.1-era: OpenSSL 3 allows it only at security level 0.
record dtls10.pcap "-dtls1 $media -cipher DEFAULT:@SECLEVEL=0" "-dtls1 -cipher DEFAULT:@SECLEVEL=0 -verify_return_error"
record dtls12-srtp.pcap "-dtls1_2 $media -use_srtp SRTP_AES128_CM_SHA1_80" \
    "-dtls1_2 -use_srtp SRTP_AES128_CM_SHA1_80 -verify_return_error"
record dtls12-fragmented.pcap "-dtls1_2 $media -mtu 300 -use_srtp SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80" \
    "-dtls1_2 -mtu 300 -use_srtp SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80 -verify_return_error"
record dtls12-expired.pcap "-dtls1_2 $expired" "-dtls1_2 -verify_return_error"

echo "captures written to $out_dir"
