#!/usr/bin/env bash
# The Zeek logs (`analyze --format zeek`) read by a third-party Zeek log reader, `parsezeeklogs`
# from PyPI (installed into a virtual environment this script makes), and checked against
# tshark on the same capture:
# - conn.log and its JSON-lines form (--zeek-json) give the same records, with no line skipped;
# - every TCP/UDP 5-tuple tshark sees has conn.log rows and its packets and IP bytes per
#   direction (orig_pkts, resp_pkts, orig_ip_bytes, resp_ip_bytes) are tshark's;
# - #open/#close are the capture's first and last packet;
# - ssl.log's cert_chain_fps/client_cert_chain_fps are the SHA-256 of the certificates tshark
#   reads in that connection (`tls.handshake.certificate`) and each joins one x509.log row;
# - edge_rules.log has the JSON report's six rules and edge_findings.log only conn.log's uids;
# - dns.log has a row per query tshark shows (ID, name, type, response code, response time) and
#   stun.log one per STUN transaction (tshark's `stun.id` of requests and answers), each
#   joining the conn.log row of its 5-tuple by uid.
#   Tests/Live/zeek_test.sh [EDGEFLOW_BINARY] [CAPTURE]
# Needs tshark, python3 with venv and PyPI; fails when one is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-.build/release/edgeflow}")
capture=$(realpath "${2:-Captures/edge-sample.pcap}")
command -v tshark >/dev/null || { echo "FAIL: tshark is not on PATH: install it (apt-get install -y tshark); .ci/run does" >&2; exit 1; }
work=$(mktemp -d /tmp/edgeflow-zeek-XXXXXX)
trap 'rm -rf "$work"' EXIT

# shellcheck source=zeeklogs.sh
source Tests/Live/zeeklogs.sh

"$bin" analyze "$capture" --format zeek --out "$work/tsv"
"$bin" analyze "$capture" --format zeek --zeek-json --out "$work/json"
"$bin" analyze "$capture" --format json --out "$work/report.json"

# Without reassembly tshark gives the first fragment of a datagram its ports and the tails
# none, as edgeflow counts them (Zeek would count the reassembled datagram).
tshark -r "$capture" -o ip.defragment:FALSE -Y "tcp or udp" -T fields -E separator=/t -E occurrence=l \
    -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst -e tcp.srcport -e udp.srcport -e tcp.dstport -e udp.dstport \
    -e ip.len -e ipv6.plen -e icmp.type -e icmpv6.type >"$work/packets.tsv"
tshark -r "$capture" -Y tls.handshake.certificate -T fields -E separator=/t -E occurrence=a -E aggregator=, \
    -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e tls.handshake.certificate >"$work/certs.tsv"
tshark -r "$capture" -T fields -e frame.time_epoch >"$work/times.txt"
tshark -r "$capture" -Y "dns && !icmp" -T fields -E separator=/t -E occurrence=f \
    -e dns.flags.response -e dns.id -e dns.qry.name -e dns.qry.type -e dns.flags.rcode -e dns.time -e ip.frag_offset >"$work/dns.tsv"
tshark -r "$capture" -Y "stun && !icmp" -T fields -E separator=/t -E occurrence=a \
    -e stun.id -e stun.type.class >"$work/stun.tsv"

zeek_python "$work" <<'PY'
import hashlib, json, os, sys, time
from collections import defaultdict
import zeeklogs
from zeeklogs import check

work = sys.argv[1]

def read(form, name):
    return zeeklogs.read(os.path.join(work, form, name + ".log"))

conn, log = read("tsv", "conn")
check(log.path == "conn", f"#path is {log.path}")
zeek_conn_types = {"ts": "time", "uid": "string", "id.orig_h": "addr", "id.orig_p": "port", "id.resp_h": "addr",
    "id.resp_p": "port", "proto": "enum", "service": "string", "duration": "interval", "orig_bytes": "count",
    "resp_bytes": "count", "conn_state": "string", "local_orig": "bool", "local_resp": "bool", "missed_bytes": "count",
    "history": "string", "orig_pkts": "count", "orig_ip_bytes": "count", "resp_pkts": "count", "resp_ip_bytes": "count",
    "tunnel_parents": "set[string]"}
