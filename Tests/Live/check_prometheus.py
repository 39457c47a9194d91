#!/usr/bin/env python3
"""Reads a live run back through Prometheus's HTTP API and checks it against the offline
analysis of the same capture (see prometheus_test.sh).

    check_prometheus.py WORKDIR PROMETHEUS_URL

WORKDIR holds offline.json (edgeflow analyze) and logs/flows.ndjson (edgeflow live).
"""
import collections
import datetime
import json
import sys
import time
import urllib.parse
import urllib.request

work, base = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def query(expr):
    """An instant query: {frozenset(labels without __name__): value}."""
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    body = json.load(urllib.request.urlopen(url, timeout=10))
    assert body["status"] == "success", body
    return {frozenset((k, v) for k, v in r["metric"].items() if k != "__name__"): float(r["value"][1])
            for r in body["data"]["result"]}


def one(expr):
    values = list(query(expr).values())
    return values[0] if len(values) == 1 else None


def epoch(iso):
    return int(datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


offline = json.load(open(f"{work}/offline.json"))
flows = offline["flows"]
kinds = [json.loads(line)["type"] for line in open(f"{work}/logs/flows.ndjson")]
check("summary" in kinds and "rule" in kinds, "edgeflow live wrote the final report (rule and summary lines) on SIGTERM")

# Wait until Prometheus has scraped the final values (held by --metrics-hold).
deadline = time.time() + 30
while time.time() < deadline:
    if one('sum(edgeflow_flows_total{job="edgeflow"})') == len(flows) and \
            one('edgeflow_capture_packets_total{job="edgeflow"}') == offline["capture"]["packets"]:
        break
    time.sleep(0.5)
check(one('up{job="edgeflow"}') == 1, "Prometheus scrapes edgeflow (up == 1)")
check(one('edgeflow_capture_packets_total{job="edgeflow"}') == offline["capture"]["packets"],
      f"edgeflow_capture_packets_total = {offline['capture']['packets']}")
check(one('sum(edgeflow_flows_total)') == len(flows), f"sum(edgeflow_flows_total) = {len(flows)} flows")

verdicts = collections.Counter(f["verdict"] for f in flows)
got = {dict(k)["verdict"]: int(v) for k, v in query("sum by (verdict) (edgeflow_flows_total)").items()}
check(got == dict(verdicts), f"flows by verdict {dict(verdicts)}")

rules = {r["id"]: r for r in offline["rules"]}
seen = {dict(k)["rule"]: int(v) for k, v in query("edgeflow_rule_seen").items()}
check(seen == {i: int(r["status"] != "not_seen") for i, r in rules.items()}, f"edgeflow_rule_seen per hybrid rule {seen}")
rule_flows = {dict(k)["rule"]: int(v) for k, v in query("edgeflow_rule_flows_total").items()}
check(rule_flows == {i: r["flows"] for i, r in rules.items()}, f"edgeflow_rule_flows_total per hybrid rule {rule_flows}")
answered = {dict(k)["rule"]: int(v) for k, v in query("edgeflow_rule_answered_flows_total").items()}
check(answered == {i: r["flows_answered"] for i, r in rules.items()}, f"edgeflow_rule_answered_flows_total per hybrid rule {answered}")
rule_packets = {dict(k)["rule"]: int(v) for k, v in query("edgeflow_rule_packets_total").items()}
check(rule_packets == {i: r["packets"] for i, r in rules.items()}, f"edgeflow_rule_packets_total per hybrid rule {rule_packets}")

failed_5061 = sum(1 for f in flows if f.get("tls") and f["tls"]["handshake"] == "failed" and f["resp_p"] == 5061)
check(one('sum(edgeflow_tls_handshake_failures_by_port_total{port="5061"})') == failed_5061,
      f"{failed_5061} failed TLS handshakes on 5061")

certs = {}
for f in flows:
    for side, role in (("server", f["resp_role"]), ("client", f["orig_role"])):
        chain = ((f.get("tls") or {}).get("certificates") or {}).get(side) or []
        if chain and chain[0].get("not_after"):
            certs[chain[0]["sha256"]] = (role, epoch(chain[0]["not_after"]))
got_certs = {dict(k)["sha256"]: (dict(k)["role"], int(v)) for k, v in query("edgeflow_certificate_expiry_timestamp_seconds").items()}
check(certs and got_certs == certs, f"edgeflow_certificate_expiry_timestamp_seconds: role and notAfter of the {len(certs)} leaf certificates")

rtts = sum(min(f["stun"].get("transactions_matched", 0), 64) for f in flows if "stun" in f)
check(one("edgeflow_stun_rtt_seconds_count") == rtts, f"{rtts} STUN round trips in the RTT histogram")

# Media quality: RTP streams of the offline report's flows by label and leg (the README's
# role pairs), and the MOS and loss-ratio histograms' counts per leg.
def leg(a, b):
    pair = {a, b}
    if pair == {"av_edge", "other"}:
        return "client_av_edge"
    if pair == {"av_edge", "office365"}:
        return "av_edge_office365"
    if pair == {"office365", "other"}:
        return "client_office365"
    return "other"


streams, mos, loss = collections.Counter(), collections.Counter(), collections.Counter()
for f in flows:
    for r in f.get("rtp", []):
        where = leg(f["orig_role"], f["resp_role"])
        streams[(r["label"], where)] += 1
        loss[where] += 1
        if r.get("mos") is not None:
            mos[where] += 1
got_streams = {(dict(k)["label"], dict(k)["leg"]): int(v) for k, v in query("edgeflow_rtp_streams_total > 0").items()}
check(streams and got_streams == dict(streams), f"edgeflow_rtp_streams_total by label and leg {dict(streams)}")
got_mos = {dict(k)["leg"]: int(v) for k, v in query("edgeflow_rtp_mos_count > 0").items()}
check(got_mos == dict(mos), f"edgeflow_rtp_mos_count per leg {dict(mos)}")
got_loss = {dict(k)["leg"]: int(v) for k, v in query("edgeflow_rtp_loss_ratio_count > 0").items()}
check(got_loss == dict(loss), f"edgeflow_rtp_loss_ratio_count per leg {dict(loss)}")

# Recording rules and alerts, evaluated by Prometheus from the scraped series.
firing = set()
deadline = time.time() + 20
want = {("EdgeflowCertificateExpired", "sip.contoso.com"), ("EdgeflowTLSHandshakeFailures5061", "certificate_expired")}
while time.time() < deadline:
    body = json.load(urllib.request.urlopen(base + "/api/v1/alerts", timeout=10))
    firing = {(a["labels"]["alertname"], a["labels"].get("cn") or a["labels"].get("alert")) for a in body["data"]["alerts"]
              if a["state"] == "firing"}
    if want <= firing:
        break
    time.sleep(0.5)
expired = {dict(k)["cn"] for k, v in query("edgeflow:certificate_expiry:days < 0").items()}
check("sip.contoso.com" in expired, f"recording rule edgeflow:certificate_expiry:days < 0 for sip.contoso.com (expired certificates {sorted(expired)})")
check(want <= firing, f"alerts firing: EdgeflowCertificateExpired (sip.contoso.com), EdgeflowTLSHandshakeFailures5061 (certificate_expired); got {sorted(firing)}")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("Prometheus read the live run as the offline analysis reports it")
