#!/usr/bin/env bash
# Records Captures/dtls/dtls13-nss.pcap (issue #15): a DTLS 1.3 handshake between two NSS
# endpoints (`tstclnt -P server` and `tstclnt -P client`, Debian's libnss3-tools) on the
# loopback interface, UDP 4433, server 127.0.0.20. OpenSSL 3.0, GnuTLS and the wolfSSL and
# mbedTLS builds of Debian 12 do not speak DTLS 1.3; NSS 3.87 does, with the version number
# of its last draft (0x7F2B, draft 43, the text that became RFC 9147).
#
# What the capture holds, by construction:
#   - a ClientHello and a ServerHello in DTLSPlaintext records (supported_versions 0x7F2B,
#     TLS_AES_128_GCM_SHA256 chosen), the ServerHello's datagram followed by the encrypted
#     rest of the server's flight in RFC 9147 unified-header records (epoch 2);
#   - the client's encrypted Finished (epoch 2), then one line of data each way and the
#     acknowledgements, all in unified-header records (epoch 3 is the first data epoch);
#   - no connection ids: NSS does not implement them (RFC 9146/9147 §9).
# The server's certificate (self-signed, ECDSA P-256, CN=av.contoso.com) is encrypted in
# DTLS 1.3, so the capture shows none; each run makes a new key.
#
# Needs root (tcpdump on lo), tstclnt and certutil (libnss3-tools), tcpdump. Usage:
#   sudo Scripts/record_dtls13_capture.sh [OUTPUT_DIR]     # default: Captures/dtls
# KEEP_WORK=1 keeps the temporary directory (NSS databases and logs) and prints its path.
set -euo pipefail

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out_dir=${1:-$root_dir/Captures/dtls}
server_ip=127.0.0.20
port=4433

# shellcheck source=lib/record_common.sh
source "$root_dir/Scripts/lib/record_common.sh"
need_tools record_dtls13_capture tstclnt certutil tcpdump
need_root record_dtls13_capture "tcpdump on lo needs root"
make_workdir dtls13

# NSS databases: the server's holds its self-signed certificate ("av"); the client's is
# empty, and the client is told not to verify (-o), as a media endpoint that checks the
# SDP fingerprint instead of a chain would.
mkdir "$work/server" "$work/client"
certutil -N -d "sql:$work/server" --empty-password
certutil -N -d "sql:$work/client" --empty-password
head -c 64 /dev/urandom >"$work/noise"
certutil -S -d "sql:$work/server" -n av -x -t "CT,C,C" -s "CN=av.contoso.com,O=Contoso Ltd,C=US" \
    -k ec -q nistp256 -Z SHA256 -8 av.contoso.com -v 120 -z "$work/noise" >"$work/certutil.log" 2>&1

pcap=$work/dtls13-nss.pcap
start_capture "$pcap" "udp port $port and host $server_ip"

# tstclnt's DTLS server mode (-P server) answers the first client on the address and port;
# each end sends its standard input once the handshake is done.
{ printf 'hello from the server\n'; sleep 3; } |
    timeout 10 tstclnt -P server -h "$server_ip" -p "$port" -d "sql:$work/server" -n av \
        -V tls1.3:tls1.3 -v >"$work/server.log" 2>&1 &
server_pid=$!
sleep 0.5
{ printf 'hello from the client\n'; sleep 2; } |
    timeout 10 tstclnt -P client -h "$server_ip" -p "$port" -d "sql:$work/client" -o \
        -V tls1.3:tls1.3 -v >"$work/client.log" 2>&1 || true
wait "$server_pid" 2>/dev/null || true
server_pid=""
stop_capture

grep -q "hello from the client" "$work/server.log" ||
    { echo "record_dtls13_capture: the server did not receive the client's line (see $work/server.log)" >&2; KEEP_WORK=1; exit 1; }
mkdir -p "$out_dir"
cp "$pcap" "$out_dir/"
printf '%s %6d bytes  %s\n' "dtls13-nss.pcap" "$(stat -c %s "$pcap")" \
    "$(grep -m1 -oE 'SSL version [0-9.]+ using .*' "$work/server.log" || echo 'server printed no version')"
