# Shared by the Scripts/record_*.sh scripts that record captures with real endpoints on lo.
# Source it (`source "$root_dir/Scripts/lib/record_common.sh"`) after `set -euo pipefail`.
#
# It owns these globals:
#   work        the temporary directory of one run (make_workdir)
#   pki         $work/pki, the throw-away certificate authority (pki_init, pki_issue)
#   dump_pid    the running tcpdump (start_capture, stop_capture)
#   server_pid  the running `openssl s_server` (start_server, stop_server)
#   stdin_pid   the sleep that holds s_server's standard input open
# On exit, the processes it started are stopped by their id and $work is removed.

# need_tools SCRIPT TOOL...: exits 2, saying which, when a tool is not on PATH.
need_tools() {
    local script=$1 tool
    shift
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "$script: $tool is needed" >&2; exit 2; }
    done
}

# need_root SCRIPT REASON: exits 2 with "SCRIPT: REASON" unless run as root.
need_root() {
    [[ $(id -u) -eq 0 ]] || { echo "$1: $2" >&2; exit 2; }
}

# begin_openssl_recording SCRIPT TAG: what a script that records openssl endpoints with tcpdump
# on lo needs first: openssl and tcpdump on PATH, root, and its work directory (make_workdir TAG).
begin_openssl_recording() {
    need_tools "$1" openssl tcpdump
    need_root "$1" "tcpdump on lo needs root"
    make_workdir "$2"
}

server_pid=""
dump_pid=""
stdin_pid=""

# make_workdir TAG: sets `work` to a new ${TMPDIR:-/tmp}/edgeflow-TAG.XXXXXX and cleans up
# on exit; KEEP_WORK=1 keeps the directory and prints its path.
make_workdir() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/edgeflow-$1.XXXXXX")
    trap record_cleanup EXIT
}

# record_cleanup: stops only the processes started here, by their id, then removes $work.
record_cleanup() {
    local pid
    for pid in "$server_pid" "$dump_pid" "$stdin_pid"; do
        if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
    done
    [[ -n ${KEEP_WORK:-} ]] && echo "kept $work" >&2 || rm -rf "$work"
}

# start_capture PCAP FILTER: tcpdump on lo into PCAP (log: PCAP without .pcap, plus .tcpdump),
# full frames, written packet by packet; waits up to 5 s until it listens.
start_capture() {
    local log=${1%.pcap}.tcpdump
    rm -f "$1"
    tcpdump -i lo --immediate-mode -U -s 0 -w "$1" "$2" 2>"$log" &
    dump_pid=$!
    for _ in $(seq 100); do grep -q "listening on" "$log" 2>/dev/null && break; sleep 0.05; done
}

# stop_capture: lets the last packets in, then stops tcpdump (SIGINT flushes the file).
stop_capture() {
    sleep 0.5
    kill -INT "$dump_pid"
    wait "$dump_pid" 2>/dev/null || true
    dump_pid=""
}

# start_server ADDRESS:PORT LOG ARGS: one-connection `openssl s_server` trusting $pki/root.pem,
# output to LOG; waits up to 5 s until it accepts. ARGS is split on spaces.
start_server() {
    # s_server reads its standard input: keep it open (an EOF there ends the connection)
    # with a pipe from a sleep that is stopped afterwards.
    exec {stdin_fd}< <(sleep 30)
    stdin_pid=$!
    # shellcheck disable=SC2086
    openssl s_server -accept "$1" -naccept 1 -CAfile "$pki/root.pem" $3 <&"$stdin_fd" >"$2" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do grep -q "^ACCEPT" "$2" 2>/dev/null && break; sleep 0.05; done
}

# stop_server TRIES: waits up to TRIES x 50 ms for s_server to end, then stops it and the
# sleep on its standard input.
stop_server() {
    for _ in $(seq "$1"); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid" 2>/dev/null || true; fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    exec {stdin_fd}<&-
    kill "$stdin_pid" 2>/dev/null || true
    stdin_pid=""
}

# said LOG PATTERN: what one end said about the handshake: the first match of its alert,
# verification error or PATTERN (an extended regex), or "ok".
said() {
    local line
    line=$(grep -m1 -oE "alert [a-z ]+[a-z]|verify error:[^ ]+|$2" "$1" || true)
    echo "${line%%$'\n'*}" | sed 's/^$/ok/'
}

# finish_scenario PCAP OUT_DIR TRIES WIDTH PATTERN: stop_server TRIES, stop_capture, copy PCAP
# into OUT_DIR and print its name (WIDTH columns), its size and what each end said (`said`
# with PATTERN on the logs beside it: PCAP without .pcap, plus .server and .client).
finish_scenario() {
    local pcap=$1 out=$2 tries=$3 width=$4 pattern=$5
    local log=${pcap%.pcap}
    stop_server "$tries"
    stop_capture
    mkdir -p "$out"
    cp "$pcap" "$out/${pcap##*/}"
    printf "%-${width}s %6d bytes  server: %s  client: %s\n" "${pcap##*/}" "$(stat -c %s "$pcap")" \
        "$(said "$log.server" "$pattern")" "$(said "$log.client" "$pattern")"
}

# pki_init SERIAL [PROFILE=SUBJECT_ALT_NAME]...: a certificate authority in $work/pki for
# `openssl ca`, so that validity dates are fixed (-startdate/-enddate; OpenSSL 3.0's x509 has
# no -not_before). The first certificate gets serial SERIAL, each next one the next number.
# Extension sections: `root_ca` (a CA certificate) and, for each PROFILE, a TLS leaf
# (digitalSignature, keyEncipherment, serverAuth and clientAuth) with that subjectAltName.
pki_init() {
    pki=$work/pki
    mkdir -p "$pki/new"
    : > "$pki/index.txt"
    echo "$1" > "$pki/serial"
    shift
    local profile
    {
        cat <<CNF
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

CNF
        for profile in "$@"; do
            cat <<CNF
[ ${profile%%=*} ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth, clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = ${profile#*=}

CNF
        done
    } > "$pki/ca.cnf"
}

# pki_issue NAME ISSUER KEY SUBJECT PROFILE START END: $pki/NAME.key and $pki/NAME.pem with
# SUBJECT, the extensions of section PROFILE and validity START..END (YYYYMMDDHHMMSSZ),
# signed by $pki/ISSUER.pem (ISSUER "self": self-signed). KEY: "ec" (P-256) or "rsa" (2048).
pki_issue() {
    local name=$1 issuer=$2 key=$3 subject=$4 profile=$5 start=$6 end=$7
    local newkey signer
    case $key in
        ec) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
        rsa) newkey=(-newkey rsa:2048) ;;
        *) echo "pki_issue: key type $key is not ec or rsa" >&2; exit 2 ;;
    esac
    if [[ $issuer == self ]]; then
        signer=(-selfsign -keyfile "$pki/$name.key")
    else
        signer=(-cert "$pki/$issuer.pem" -keyfile "$pki/$issuer.key")
    fi
    openssl req -new -config "$pki/ca.cnf" "${newkey[@]}" -nodes -keyout "$pki/$name.key" \
        -subj "$subject" -out "$pki/$name.csr" 2>/dev/null
    openssl ca -config "$pki/ca.cnf" -batch -notext -preserveDN "${signer[@]}" \
        -extensions "$profile" -startdate "$start" -enddate "$end" -in "$pki/$name.csr" -out "$pki/$name.pem" 2>/dev/null
}
