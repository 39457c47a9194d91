#!/usr/bin/env bash
# Records Captures/tls/directory-strings.pcap (issue #14): one TLS 1.2 handshake between
# real OpenSSL endpoints on lo whose server chain names are TeletexString, BMPString and
# UniversalString, the DirectoryString forms that swift-certificates leaves as ASN1Any.
#
#   leaf    C=CH (Printable), L=Zürich, CN=*.t61.example.test (TeletexString: OpenSSL's
#           `string_mask = nombstr` writes them so, "ü" as the Latin-1 byte 0xFC), O=T61 Test
#   inter   C=DE, O=BMP Intermediate Ωmega, CN=BMP Größe CA (BMPString, `string_mask = MASK:0x800`)
#   root    C=DE, O=Universal Root ünïcode 𝄞, CN=Root 𝄞 CA (UniversalString; OpenSSL's req
#           never writes one, so Python's `cryptography` makes this self-signed root)
#
# Needs root (dumpcap on lo), openssl, dumpcap and python3 with `cryptography`. Keys are new
# each run (so signatures and the capture's bytes change); names and serial numbers do not.
# Usage: sudo Scripts/record_directory_string_capture.sh [OUTPUT_FILE]
# KEEP_WORK=1 keeps the temporary directory (certificates and logs) and prints its path.
set -euo pipefail

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root_dir/Captures/tls/directory-strings.pcap}
server_ip=127.0.0.20
client_ip=127.0.0.10
port=5061

# shellcheck source=lib/record_common.sh
source "$root_dir/Scripts/lib/record_common.sh"
need_tools record_directory_string_capture openssl dumpcap python3
make_workdir dirstring
cd "$work"

python3 - <<'PY'
import datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.x509.name import _ASN1Type
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([
    x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Universal Root \u00fcn\u00efcode \U0001d11e", _ASN1Type.UniversalString),
    x509.NameAttribute(NameOID.COMMON_NAME, "Root \U0001d11e CA", _ASN1Type.UniversalString),
])
start = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(start).not_valid_after(start + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
open("root.pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open("root.key", "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
PY

cat > ext.cnf <<'CNF'
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
[leaf]
basicConstraints=CA:FALSE
subjectAltName=DNS:*.t61.example.test
CNF
request() {  # name string_mask subject
    printf '[req]\ndistinguished_name=dn\nstring_mask=%s\nutf8=yes\nprompt=no\n[dn]\n' "$2" > "$1.cnf"
    openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"
    openssl req -new -key "$1.key" -config "$1.cnf" -utf8 -subj "$3" -out "$1.csr"
}
request inter MASK:0x800 "/C=DE/O=BMP Intermediate Ωmega/CN=BMP Größe CA"
request leaf nombstr "/C=CH/L=Zürich/O=T61 Test/CN=*.t61.example.test"
openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -days 3650 -set_serial 2 \
    -extfile ext.cnf -extensions ca -out inter.pem 2>/dev/null
openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -days 3650 -set_serial 3 \
    -extfile ext.cnf -extensions leaf -out leaf.pem 2>/dev/null
cat inter.pem root.pem > chain.pem

dumpcap -i lo -f "tcp port $port and host $server_ip" -P -q -w "$work/capture.pcap" 2>dump.log &
dump_pid=$!
sleep 2
openssl s_server -accept "$server_ip:$port" -tls1_2 -cert leaf.pem -key leaf.key -cert_chain chain.pem \
    -naccept 1 -quiet >server.log 2>&1 &
server_pid=$!
sleep 1
echo Q | timeout 10 openssl s_client -connect "$server_ip:$port" -bind "$client_ip:0" -tls1_2 \
    -servername www.t61.example.test >client.log 2>&1 || true
sleep 1.5
kill "$dump_pid"; wait "$dump_pid" 2>/dev/null || true; dump_pid=""
cp "$work/capture.pcap" "$out"
echo "wrote $out"
