#!/usr/bin/env bash
# Records the SIP-over-mutual-TLS captures of Captures/tls/ (issue #4) with real OpenSSL
# endpoints on the loopback interface:
#
#   mtls-out.pcap        Access Edge (sip.contoso.com) -> Office 365 (sipfed.online.lync.com), TLS 1.2, both certificates
#   mtls-in.pcap         Office 365 -> Access Edge, TLS 1.2, both certificates
#   expired-client.pcap  the Access Edge presents an expired client certificate; the server refuses it
#   expired-server.pcap  the Access Edge (server) presents an expired certificate; the client refuses it
#   no-client-cert.pcap  the server requires a client certificate and the client sends none
#   tls13.pcap           mutual TLS 1.3 (OpenSSL's default): certificates are encrypted
#
# A throw-away PKI is made in a temporary directory each run (new keys, so new signatures,
# fingerprints and capture bytes), but every name, serial number and validity date is fixed,
# so the facts the tests check stay the same when the captures are recorded again.
#
# Addresses: the Access Edge is 127.0.0.10 and "Office 365" is 127.0.0.20 (Linux answers for
# all of 127.0.0.0/8 on lo), so a test can tell the two ends apart and give them roles.
#
# Needs root (tcpdump on lo), openssl (1.1.1 or 3.x) and tcpdump. Usage:
#   sudo Scripts/record_tls_captures.sh [OUTPUT_DIR]     # default: Captures/tls
# KEEP_WORK=1 keeps the temporary directory (PKI, OpenSSL and tcpdump logs) and prints its path.
set -euo pipefail

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out_dir=${1:-$root_dir/Captures/tls}
edge_ip=127.0.0.10
o365_ip=127.0.0.20
port=5061

# shellcheck source=lib/record_common.sh
source "$root_dir/Scripts/lib/record_common.sh"
begin_openssl_recording record_tls_captures tls

# ---------------------------------------------------------------------------------------
# PKI: an ECDSA P-256 root that signs RSA-2048 leaves, all through `openssl ca` so that the
# validity dates are fixed. Serial 1000: root; 1001..1004: the leaves below, in this order.
# ---------------------------------------------------------------------------------------
pki_init 1000 office365_leaf="DNS:sipfed.online.lync.com, DNS:*.online.lync.com" \
    edge_leaf="DNS:sip.contoso.com"
edge_dn="/C=US/O=Contoso Ltd/CN=sip.contoso.com"
pki_issue root self ec "/C=US/O=Edgeflow Test PKI/CN=Edgeflow Test Root CA" root_ca 20200101000000Z 20400101000000Z
pki_issue office365 root rsa "/C=US/O=Edgeflow Test Cloud/CN=sipfed.online.lync.com" office365_leaf \
    20250101000000Z 20351231235959Z
pki_issue edge root rsa "$edge_dn" edge_leaf 20250101000000Z 20351231235959Z
pki_issue edge-expired-client root rsa "$edge_dn" edge_leaf 20240101000000Z 20250101000000Z
pki_issue edge-expired-server root rsa "$edge_dn" edge_leaf 20240301000000Z 20250301000000Z

# ---------------------------------------------------------------------------------------
# One scenario: start tcpdump and s_server, run s_client, stop both, keep the file.
# ---------------------------------------------------------------------------------------
sip_line='OPTIONS sip:sip.contoso.com;transport=tls SIP/2.0'

certless='peer did not return a certificate'

# record FILE SERVER_IP "SERVER ARGS" CLIENT_IP "CLIENT ARGS"
record() {
    local file=$1 server_ip=$2 server_args=$3 client_ip=$4 client_args=$5
    local pcap=$work/$file log=$work/${file%.pcap}
    start_capture "$pcap" "tcp port $port and host $server_ip"
    start_server "$server_ip:$port" "$log.server" "$server_args"

    # One SIP line, then EOF: s_client sends it, then close_notify, and exits. A refused
    # handshake makes s_client fail; that is the point of some scenarios.
    # shellcheck disable=SC2086
    printf '%s\r\n' "$sip_line" | openssl s_client -connect "$server_ip:$port" -bind "$client_ip:0" \
        -CAfile "$pki/root.pem" $client_args >"$log.client" 2>&1 || true

    finish_scenario "$pcap" "$out_dir" 60 20 "$certless"
}

o365="-cert $pki/office365.pem -key $pki/office365.key"
edge="-cert $pki/edge.pem -key $pki/edge.key"

# Outbound: the Access Edge connects to Office 365; the server demands a client certificate.
record mtls-out.pcap "$o365_ip" "$o365 -Verify 1" \
    "$edge_ip" "$edge -servername sipfed.online.lync.com -tls1_2 -verify_return_error"
# Inbound: Office 365 connects to the Access Edge.
record mtls-in.pcap "$edge_ip" "$edge -Verify 1" \
    "$o365_ip" "$o365 -servername sip.contoso.com -tls1_2 -verify_return_error"
# The Access Edge's client certificate expired on 2025-01-01: the server sends certificate_expired.
record expired-client.pcap "$o365_ip" "$o365 -Verify 1 -verify_return_error" \
    "$edge_ip" "-cert $pki/edge-expired-client.pem -key $pki/edge-expired-client.key -servername sipfed.online.lync.com -tls1_2"
# The Access Edge's server certificate expired on 2025-03-01: the verifying client refuses it.
record expired-server.pcap "$edge_ip" "-cert $pki/edge-expired-server.pem -key $pki/edge-expired-server.key -Verify 1" \
    "$o365_ip" "$o365 -servername sip.contoso.com -tls1_2 -verify_return_error"
# The server requires a client certificate (-Verify) and the Access Edge has none to send.
record no-client-cert.pcap "$o365_ip" "$o365 -Verify 1" \
    "$edge_ip" "-servername sipfed.online.lync.com -tls1_2 -verify_return_error"
# TLS 1.3, mutual: everything after the ServerHello is encrypted.
record tls13.pcap "$o365_ip" "$o365 -Verify 1" \
    "$edge_ip" "$edge -servername sipfed.online.lync.com -verify_return_error"

echo "captures written to $out_dir"
