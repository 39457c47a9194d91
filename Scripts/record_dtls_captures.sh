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

for tool in openssl tcpdump; do
    command -v "$tool" >/dev/null || { echo "record_dtls_captures: $tool is needed" >&2; exit 2; }
done
if [[ $(id -u) -ne 0 ]]; then
    echo "record_dtls_captures: tcpdump on lo needs root" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/edgeflow-dtls.XXXXXX")
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
# PKI: ECDSA P-256 root -> ECDSA P-256 intermediate -> RSA-2048 media leaves, all through
# `openssl ca` so that the validity dates are fixed.
# ---------------------------------------------------------------------------------------
pki=$work/pki
mkdir -p "$pki/new"
: > "$pki/index.txt"
echo 2000 > "$pki/serial"
cat > "$pki/ca.cnf" <<CNF
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

[ media_leaf ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth, clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:av.contoso.com, DNS:media.contoso.com
CNF

openssl req -new -config "$pki/ca.cnf" -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/root.key" \
    -subj "/C=US/O=Edgeflow Test PKI/CN=Edgeflow DTLS Root CA" -out "$pki/root.csr" 2>/dev/null
openssl ca -config "$pki/ca.cnf" -batch -notext -preserveDN -selfsign -keyfile "$pki/root.key" \
    -extensions root_ca -startdate 20200101000000Z -enddate 20400101000000Z -in "$pki/root.csr" -out "$pki/root.pem" 2>/dev/null
openssl req -new -config "$pki/ca.cnf" -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/inter.key" \
    -subj "/C=US/O=Edgeflow Test PKI/CN=Edgeflow DTLS Media CA" -out "$pki/inter.csr" 2>/dev/null
openssl ca -config "$pki/ca.cnf" -batch -notext -preserveDN -cert "$pki/root.pem" -keyfile "$pki/root.key" \
    -extensions root_ca -startdate 20200101000000Z -enddate 20400101000000Z -in "$pki/inter.csr" -out "$pki/inter.pem" 2>/dev/null
# leaf NAME START END: an RSA-2048 leaf signed by the intermediate.
leaf() {
    openssl req -new -config "$pki/ca.cnf" -newkey rsa:2048 -nodes -keyout "$pki/$1.key" \
        -subj "/C=US/O=Contoso Ltd/CN=av.contoso.com" -out "$pki/$1.csr" 2>/dev/null
    openssl ca -config "$pki/ca.cnf" -batch -notext -preserveDN -cert "$pki/inter.pem" -keyfile "$pki/inter.key" \
        -extensions media_leaf -startdate "$2" -enddate "$3" -in "$pki/$1.csr" -out "$pki/$1.pem" 2>/dev/null
}
# serial 2000: root, 2001: intermediate, 2002: leaf, 2003: expired leaf.
leaf media 20250101000000Z 20351231235959Z
leaf media-expired 20240101000000Z 20250101000000Z

said() {
    local line
    line=$(grep -m1 -oE 'alert [a-z ]+[a-z]|verify error:[^ ]+|SRTP Extension negotiated, profile=[A-Z0-9_]+' "$1" || true)
    echo "${line%%$'\n'*}" | sed 's/^$/ok/'
}

# record FILE "SERVER ARGS" "CLIENT ARGS"
record() {
    local file=$1 server_args=$2 client_args=$3
    local pcap=$work/$file log=$work/${file%.pcap}
    rm -f "$pcap"
    tcpdump -i lo --immediate-mode -U -s 0 -w "$pcap" "udp port $port and host $server_ip" 2>"$log.tcpdump" &
    dump_pid=$!
    for _ in $(seq 100); do grep -q "listening on" "$log.tcpdump" 2>/dev/null && break; sleep 0.05; done

    exec {stdin_fd}< <(sleep 30)
    stdin_pid=$!
    # shellcheck disable=SC2086
    openssl s_server -accept "$server_ip:$port" -naccept 1 -CAfile "$pki/root.pem" $server_args \
        <&"$stdin_fd" >"$log.server" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do grep -q "^ACCEPT" "$log.server" 2>/dev/null && break; sleep 0.05; done

    # One line of data, then EOF: s_client sends it, then close_notify, and exits.
    # shellcheck disable=SC2086
    { printf 'hello media\n'; sleep 1; } | timeout 10 openssl s_client -connect "$server_ip:$port" -bind "$client_ip:0" \
        -CAfile "$pki/root.pem" $client_args >"$log.client" 2>&1 || true

    for _ in $(seq 40); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
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
    printf '%-24s %6d bytes  server: %s  client: %s\n' "$file" "$(stat -c %s "$pcap")" \
        "$(said "$log.server")" "$(said "$log.client")"
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