check(log.types == zeek_conn_types and log.fields == list(zeek_conn_types), f"conn.log columns {log.types}")
report = json.load(open(os.path.join(work, "report.json")))
check(len(conn) == len(report["flows"]) > 0, f"{len(conn)} conn.log rows for {len(report['flows'])} flows")

# The header lines, and #open/#close at the first and last packet.
text = open(os.path.join(work, "tsv", "conn.log")).read().splitlines()
times = [float(t) for t in open(os.path.join(work, "times.txt")).read().split()]
stamp = lambda t: time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime(t))
check(text[:5] == ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\tconn"], f"header {text[:5]}")
check(text[5] == "#open\t" + stamp(min(times)), f"{text[5]} (first packet {stamp(min(times))})")
check(text[-1] == "#close\t" + stamp(max(times)), f"{text[-1]} (last packet {stamp(max(times))})")

# The JSON-lines form: the same records (unset fields left out).
for name in ["conn", "dns", "ssl", "x509", "stun", "rtp", "edge_rules", "edge_findings"]:
    if not os.path.exists(os.path.join(work, "tsv", name + ".log")):
        continue
    tsv, _ = read("tsv", name)
    js, _ = read("json", name)
    strip = lambda r: {k: v for k, v in r.items() if v is not None}
    check([strip(r) for r in tsv] == js, f"{name}.log: TSV and JSON records differ")

# Packets and IP bytes per 5-tuple and direction, as tshark counts them.
seen = defaultdict(lambda: [0, 0])
for line in open(os.path.join(work, "packets.tsv")):
    c = line.rstrip("\n").split("\t")
    if c[10] or c[11]:
        continue  # an ICMP error quoting a TCP/UDP header: not that flow's packet
    src, dst = c[0] or c[1], c[2] or c[3]
    proto = "tcp" if c[4] else "udp"
    key = (proto, src, int(c[4] or c[5]), dst, int(c[6] or c[7]))
    seen[key][0] += 1
    seen[key][1] += int(c[8]) if c[8] else int(c[9]) + 40
counted = defaultdict(lambda: [0, 0])
for r in conn:
    if r["proto"] not in ("tcp", "udp"):
        continue
    o = (r["proto"], r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"])
    counted[o][0] += r["orig_pkts"]; counted[o][1] += r["orig_ip_bytes"]
    back = (o[0], o[3], o[4], o[1], o[2])
    counted[back][0] += r["resp_pkts"]; counted[back][1] += r["resp_ip_bytes"]
seen = {k: tuple(v) for k, v in seen.items()}
counted = {k: tuple(v) for k, v in counted.items() if v[0] > 0}
check(len(seen) > 0 and seen == counted,
      "per-direction (packets, IP bytes) differ from tshark's: " + str(sorted(set(seen.items()) ^ set(counted.items()))[:6]))
print(f"conn.log: {len(conn)} rows; {len(seen)} TCP/UDP directions agree with tshark")

# ssl.log fingerprints: the SHA-256 of tshark's certificates, per connection.
ssl, _ = read("tsv", "ssl")
x509, _ = read("tsv", "x509")
by_uid = {r["uid"]: r for r in conn}
tshark_fps = defaultdict(set)
for line in open(os.path.join(work, "certs.tsv")):
    c = line.rstrip("\n").split("\t")
    ends = frozenset([(c[0] or c[1], int(c[2])), (c[3] or c[4], int(c[5]))])
    for der in c[6].split(","):
        tshark_fps[ends].add(hashlib.sha256(bytes.fromhex(der.replace(":", ""))).hexdigest())
logged = {}
for r in ssl:
    f = by_uid.get(r["uid"])
    check(f is not None, f"ssl.log uid {r['uid']} not in conn.log")
    if f is None:
        continue
    ends = frozenset([(f["id.orig_h"], f["id.orig_p"]), (f["id.resp_h"], f["id.resp_p"])])
    fps = (r["cert_chain_fps"] or []) + (r["client_cert_chain_fps"] or [])
    if fps:
        logged[ends] = logged.get(ends, set()) | set(fps)
check(len(tshark_fps) > 0 and logged == dict(tshark_fps), f"ssl.log fingerprints {logged} differ from tshark's {dict(tshark_fps)}")
x509_fps = [r["fingerprint"] for r in x509]
check(len(x509_fps) == len(set(x509_fps)), "x509.log repeats a certificate")
every = set().union(*logged.values()) if logged else set()
check(set(x509_fps) == every, f"x509.log fingerprints {sorted(x509_fps)} do not join ssl.log's {sorted(every)}")
print(f"ssl.log: {len(ssl)} sessions, {len(every)} certificates, all in x509.log")

# edgeflow's own logs.
rules, _ = read("tsv", "edge_rules")
check([(r["rule"], r["status"], r["flows"]) for r in rules] == [(r["id"], r["status"], r["flows"]) for r in report["rules"]] and len(rules) == 6,
      "edge_rules.log differs from the JSON report's rules")
findings, _ = read("tsv", "edge_findings")
check(all(r["uid"] is None or r["uid"] in by_uid for r in findings), "an edge_findings.log uid is not in conn.log")
check({r["code"] for r in findings} == {f["code"] for f in report["findings"]}, "edge_findings.log codes differ from the report's")

# dns.log: Zeek's DNS::Info columns, a row per query tshark shows, its uid in conn.log.
def joins(rows, name):
    for r in rows:
        f = by_uid.get(r["uid"])
        check(f is not None and all(f[k] == r[k] for k in ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto"]),
              f"{name} uid {r['uid']} does not join conn.log")

tshark_dns = [line.rstrip("\n").split("\t") for line in open(os.path.join(work, "dns.tsv"))]
if tshark_dns:
    dns, log = read("tsv", "dns")
    zeek_dns_types = {"ts": "time", "uid": "string", "id.orig_h": "addr", "id.orig_p": "port", "id.resp_h": "addr",
        "id.resp_p": "port", "proto": "enum", "trans_id": "count", "rtt": "interval", "query": "string", "qclass": "count",
        "qclass_name": "string", "qtype": "count", "qtype_name": "string", "rcode": "count", "rcode_name": "string",
        "AA": "bool", "TC": "bool", "RD": "bool", "RA": "bool", "Z": "count", "answers": "vector[string]",
        "TTLs": "vector[interval]", "rejected": "bool"}
    check(log.types == zeek_dns_types and log.fields == list(zeek_dns_types), f"dns.log columns {log.types}")
    joins(dns, "dns.log")
    queries = sorted((int(c[1], 16), c[2].lower(), int(c[3])) for c in tshark_dns if c[0] in ("0", "False"))
    check(sorted((r["trans_id"], r["query"], r["qtype"]) for r in dns) == queries, "dns.log queries differ from tshark's")
    # A response tshark reassembled from IP fragments is not read by edgeflow (no fragment past the first).
    answered = {int(c[1], 16): (int(c[4]), float(c[5])) for c in tshark_dns if c[0] in ("1", "True") and c[5] and c[6] in ("", "0")}
    for r in dns:
        if r["trans_id"] in answered:
            rcode, rtt = answered[r["trans_id"]]
            check(r["rcode"] == rcode and abs(r["rtt"] - rtt) < 2e-6, f"dns.log {r['trans_id']}: rcode {r['rcode']} rtt {r['rtt']}, tshark {rcode} {rtt}")
    print(f"dns.log: {len(dns)} queries, as tshark shows them")

# stun.log: one row per STUN transaction (requests and answers; indications are none), its uid in conn.log.
ids = set()
for line in open(os.path.join(work, "stun.tsv")):
    c = line.rstrip("\n").split("\t")
    ids |= {i for i, k in zip(c[0].split(","), c[1].split(",")) if i and k != "0x0001"}
if ids:
    stun, _ = read("tsv", "stun")
    joins(stun, "stun.log")
    logged = {r["trans_id"]: r for r in stun}
    check(len(logged) == len(stun) and ids <= set(logged), "stun.log transactions differ from tshark's")
    # The others are TURN over TCP in MS-TURN's pseudo-TLS framing, which tshark does not read as STUN.
    check(all(logged[i]["proto"] == "tcp" for i in set(logged) - ids), "stun.log has transactions tshark does not show")
    print(f"stun.log: {len(stun)} transactions, as tshark shows them")

zeeklogs.finish("Zeek logs read by parsezeeklogs agree with tshark and the JSON report")
PY
