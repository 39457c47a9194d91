#!/usr/bin/env python3
"""Checks a live run against the offline analysis of the same capture (see replay_test.sh).

    compare_live.py WORKDIR

WORKDIR holds offline.json (edgeflow analyze), live.ndjson (edgeflow live), metrics.txt (the
last scrape of its /metrics) and ipfix.csv (what nfdump read back from nfcapd).
"""
import collections
import json
import os
import re
import sys

work = sys.argv[1]
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def key(f):
    return (f["proto"], f["orig_h"], f["orig_p"], f["resp_h"], f["resp_p"])


offline = json.load(open(os.path.join(work, "offline.json")))
flows = {key(f): f for f in offline["flows"]}
counters = ("orig_pkts", "resp_pkts", "orig_ip_bytes", "resp_ip_bytes", "service", "rule", "verdict", "conn_state")

# 1. NDJSON flows and summary.
live_flows, summary = {}, None
for line in open(os.path.join(work, "live.ndjson")):
    o = json.loads(line)
    if o["type"] == "flow":
        live_flows[key(o)] = o
    elif o["type"] == "summary":
        summary = o
check(set(live_flows) == set(flows), f"NDJSON: the same {len(flows)} flows (5-tuples) as offline; live has {len(live_flows)}")
diff = [(k, c) for k in flows if k in live_flows for c in counters if flows[k][c] != live_flows[k][c]]
check(not diff, f"NDJSON: packets, bytes, service, rule, verdict and state per flow equal offline {diff[:3]}")
check(summary is not None and summary["capture"]["packets"] == offline["capture"]["packets"],
      f"NDJSON summary: {offline['capture']['packets']} packets captured")

# 2. Prometheus metrics.
metrics = collections.defaultdict(float)
per_label = {}
for line in open(os.path.join(work, "metrics.txt")):
    m = re.match(r"^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$", line.strip())
    if m:
        metrics[m.group(1)] += float(m.group(3))
        per_label[m.group(1) + (m.group(2) or "")] = float(m.group(3))
check(metrics["edgeflow_capture_packets_total"] == offline["capture"]["packets"], "metrics: edgeflow_capture_packets_total")
check(metrics["edgeflow_flows_total"] == len(flows), f"metrics: edgeflow_flows_total sums to {len(flows)}")
check(metrics["edgeflow_flow_packets_total"] == sum(f["orig_pkts"] + f["resp_pkts"] for f in flows.values()),
      "metrics: edgeflow_flow_packets_total")
check(metrics["edgeflow_flow_bytes_total"] == sum(f["orig_ip_bytes"] + f["resp_ip_bytes"] for f in flows.values()),
      "metrics: edgeflow_flow_bytes_total")
by_rule = collections.Counter((f["rule"] or "none", f["verdict"]) for f in flows.values())
got = collections.Counter()
for name, value in per_label.items():
    m = re.match(r'edgeflow_flows_total\{rule="([^"]*)",verdict="([^"]*)"', name)
    if m:
        got[(m.group(1), m.group(2))] += int(value)
check(got == by_rule, "metrics: flows per rule and verdict")
tls = collections.Counter(f["tls"]["handshake"] for f in flows.values() if "tls" in f)
got_tls = {re.search(r'outcome="([^"]*)"', k).group(1): int(v) for k, v in per_label.items() if k.startswith("edgeflow_tls_handshakes_total")}
check(got_tls == dict(tls), f"metrics: TLS handshakes by outcome {dict(tls)}")
rtts = sum(min(f["stun"].get("transactions_matched", 0), 64) for f in flows.values() if "stun" in f)
check(per_label.get("edgeflow_stun_rtt_seconds_count") == rtts, f"metrics: {rtts} STUN round trips in the RTT histogram")
codes = {f["code"] for f in offline["findings"]}
got_codes = {re.search(r'code="([^"]*)"', k).group(1) for k, v in per_label.items() if k.startswith("edgeflow_findings{") and v > 0}
check(got_codes == codes, "metrics: the same finding codes")

# 3. IPFIX records read back by nfdump (CSV: ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,...).
records = {}
for line in open(os.path.join(work, "ipfix.csv")):
    c = line.strip().split(",")
    if len(c) < 15 or not c[11].strip().isdigit():
        continue
    records[(c[7].strip().lower(), c[3], int(c[5]), c[4], int(c[6]))] = tuple(int(c[i]) for i in (11, 12, 13, 14))
ports = {k: f for k, f in flows.items() if f["proto"] in ("tcp", "udp")}
check(set(ports) <= set(records), f"IPFIX: every TCP/UDP flow ({len(ports)}) reached nfcapd; nfdump read {len(records)} records")
bad = [k for k, f in ports.items() if records.get(k) != (f["orig_pkts"], f["orig_ip_bytes"], f["resp_pkts"], f["resp_ip_bytes"])]
check(not bad, f"IPFIX: packets and octets both ways (RFC 5103 reverse counters) equal offline {bad[:3]}")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("live replay matches the offline analysis")
