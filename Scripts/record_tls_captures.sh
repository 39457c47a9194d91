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

for tool in openssl tcpdump; do
    command -v "$tool" >/dev/null || { echo "record_tls_captures: $tool is needed" >&2; exit 2; }
done
if [[ $(id -u) -ne 0 ]]; then
    echo "record_tls_captures: tcpdump on lo needs root" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/edgeflow-tls.XXXXXX")
server_pid=""
dump_pid=""
stdin_pid=""
cleanup() {
    # Only the processes this script started, by their id.
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid" 2>/dev/null || true; fi
    if [[ -n $dump_pid ]] && kill -0 "$dump_pid" 2>/dev/null; then kill "$dump_pid" 2>/dev/null || true; fi
    if [[ -n $stdin_pid ]] && kill -0 "$stdin_pid" 2>/dev/null; then kill "$stdin_pid" 2>/dev/null || true; fi
    [[ -n ${KEEP_WORK:-} ]] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------
# PKI: an ECDSA P-256 root that signs RSA-2048 leaves, all through `openssl ca` so that the
# validity dates are fixed (-startdate/-enddate; OpenSSL 3.0's x509 has no -not_before).
# ---------------------------------------------------------------------------------------
pki=$work/pki
mkdir -p "$pki/new"
: > "$pki/index.txt"
echo 1000 > "$pki/serial"
cat > "$pki/ca.cnf" <<EOF
[ ca ]
default_ca = edgeflow_ca

[ edgeflow_ca ]
database         = $pki/index.txt
new_certs_dir    = $pki/new
serial           = $pki/serial
default_md       = sha256
policy           = policy_any
unique_subject   = no
email_in_dn      = no
copy_extensions  = none

[ policy_any ]
countryName      = optional
organizationName = optional
commonName       = supplied

[ req ]
distinguished_name = req_dn
string_mask        = utf8only
prompt             = no

[ req_dn ]
CN = unused

[ root_ca ]
basicConstraints       = critical, CA:true
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ office365_leaf ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth, clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:sipfed.online.lync.com, DNS:*.online.lync.com

[ edge_leaf ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth, clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:sip.contoso.com
EOF

# issue NAME SUBJECT EXTENSIONS START END: a key and a certificate signed by the root.
issue() {
    local name=$1 subject=$2 ext=$3 start=$4 end=$5
    openssl req -new -config "$pki/ca.cnf" -newkey rsa:2048 -nodes -keyout "$pki/$name.key" \
        -subj "$subject" -out "$pki/$name.csr" 2>/dev/null
    openssl ca -config "$pki/ca.cnf" -batch -notext -preserveDN -cert "$pki/root.pem" -keyfile "$pki/root.key" \
        -extensions "$ext" -startdate "$start" -enddate "$end" -in "$pki/$name.csr" -out "$pki/$name.pem" 2>/dev/null
}

openssl req -new -config "$pki/ca.cnf" -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/root.key" \
    -subj "/C=US/O=Edgeflow Test PKI/CN=Edgeflow Test Root CA" -out "$pki/root.csr" 2>/dev/null
openssl ca -config "$pki/ca.cnf" -batch -notext -preserveDN -selfsign -keyfile "$pki/root.key" \
    -extensions root_ca -startdate 20200101000000Z -enddate 20400101000000Z -in "$pki/root.csr" -out "$pki/root.pem" 2>/dev/null
# serial 1000: root; 1001..1004: the leaves below, in this order.
issue office365 "/C=US/O=Edgeflow Test Cloud/CN=sipfed.online.lync.com" office365_leaf 20250101000000Z 20351231235959Z
issue edge "/C=US/O=Contoso Ltd/CN=sip.contoso.com" edge_leaf 20250101000000Z 20351231235959Z
issue edge-expired-client "/C=US/O=Contoso Ltd/CN=sip.contoso.com" edge_leaf 20240101000000Z 20250101000000Z
issue edge-expired-server "/C=US/O=Contoso Ltd/CN=sip.contoso.com" edge_leaf 20240301000000Z 20250301000000Z

# ---------------------------------------------------------------------------------------
# One scenario: start tcpdump and s_server, run s_client, stop both, keep the file.
# ---------------------------------------------------------------------------------------
sip_line='OPTIONS sip:sip.contoso.com;transport=tls SIP/2.0'

# said LOG: what one end said about the handshake (its first alert or verification error).
said() {
    local line
    line=$(grep -m1 -oE 'alert [a-z ]+[a-z]|verify error:[^ ]+|peer did not return a certificate' "$1" || true)
    echo "${line%%$'\n'*}" | sed 's/^$/ok/'
}

# record FILE SERVER_IP "SERVER ARGS" CLIENT_IP "CLIENT ARGS"
record() {
    local file=$1 server_ip=$2 server_args=$3 client_ip=$4 client_args=$5
    local pcap=$work/$file log=$work/${file%.pcap}
    rm -f "$pcap"
    tcpdump -i lo --immediate-mode -U -s 0 -w "$pcap" "tcp port $port and host $server_ip" 2>"$log.tcpdump" &
    dump_pid=$!
    for _ in $(seq 100); do grep -q "listening on" "$log.tcpdump" 2>/dev/null && break; sleep 0.05; done

    # s_server reads its standard input: keep it open (an EOF there ends the connection)
    # with a pipe from a sleep that is stopped afterwards.
    exec {stdin_fd}< <(sleep 30)
    stdin_pid=$!
    # shellcheck disable=SC2086
    openssl s_server -accept "$server_ip:$port" -naccept 1 -CAfile "$pki/root.pem" $server_args \
        <&"$stdin_fd" >"$log.server" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do grep -q "^ACCEPT" "$log.server" 2>/dev/null && break; sleep 0.05; done

    # One SIP line, then EOF: s_client sends it, then close_notify, and exits. A refused
    # handshake makes s_client fail; that is the point of some scenarios.
    # shellcheck disable=SC2086
    printf '%s\r\n' "$sip_line" | openssl s_client -connect "$server_ip:$port" -bind "$client_ip:0" \
        -CAfile "$pki/root.pem" $client_args >"$log.client" 2>&1 || true

    for _ in $(seq 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid" 2>/dev/null || true; fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    exec {stdin_fd}<&-
    kill "$stdin_pid" 2>/dev/null || true
    stdin_pid=""
    sleep 0.5
    kill -INT "$dump_pid"
    wait "$dump_pid" 2>/dev/null || true
    dump_pid=""
    mkdir -p "$out_dir"
    cp "$pcap" "$out_dir/$file"
    printf '%-20s %6d bytes  server: %s  client: %s\n' "$file" "$(stat -c %s "$pcap")" \
        "$(said "$log.server")" "$(said "$log.client")"
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
